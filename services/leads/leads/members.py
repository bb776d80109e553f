"""Members: the people leads go to, as the gateway's users plus leads' own settings.

The copy is fed by ``user.created`` / ``user.updated``; capacity, the
open-lead cap and whether they accept leads are set here; their recent
record (:mod:`leads.rules.member_stats`) feeds performance routing.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm_shared.auth import Principal
from crm_shared.config import Settings
from crm_shared.db import Database, utcnow
from crm_shared.errors import NotFound
from crm_shared.events import Event

from .models import Lead, Member
from .rules.lifecycle import OPEN_STATUSES
from .rules.member_stats import member_stats


def open_leads(session: Session, user_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    """Open (unclosed, unmerged) leads owned by each of ``user_ids``."""
    if not user_ids:
        return {}
    rows = session.execute(
        select(Lead.owner_id, func.count())
        .where(
            Lead.owner_id.in_(user_ids),
            Lead.status.in_(OPEN_STATUSES),
            Lead.merged_into_id.is_(None),
        )
        .group_by(Lead.owner_id)
    )
    return {owner: int(count) for owner, count in rows if owner is not None}


def list_members(session: Session, principal: Principal) -> list[dict[str, Any]]:
    """Members with their open-lead load (a manager sees their team)."""
    statement = select(Member).order_by(Member.username)
    if not principal.is_admin:
        statement = statement.where(Member.team_id == principal.team_id)
    members = session.scalars(statement).all()
    loads = open_leads(session, [m.user_id for m in members])
    return [_member_dict(m, loads.get(m.user_id, 0)) for m in members]


def _member_dict(member: Member, open_leads: int) -> dict[str, Any]:
    return {
        **{
            c: getattr(member, c)
            for c in (
                "user_id",
                "username",
                "team_id",
                "roles",
                "active",
                "accepting",
                "capacity",
                "max_open_leads",
                "conversion_rate",
                "response_minutes",
            )
        },
        "open_leads": open_leads,
    }


def update_member(
    session: Session, principal: Principal, user_id: uuid.UUID, data: dict[str, Any]
) -> dict[str, Any]:
    """Change leads' own settings for a member (capacity, cap, accepting)."""
    member = session.execute(
        select(Member).where(Member.user_id == user_id).with_for_update()
    ).scalar_one_or_none()
    if member is None or (not principal.is_admin and member.team_id != principal.team_id):
        raise NotFound("no such member")
    for key, value in data.items():
        setattr(member, key, value)
    member.updated_at = utcnow()
    return _member_dict(member, open_leads(session, [user_id]).get(user_id, 0))


def upsert_member(session: Session, event: Event) -> None:
    """``user.created`` / ``user.updated``: keep the members copy, newest event wins."""
    data = event.data
    user_id = uuid.UUID(data["user_id"])
    member = session.execute(
        select(Member).where(Member.user_id == user_id).with_for_update()
    ).scalar_one_or_none()
    if member is None:
        member = Member(user_id=user_id, accepting=True, capacity=1, updated_at=utcnow())
        session.add(member)
    elif member.user_event_time is not None and member.user_event_time > event.time:
        return  # an older event arriving late changes nothing
    member.username = data["username"]
    member.team_id = uuid.UUID(data["team_id"]) if data.get("team_id") else None
    member.roles = list(data.get("roles") or [])
    member.active = bool(data["active"])
    member.user_event_time = event.time
    member.updated_at = utcnow()


def refresh_member_stats(db: Database, settings: Settings | None = None, *, days: int = 90) -> int:
    """Recompute each member's recent conversion rate and response time."""
    now = utcnow()
    since = now - timedelta(days=days)
    with db.transaction() as session:
        rows = session.execute(
            select(Lead.owner_id, Lead.status, Lead.assigned_at, Lead.first_touch_at).where(
                Lead.owner_id.is_not(None),
                Lead.assigned_at.is_not(None),
                Lead.assigned_at >= since,
                Lead.merged_into_id.is_(None),
            )
        ).all()
        per = member_stats((r.owner_id, r.status, r.assigned_at, r.first_touch_at) for r in rows)
        members = session.scalars(select(Member)).all()
        for member in members:
            stats = per.get(member.user_id)
            member.conversion_rate = stats.conversion_rate if stats else None
            member.response_minutes = stats.response_minutes if stats else None
            member.stats_at = now
        return len(members)
