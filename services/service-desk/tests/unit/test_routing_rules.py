"""Routing rules: first match wins; only available agents under the cap are chosen."""

import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from service_desk.rules.routing import (
    AgentLoad,
    RoutingRule,
    TicketFacts,
    choose_agent,
    choose_rule,
)

T0 = datetime(2026, 12, 1, tzinfo=UTC)


def test_first_matching_rule_by_position():
    g1, g2 = uuid.uuid4(), uuid.uuid4()
    rules = [
        RoutingRule(uuid.uuid4(), 2, g2),
        RoutingRule(uuid.uuid4(), 1, g1, category="printer", priority="urgent"),
    ]
    urgent = TicketFacts("printer", "urgent", None, "email", None)
    normal = TicketFacts("printer", "normal", None, "email", None)
    assert choose_rule(rules, urgent).group_id == g1
    assert choose_rule(rules, normal).group_id == g2


def test_round_robin_takes_the_longest_waiting():
    a = AgentLoad(uuid.uuid4(), True, 5, T0)
    b = AgentLoad(uuid.uuid4(), True, 0, T0 + timedelta(minutes=1))
    never = AgentLoad(uuid.uuid4(), True, 9, None)
    assert choose_agent("round_robin", [a, b, never], cap=None) == never.id
    assert choose_agent("round_robin", [a, b], cap=None) == a.id
    assert choose_agent("least_open", [a, b], cap=None) == b.id


agents = st.lists(
    st.builds(
        AgentLoad,
        id=st.uuids(),
        available=st.booleans(),
        open_tickets=st.integers(0, 10),
        last_assigned_at=st.one_of(st.none(), st.just(T0)),
        skills=st.frozensets(st.sampled_from(["a", "b", "c"])),
    ),
    max_size=8,
)


@given(
    st.sampled_from(["round_robin", "least_open", "skills"]),
    agents,
    st.one_of(st.none(), st.integers(1, 10)),
    st.frozensets(st.sampled_from(["a", "b"])),
)
def test_never_an_unavailable_capped_or_unskilled_agent(strategy, loads, cap, skills):
    chosen = choose_agent(strategy, loads, cap=cap, skills=skills)
    eligible = [
        a
        for a in loads
        if a.available
        and (cap is None or a.open_tickets < cap)
        and (strategy != "skills" or skills <= a.skills)
    ]
    if not eligible:
        assert chosen is None
    else:
        assert chosen in {a.id for a in eligible}
