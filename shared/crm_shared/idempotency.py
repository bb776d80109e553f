"""``Idempotency-Key`` on creating POSTs: a retried request gets the first answer."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Response, current_app, g, request
from sqlalchemy import insert, select

from .client_address import client_address
from .context import db_session
from .db import utcnow
from .errors import ValidationFailed
from .tables import idempotency_keys

F = TypeVar("F", bound=Callable[..., Any])


def idempotent(view: F) -> F:
    """Honour ``Idempotency-Key`` on a creating POST.

    The first successful response for a (caller, key) is stored in the same
    transaction as the change it reports; a retry with the same key and the
    same request gets that response again (``Idempotent-Replayed: true``)
    and changes nothing. The same key with a different request is refused.
    Two racing first attempts cannot both commit: the loser gets 409.
    """

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return view(*args, **kwargs)
        key = key.strip()
        if not key or len(key) > 255:
            raise ValidationFailed.field("Idempotency-Key", "must be 1 to 255 characters")
        principal = g.get("principal")
        owner = str(principal.id) if principal else f"anon:{client_address()}"
        digest = hashlib.sha256()
        digest.update(f"{request.method} {request.full_path}\n".encode())
        digest.update(request.get_data(cache=True))
        fingerprint = digest.hexdigest()
        session = db_session()
        stored = session.execute(
            select(idempotency_keys).where(
                idempotency_keys.c.principal == owner, idempotency_keys.c.key == key
            )
        ).first()
        if stored is not None:
            if stored.fingerprint != fingerprint:
                raise ValidationFailed.field(
                    "Idempotency-Key", "was already used for a different request"
                )
            replay = Response(stored.body, status=stored.status_code, headers=stored.headers)
            replay.headers["Idempotent-Replayed"] = "true"
            return replay
        response = current_app.make_response(view(*args, **kwargs))
        if response.status_code < 400:
            kept = {k: v for k, v in response.headers.items() if k in ("Content-Type", "Location")}
            session.execute(
                insert(idempotency_keys).values(
                    principal=owner,
                    key=key,
                    fingerprint=fingerprint,
                    status_code=response.status_code,
                    headers=kept,
                    body=response.get_data(),
                    created_at=utcnow(),
                )
            )
        return response

    return wrapper  # type: ignore[return-value]
