"""The service's run-time configuration: its settings and its capture points (sources).

Settings live in the platform table (:mod:`crm_shared.platform_settings`),
declared here once with their defaults; sources are the web forms and other
capture points, each with its own form key.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_shared.auth import Principal
from crm_shared.db import utcnow
from crm_shared.errors import Forbidden, NotFound
from crm_shared.pagination import SortKey, paginate
from crm_shared.platform_settings import Setting

from .campaigns import get_campaign
from .models import LeadSource
from .rules import qualification
from .rules.form_keys import key_hash, new_key

# Auto-qualification and the learned model's weight (rules/qualification.py).
QUALIFICATION: Setting[dict[str, Any]] = Setting("qualification", qualification.DEFAULTS)
# The learned model's parameters (rules/qualification_model.py), once trained.
MODEL: Setting[dict[str, Any] | None] = Setting("model", None)
# Whether a fresh install got its starting scoring rules (an admin may then change them).
SCORING_SEEDED: Setting[bool] = Setting("scoring_seeded", False)


def require_manager(principal: Principal) -> None:
    """Configuration is for managers and admins."""
    if not (principal.is_admin or principal.has_role("manager")):
        raise Forbidden("requires one of the roles: admin, manager")


def qualification_settings(session: Session) -> dict[str, Any]:
    """Auto-qualification and model settings, defaults filled in."""
    return QUALIFICATION.get(session)


def set_qualification(session: Session, data: dict[str, Any]) -> dict[str, Any]:
    """Store auto-qualification and model settings."""
    QUALIFICATION.set(session, data)
    return qualification_settings(session)


# ---------------------------------------------------------------- sources


def create_source(session: Session, principal: Principal, data: dict[str, Any]) -> dict[str, Any]:
    """A new capture point; its form key is in this answer only."""
    if data.get("campaign_id"):
        get_campaign(session, data["campaign_id"])
    key = new_key()
    source = LeadSource(
        id=uuid.uuid4(),
        key_hash=key_hash(key),
        key_hint=key[:8],
        created_by=principal.id,
        created_at=utcnow(),
        **data,
    )
    session.add(source)
    session.flush()
    return {**_source_dict(source), "form_key": key}


def _source_dict(source: LeadSource) -> dict[str, Any]:
    return {
        c: getattr(source, c)
        for c in (
            "id",
            "name",
            "channel",
            "campaign_id",
            "allowed_origins",
            "honeypot_field",
            "per_key_per_minute",
            "per_client_per_minute",
            "active",
            "key_hint",
            "created_at",
        )
    }


def get_source(session: Session, source_id: uuid.UUID) -> LeadSource:
    """A source; 404 otherwise."""
    source = session.get(LeadSource, source_id)
    if source is None:
        raise NotFound("no such lead source")
    return source


def update_source(session: Session, source_id: uuid.UUID, data: dict[str, Any]) -> dict[str, Any]:
    """Change a source (not its key)."""
    source = get_source(session, source_id)
    if data.get("campaign_id"):
        get_campaign(session, data["campaign_id"])
    for key, value in data.items():
        setattr(source, key, value)
    source.updated_at = utcnow()
    return _source_dict(source)


def rotate_key(session: Session, source_id: uuid.UUID) -> dict[str, Any]:
    """Replace a source's form key; the old one stops working at once."""
    source = get_source(session, source_id)
    key = new_key()
    source.key_hash, source.key_hint = key_hash(key), key[:8]
    source.updated_at = utcnow()
    return {**_source_dict(source), "form_key": key}


def list_sources(session: Session, args: dict[str, Any]) -> tuple[list[dict[str, Any]], str | None]:
    """Sources, newest first."""
    keys = [SortKey(LeadSource.created_at, "created_at", True), SortKey(LeadSource.id, "id", True)]
    items, cursor = paginate(
        session, select(LeadSource), keys, limit=args["limit"], cursor=args.get("cursor")
    )
    return [_source_dict(s) for s in items], cursor
