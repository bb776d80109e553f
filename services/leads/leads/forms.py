"""Public web-form capture: authorised by the source's form key, not a user token.

Landing pages post here straight from the visitor's browser, so every
defence is on our side: the key names an active source, the browser's
origin must be one the source allows (CORS), each key and each client
address is rate limited across all intake processes, and a honeypot field
that humans never see catches naive bots (they get the same answer as a
person, and nothing is stored).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_shared.db import Database
from crm_shared.errors import Forbidden, NotFound, ValidationFailed
from crm_shared.ratelimit import Limit, RateLimiter

from .capture import Context, capture_many
from .models import LeadSource
from .rules.form_keys import FORM_FIELDS, UTM_FIELDS, key_hash, origin_allowed
from .rules.normalise import FieldProblem, clean_lead, refusal


def find_source(session: Session, key: str) -> LeadSource:
    """The active source a form key belongs to; 404 otherwise."""
    if not key or len(key) > 100:
        raise NotFound("unknown form key")
    source = session.scalar(select(LeadSource).where(LeadSource.key_hash == key_hash(key)))
    if source is None or not source.active:
        raise NotFound("unknown form key")
    return source


def submit(
    session: Session,
    db: Database,
    key: str,
    payload: dict[str, Any],
    *,
    origin: str | None,
    client: str,
    region: str,
) -> bool:
    """Take one form post; True when a lead was captured or touched (False: honeypot)."""
    # Look the key up and count the hit outside the request's transaction:
    # the limiter commits on its own, and must not wait behind our writes.
    with db.reading() as reader:
        source = find_source(reader, key)
    if not origin_allowed(source.allowed_origins, origin):
        raise Forbidden("this origin may not post to this form")
    limiter = RateLimiter(db)
    limiter.check(
        f"form-client:{source.id}:{client}",
        Limit(source.per_client_per_minute, 60),
        what="submissions from this address",
    )
    limiter.check(f"form-key:{source.id}", Limit(source.per_key_per_minute, 60), what="submissions")
    if str(payload.get(source.honeypot_field) or "").strip():
        return False  # a bot filled the hidden field: answer as usual, keep nothing
    unknown = sorted(set(payload) - FORM_FIELDS - UTM_FIELDS - {source.honeypot_field})
    if unknown:
        raise ValidationFailed(
            "unknown fields: " + ", ".join(unknown),
            errors=[{"field": name, "message": "Unknown field."} for name in unknown],
        )
    values = {k: v for k, v in payload.items() if k in FORM_FIELDS}
    clean, problems = clean_lead(values, region=region)
    if (
        not clean.get("email")
        and not clean.get("phone")
        and not any(p.field in ("email", "phone") for p in problems)
    ):
        problems.append(FieldProblem("email", "an email or a phone number is required"))
    if problems:
        raise refusal(problems)
    utm = {k: str(v)[:200] for k, v in payload.items() if k in UTM_FIELDS and v}
    ctx = Context(
        channel=source.channel,
        source=source.name,
        campaign_id=source.campaign_id,
        source_id=source.id,
        utm=utm or None,
        form=True,
        auto_assign=True,
    )
    capture_many(session, [clean], ctx)
    return True
