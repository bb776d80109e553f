"""This service's view of the org tree, for approvers and overdue escalations.

Kept from ``user.created``/``user.updated`` events (``directory_users``). A
team's managers are its active users holding the ``manager`` role; the
events carry no parent team, so ``managers_up`` stops at the team's manager.
When ``crm_shared.directory`` (platform-identity) is merged, replace
:class:`OrdersDirectory` by its ``SqlDirectory``: the Protocol is the same.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_shared.approvals.people import DirectoryUser

from .models import DirectoryEntry


class OrdersDirectory:
    """A :class:`~crm_shared.approvals.people.Directory` over ``directory_users``."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def user(self, user_id: uuid.UUID) -> DirectoryUser | None:
        """The user, or None when unknown."""
        row = self.session.get(DirectoryEntry, user_id)
        if row is None:
            return None
        return DirectoryUser(row.id, row.username, tuple(row.roles), row.team_id, row.active)

    def manager_of(self, user_id: uuid.UUID) -> uuid.UUID | None:
        """The (first, by id) active manager of the user's team, other than the user."""
        row = self.session.get(DirectoryEntry, user_id)
        if row is None or row.team_id is None:
            return None
        mates = self.session.scalars(
            select(DirectoryEntry).where(
                DirectoryEntry.team_id == row.team_id, DirectoryEntry.active.is_(True)
            )
        )
        managers = sorted(m.id for m in mates if "manager" in m.roles and m.id != user_id)
        return managers[0] if managers and "manager" not in row.roles else None

    def managers_up(self, user_id: uuid.UUID, levels: int) -> list[uuid.UUID]:
        """Managers above the user, nearest first (one level: teams carry no parent here)."""
        manager = self.manager_of(user_id)
        return [manager] if manager is not None and levels >= 1 else []

    def users_with_role(self, role: str) -> list[uuid.UUID]:
        """Active users holding ``role``."""
        rows = self.session.scalars(select(DirectoryEntry).where(DirectoryEntry.active.is_(True)))
        return sorted(r.id for r in rows if role in r.roles)


def remember_user(session: Session, data: dict, at: datetime) -> None:
    """Upsert a user from a ``user.*`` event; an older event never overwrites a newer one."""
    user_id = uuid.UUID(data["user_id"])
    row = session.get(DirectoryEntry, user_id)
    if row is not None and row.updated_at > at:
        return
    if row is None:
        row = DirectoryEntry(id=user_id)
        session.add(row)
    row.username = data["username"]
    row.roles = list(data.get("roles") or [])
    row.team_id = uuid.UUID(data["team_id"]) if data.get("team_id") else None
    row.active = bool(data.get("active", True))
    row.updated_at = at
