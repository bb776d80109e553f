"""A request is one transaction: commit on success, roll back otherwise."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Response, g
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .errors import Conflict

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


def finish_transaction(response: Any) -> Any:
    """Commit the request's session for a non-error ``response``, else roll it back."""
    session: Session | None = g.pop("crm_session", None)
    if session is None:
        return response
    status = response.status_code if isinstance(response, Response) else 200
    try:
        if status < 400:
            session.commit()
        else:
            session.rollback()
    except IntegrityError as exc:
        session.rollback()
        log.info("commit refused by a constraint: %s", exc.orig)
        raise Conflict("the change conflicts with data saved meanwhile; retry") from exc
    finally:
        session.close()
    return response


def unit_of_work(view: F) -> F:
    """Commit the request's session when ``view`` returns a non-error response."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            response = view(*args, **kwargs)
        except BaseException:
            session = g.pop("crm_session", None)
            if session is not None:
                session.rollback()
                session.close()
            raise
        return finish_transaction(response)

    return wrapper  # type: ignore[return-value]
