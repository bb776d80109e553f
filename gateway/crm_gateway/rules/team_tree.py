"""The team tree: a team's parent may not be the team itself or one below it."""

from __future__ import annotations

import uuid
from collections.abc import Mapping


def creates_cycle(
    team_id: uuid.UUID,
    new_parent_id: uuid.UUID | None,
    parent_of: Mapping[uuid.UUID, uuid.UUID | None],
) -> bool:
    """Whether making ``new_parent_id`` the parent of ``team_id`` closes a loop.

    ``parent_of`` holds every team's current parent. Walking up from the new
    parent must reach the root without meeting ``team_id``; a loop already
    in ``parent_of`` (which the gateway never stores) also counts as one.
    """
    seen: set[uuid.UUID] = set()
    current = new_parent_id
    while current is not None:
        if current == team_id or current in seen:
            return True
        seen.add(current)
        current = parent_of.get(current)
    return False
