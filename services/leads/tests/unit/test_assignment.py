"""Assignment rules: matching conditions, the strategies, caps."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from leads.rules import assignment


def test_rule_conditions():
    lead = {"region": "EMEA", "industry": "Banking", "source": "web"}
    assert assignment.rule_matches({}, lead)
    assert assignment.rule_matches({"regions": ["emea"], "industries": ["banking"]}, lead)
    assert not assignment.rule_matches({"regions": ["APAC"]}, lead)
    assert not assignment.rule_matches({"sources": ["referral"]}, lead)


def _simulate(strategy, candidates, n):
    counts = {c.user_id: 0 for c in candidates}
    cursor = -1
    current = list(candidates)
    for _ in range(n):
        chosen = assignment.choose(strategy, current, cursor)
        if chosen is None:
            break
        counts[chosen.user_id] += 1
        cursor = chosen.position
        current = [
            assignment.Candidate(
                **{
                    **c.__dict__,
                    "assigned": c.assigned + (c.user_id == chosen.user_id),
                    "open_leads": c.open_leads + (c.user_id == chosen.user_id),
                }
            )
            for c in current
        ]
    return counts


def test_round_robin_takes_turns_and_skips_the_full_and_inactive():
    people = [
        assignment.Candidate("a", 0),
        assignment.Candidate("b", 1, max_open=2),
        assignment.Candidate("c", 2, active=False),
        assignment.Candidate("d", 3),
    ]
    counts = _simulate("round_robin", people, 10)
    assert counts == {"a": 4, "b": 2, "c": 0, "d": 4}


def test_weighted_shares_follow_capacity():
    people = [assignment.Candidate("a", 0, capacity=3), assignment.Candidate("b", 1, capacity=1)]
    assert _simulate("weighted", people, 40) == {"a": 30, "b": 10}


def test_least_loaded_fills_the_emptiest():
    people = [
        assignment.Candidate("a", 0, open_leads=5),
        assignment.Candidate("b", 1, open_leads=0),
    ]
    assert _simulate("least_loaded", people, 5) == {"a": 0, "b": 5}


def test_performance_favours_converters_without_starving_anyone():
    people = [
        assignment.Candidate("star", 0, conversion_rate=0.6, response_minutes=10),
        assignment.Candidate("slow", 1, conversion_rate=0.1, response_minutes=240),
    ]
    counts = _simulate("performance", people, 100)
    assert counts["star"] > counts["slow"] > 0


@given(
    st.lists(
        st.tuples(st.integers(1, 5), st.integers(0, 20), st.none() | st.integers(0, 20)),
        min_size=1,
        max_size=6,
    ),
    st.sampled_from(assignment.STRATEGIES),
)
def test_nobody_is_given_a_lead_over_their_cap(specs, strategy):
    people = [
        assignment.Candidate(i, i, capacity=cap, open_leads=load, max_open=limit)
        for i, (cap, load, limit) in enumerate(specs)
    ]
    chosen = assignment.choose(strategy, people, -1)
    if chosen is not None:
        assert chosen.max_open is None or chosen.open_leads < chosen.max_open
