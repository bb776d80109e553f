"""Every service's copy of the organisation: users, teams and who manages whom.

The gateway owns users and teams and announces each change as ``user.*``
and ``team.*`` events. The platform registers :data:`HANDLERS` for every
service (see :class:`crm_shared.service.ServiceSpec`), so each service keeps
``directory_users`` and ``directory_teams`` in its own database, newest event
winning: an old event arriving after a newer one changes nothing.

Rules and use cases read the copy through the :class:`Directory` protocol:
:class:`SqlDirectory` over a session, :class:`MemoryDirectory` over plain
lists (tests, pure rules). Both walk the team tree the same way.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from .auth import Revocations
from .db import Database
from .events import Event, parse_time
from .tables import directory_teams, directory_users

USER_EVENTS = ("user.created", "user.updated")
TEAM_EVENTS = ("team.created", "team.updated")


@dataclass(frozen=True)
class DirectoryUser:
    """A user as every service knows them."""

    id: uuid.UUID
    username: str
    roles: tuple[str, ...]
    team_id: uuid.UUID | None
    active: bool


@dataclass(frozen=True)
class DirectoryTeam:
    """A team: its manager (a user) and the team above it."""

    id: uuid.UUID
    name: str
    manager_id: uuid.UUID | None = None
    parent_id: uuid.UUID | None = None


class Directory(Protocol):
    """Who is who, and who manages whom."""

    def user(self, user_id: uuid.UUID) -> DirectoryUser | None:
        """The user, or None when unknown here."""
        ...

    def manager_of(self, user_id: uuid.UUID) -> uuid.UUID | None:
        """The manager of the user's team; for that manager, the parent team's."""
        ...

    def managers_up(self, user_id: uuid.UUID, levels: int) -> list[uuid.UUID]:
        """Up to ``levels`` managers above the user, nearest first, no repeats."""
        ...

    def users_with_role(self, role: str) -> list[uuid.UUID]:
        """Active users holding ``role``."""
        ...


class _TreeWalk:
    """The walk up the team tree, shared by both directories."""

    def user(self, user_id: uuid.UUID) -> DirectoryUser | None:  # pragma: no cover
        raise NotImplementedError

    def _team(self, team_id: uuid.UUID) -> DirectoryTeam | None:  # pragma: no cover
        raise NotImplementedError

    def managers_up(self, user_id: uuid.UUID, levels: int) -> list[uuid.UUID]:
        """Up to ``levels`` managers above the user, nearest first, no repeats.

        Teams without a manager, and teams the user manages, are passed
        through to their parent. The walk stops at the root, at an unknown
        team, and at a team seen before (the gateway forbids cycles, but a
        copy fed by events may briefly hold one while updates arrive).
        """
        found: list[uuid.UUID] = []
        person = self.user(user_id)
        if person is None or levels <= 0:
            return found
        seen_teams: set[uuid.UUID] = set()
        team_id = person.team_id
        while team_id is not None and team_id not in seen_teams and len(found) < levels:
            seen_teams.add(team_id)
            team = self._team(team_id)
            if team is None:
                break
            manager = team.manager_id
            if manager is not None and manager != user_id and manager not in found:
                found.append(manager)
            team_id = team.parent_id
        return found

    def manager_of(self, user_id: uuid.UUID) -> uuid.UUID | None:
        """The manager of the user's team; for that manager, the parent team's."""
        up = self.managers_up(user_id, 1)
        return up[0] if up else None


class MemoryDirectory(_TreeWalk):
    """A directory over given users and teams; pure, for tests and rules."""

    def __init__(
        self, users: Iterable[DirectoryUser] = (), teams: Iterable[DirectoryTeam] = ()
    ) -> None:
        self._users = {u.id: u for u in users}
        self._teams = {t.id: t for t in teams}

    def user(self, user_id: uuid.UUID) -> DirectoryUser | None:
        """The user, or None when unknown."""
        return self._users.get(user_id)

    def _team(self, team_id: uuid.UUID) -> DirectoryTeam | None:
        return self._teams.get(team_id)

    def users_with_role(self, role: str) -> list[uuid.UUID]:
        """Active users holding ``role``, in a stable order (by username)."""
        chosen = [u for u in self._users.values() if u.active and role in u.roles]
        return [u.id for u in sorted(chosen, key=lambda u: (u.username, str(u.id)))]


def _user_from_row(row: Any) -> DirectoryUser:
    return DirectoryUser(
        id=row.id,
        username=row.username,
        roles=tuple(row.roles or ()),
        team_id=row.team_id,
        active=bool(row.active),
    )


class SqlDirectory(_TreeWalk):
    """The directory copy in this service's database, read through ``session``."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def user(self, user_id: uuid.UUID) -> DirectoryUser | None:
        """The user, or None when no event about them has arrived yet."""
        row = self.session.execute(
            select(directory_users).where(directory_users.c.id == user_id)
        ).first()
        return _user_from_row(row) if row is not None else None

    def _team(self, team_id: uuid.UUID) -> DirectoryTeam | None:
        row = self.session.execute(
            select(directory_teams).where(directory_teams.c.id == team_id)
        ).first()
        if row is None:
            return None
        return DirectoryTeam(
            id=row.id, name=row.name, manager_id=row.manager_id, parent_id=row.parent_id
        )

    def users_with_role(self, role: str) -> list[uuid.UUID]:
        """Active users holding ``role``, by username."""
        # Roles are a JSON list; filter in Python so SQLite and PostgreSQL agree.
        rows = self.session.execute(
            select(directory_users)
            .where(directory_users.c.active.is_(True))
            .order_by(directory_users.c.username, directory_users.c.id)
        ).all()
        return [row.id for row in rows if role in (row.roles or ())]


