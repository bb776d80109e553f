"""Escalation: named users, then the group lead and their manager (or the assignee's)."""

import uuid

from crm_shared.directory import DirectoryTeam, DirectoryUser, MemoryDirectory
from service_desk.rules.escalation import escalation_chain


def test_lead_then_manager_without_repeats():
    boss, lead, agent, named = (uuid.uuid4() for _ in range(4))
    top, desk = uuid.uuid4(), uuid.uuid4()
    directory = MemoryDirectory(
        users=[
            DirectoryUser(boss, "boss", ("manager",), top, True),
            DirectoryUser(lead, "lead", ("service_agent",), desk, True),
            DirectoryUser(agent, "agent", ("service_agent",), desk, True),
        ],
        teams=[
            DirectoryTeam(top, "top", boss, None),
            DirectoryTeam(desk, "desk", lead, top),
        ],
    )
    assert escalation_chain([named], lead, agent, directory) == [named, lead, boss]
    assert escalation_chain([lead], lead, agent, directory) == [lead, boss]
    assert escalation_chain([], None, agent, directory) == [lead, boss]
    assert escalation_chain([], None, None, directory) == []
