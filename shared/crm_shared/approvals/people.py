"""Who exists and who reports to whom, as the approval rules need it.

This is the interface of ``crm_shared.directory`` (built on the
``platform-identity`` branch: a copy of users and teams fed by ``user.*`` and
``team.*`` events). Until that lands, approvals code against this Protocol;
:class:`StaticDirectory` is a plain in-memory implementation for tests and for
a service that has no copy of the org tree yet.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class DirectoryUser:
    """A user as the directory knows them."""

    id: uuid.UUID
    username: str
    roles: tuple[str, ...]
    team_id: uuid.UUID | None
    active: bool


class Directory(Protocol):
    """Users, their teams and the managers above them."""

    def user(self, user_id: uuid.UUID) -> DirectoryUser | None:
        """The user, or None when unknown."""
        ...

    def manager_of(self, user_id: uuid.UUID) -> uuid.UUID | None:
        """Manager of the user's team; for the manager themself, the parent team's."""
        ...

    def managers_up(self, user_id: uuid.UUID, levels: int) -> list[uuid.UUID]:
        """Up to ``levels`` managers above the user, nearest first, no repeats."""
        ...

    def users_with_role(self, role: str) -> list[uuid.UUID]:
        """Active users holding ``role``."""
        ...


@dataclass(frozen=True)
class Team:
    """A team of :class:`StaticDirectory`: its manager and parent team."""

    id: uuid.UUID
    manager_id: uuid.UUID | None = None
    parent_id: uuid.UUID | None = None


class StaticDirectory:
    """A :class:`Directory` over fixed lists of users and teams (pure, in memory)."""

    def __init__(self, users: Iterable[DirectoryUser] = (), teams: Iterable[Team] = ()) -> None:
        self.users: Mapping[uuid.UUID, DirectoryUser] = {u.id: u for u in users}
        self.teams: Mapping[uuid.UUID, Team] = {t.id: t for t in teams}

    def user(self, user_id: uuid.UUID) -> DirectoryUser | None:
        """The user, or None when unknown."""
        return self.users.get(user_id)

    def _team_manager_above(
        self, team_id: uuid.UUID | None, user_id: uuid.UUID
    ) -> uuid.UUID | None:
        seen: set[uuid.UUID] = set()
        while team_id is not None and team_id not in seen:
            seen.add(team_id)
            team = self.teams.get(team_id)
            if team is None:
                return None
            if team.manager_id is not None and team.manager_id != user_id:
                return team.manager_id
            team_id = team.parent_id
        return None

    def manager_of(self, user_id: uuid.UUID) -> uuid.UUID | None:
        """Manager of the user's team; for the manager themself, the parent team's."""
        found = self.users.get(user_id)
        return self._team_manager_above(found.team_id, user_id) if found else None

    def managers_up(self, user_id: uuid.UUID, levels: int) -> list[uuid.UUID]:
        """Up to ``levels`` managers above the user, nearest first, no repeats."""
        chain: list[uuid.UUID] = []
        current = user_id
        while len(chain) < levels:
            manager = self.manager_of(current)
            if manager is None or manager in chain or manager == user_id:
                break
            chain.append(manager)
            current = manager
        return chain

    def users_with_role(self, role: str) -> list[uuid.UUID]:
        """Active users holding ``role``."""
        return sorted(u.id for u in self.users.values() if u.active and role in u.roles)