def tokens_valid_after(session: Session, user_id: uuid.UUID) -> tuple[bool, datetime | None]:
    """Whether the user is known and active here, and since when their tokens count.

    Unknown users (no event arrived yet) count as active with no cut-off, so
    a brand-new user is not refused before their ``user.created`` arrives.
    """
    row = session.execute(
        select(directory_users.c.active, directory_users.c.tokens_valid_after).where(
            directory_users.c.id == user_id
        )
    ).first()
    if row is None:
        return True, None
    return bool(row.active), row.tokens_valid_after


def revocations(db: Database, *, ttl: float = 0.5) -> Revocations:
    """Token revocation checked against this service's directory copy."""

    def lookup(user_id: uuid.UUID) -> tuple[bool, datetime | None]:
        with db.session() as session:
            return tokens_valid_after(session, user_id)

    return Revocations(lookup, ttl=ttl)


def _uuid(value: Any) -> uuid.UUID | None:
    return uuid.UUID(str(value)) if value not in (None, "") else None


def _upsert(session: Session, table: Any, row_id: uuid.UUID, values: dict[str, Any]) -> None:
    """Write ``values`` unless the row holds a newer event's state (newest wins)."""
    current = session.execute(
        select(table.c.updated_at).where(table.c.id == row_id).with_for_update()
    ).first()
    if current is None:
        session.execute(table.insert().values(id=row_id, **values))
    elif current.updated_at <= values["updated_at"]:
        session.execute(table.update().where(table.c.id == row_id).values(**values))


def on_user_event(session: Session, event: Event) -> None:
    """``user.created`` / ``user.updated``: keep the users copy, newest event wins."""
    data = event.data
    cutoff = data.get("tokens_valid_after")
    _upsert(
        session,
        directory_users,
        uuid.UUID(str(data["user_id"])),
        {
            "username": data["username"],
            "display_name": data.get("display_name") or None,
            "email": data.get("email") or None,
            "roles": sorted(data.get("roles") or []),
            "team_id": _uuid(data.get("team_id")),
            "active": bool(data["active"]),
            "tokens_valid_after": parse_time(cutoff) if cutoff else None,
            "updated_at": event.time,
        },
    )


def on_team_event(session: Session, event: Event) -> None:
    """``team.created`` / ``team.updated``: keep the teams copy, newest event wins."""
    data = event.data
    _upsert(
        session,
        directory_teams,
        uuid.UUID(str(data["team_id"])),
        {
            "name": data["name"],
            "manager_id": _uuid(data.get("manager_id")),
            "parent_id": _uuid(data.get("parent_id")),
            "updated_at": event.time,
        },
    )


HANDLERS: Mapping[str, Any] = {
    **{t: on_user_event for t in USER_EVENTS},
    **{t: on_team_event for t in TEAM_EVENTS},
}
