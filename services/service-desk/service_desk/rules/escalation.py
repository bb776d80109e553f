"""Whom a breached SLA clock escalates to, nearest first.

The policy's named users first; then the ticket's group lead and the lead's
manager; with no lead, the assignee's managers two levels up. No one twice.
The org tree comes in as a :class:`crm_shared.directory.Directory`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from crm_shared.directory import Directory


def escalation_chain(
    named: Sequence[uuid.UUID],
    group_lead: uuid.UUID | None,
    assignee: uuid.UUID | None,
    directory: Directory,
) -> list[uuid.UUID]:
    """The people to tell about a breach, nearest first, without repeats."""
    chain: list[uuid.UUID] = list(named)
    if group_lead is not None:
        chain.append(group_lead)
        manager = directory.manager_of(group_lead)
        if manager is not None:
            chain.append(manager)
    elif assignee is not None:
        chain.extend(directory.managers_up(assignee, 2))
    return list(dict.fromkeys(chain))
