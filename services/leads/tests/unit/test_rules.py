"""Unit tests of the leads rules: plain Python, milliseconds, hypothesis for properties."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leads.rules import assignment, scoring
from leads.rules import campaign_figures as campaigns
from leads.rules.import_formats import map_status
from leads.rules.lifecycle import check_can_move, status_after_follow_up
from leads.rules.normalise import FieldProblem, clean_lead, duplicate_key, normalise_phone
from leads.rules.qualification_model import features, train

NOW = datetime(2026, 11, 1, tzinfo=UTC)
KINDS = ("form_submit", "email_open", "visit", "call", "meeting")

attribute_rules = st.lists(
    st.builds(
        scoring.AttributeRule,
        id=st.text(min_size=1, max_size=4),
        name=st.just("r"),
        field=st.sampled_from(["industry", "company_size", "title"]),
        operator=st.sampled_from(["equals", "in", "contains", "gte", "lte", "exists"]),
        value=st.one_of(st.integers(0, 5000), st.sampled_from(["tech", "ceo", ["tech", "bank"]])),
        points=st.integers(-100, 100),
    ),
    max_size=6,
)
behaviour_rules = st.lists(
    st.builds(
        scoring.BehaviourRule,
        id=st.text(min_size=1, max_size=4),
        name=st.just("b"),
        kind=st.sampled_from(KINDS),
        points=st.integers(1, 100),
        half_life_days=st.floats(0.1, 365),
        cap=st.integers(1, 100),
    ),
    max_size=6,
)
leads = st.fixed_dictionaries(
    {
        "industry": st.sampled_from([None, "tech", "bank"]),
        "company_size": st.one_of(st.none(), st.integers(0, 10000)),
        "title": st.sampled_from([None, "CEO", "intern"]),
    }
)
activities = st.lists(
    st.tuples(
        st.sampled_from(KINDS),
        st.integers(0, 400 * 86400).map(lambda s: NOW - timedelta(seconds=s)),
    ),
    max_size=20,
)


@given(leads, activities, attribute_rules, behaviour_rules)
def test_score_is_always_between_0_and_100(lead, acts, attrs, behaviours):
    result = scoring.score_lead(lead, acts, attrs, behaviours, NOW)
    assert 0 <= result.value <= 100


@given(leads, activities, attribute_rules, behaviour_rules, st.integers(0, 1000))
def test_time_passing_never_raises_a_score(lead, acts, attrs, behaviours, days):
    now = scoring.score_lead(lead, acts, attrs, behaviours, NOW).value
    later = scoring.score_lead(lead, acts, attrs, behaviours, NOW + timedelta(days=days)).value
    assert later <= now


@given(leads, activities, attribute_rules, behaviour_rules, st.sampled_from(KINDS))
def test_more_behaviour_never_lowers_a_score(lead, acts, attrs, behaviours, kind):
    before = scoring.score_lead(lead, acts, attrs, behaviours, NOW).value
    after = scoring.score_lead(lead, [*acts, (kind, NOW)], attrs, behaviours, NOW).value
    assert after >= before


def test_reasons_explain_the_score():
    rules = [scoring.AttributeRule("1", "Big company", "company_size", "gte", 200, 30)]
    behaviour = [scoring.BehaviourRule("2", "Opened", "email_open", 10, 7.0, 100)]
    result = scoring.score_lead(
        {"company_size": 500},
        [("email_open", NOW - timedelta(days=7)), ("email_open", NOW)],
        rules,
        behaviour,
        NOW,
    )
    assert result.value == 45  # 30 + 10 + 5 (one open a half-life ago)
    assert [r.rule for r in result.reasons] == ["Big company", "Opened"]
    assert result.reasons[1].points == 15.0


def test_behaviour_is_capped_per_rule():
    behaviour = [scoring.BehaviourRule("v", "Visit", "visit", 10, 30.0, 25)]
    result = scoring.score_lead({}, [("visit", NOW)] * 10, [], behaviour, NOW)
    assert result.value == 25


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+44 20 7946 0958", "+442079460958"),
        ("(415) 555-2671", "+14155552671"),
        ("415.555.2671", "+14155552671"),
    ],
)
def test_phones_become_e164(raw, expected):
    assert normalise_phone(raw, "US") == expected


def test_bad_phone_names_the_field():
    with pytest.raises(FieldProblem) as problem:
        normalise_phone("12", "US")
    assert problem.value.field == "phone"


def test_clean_lead_collects_every_problem():
    clean, problems = clean_lead({"phone": "1", "company_size": "many"})
    assert {p.field for p in problems} == {"name", "phone", "company_size"}
    clean, problems = clean_lead({"email": "nope"})
    assert {p.field for p in problems} == {"email"}  # the email stands in for a name
    clean, problems = clean_lead({"first_name": "Ada", "last_name": "L", "email": " A@B.COM "})
    assert problems == []
    assert clean["name"] == "Ada L"
    assert clean["email"] == "a@b.com"


def test_duplicate_key_ignores_case_punctuation_and_legal_suffix():
    assert duplicate_key("Ada Lovelace", "Analytical Engines Ltd.") == duplicate_key(
        "ada  lovelace", "ANALYTICAL ENGINES"
    )
    assert duplicate_key("Ada", None) is None


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


def test_campaign_figures():
    out = campaigns.figures(
        budget=Decimal("1000"),
        currency="USD",
        captured=50,
        qualified=10,
        won=2,
        revenue={"USD": Decimal("3000"), "EUR": Decimal("10")},
    )
    assert out["cost_per_lead"] == "20.00"
    assert out["roi"] == "2.0000"
    assert out["qualification_rate"] == 0.2
    assert {"amount": "10", "currency": "EUR"} in out["revenue"]
    assert (
        campaigns.figures(budget=None, currency=None, captured=0, qualified=0, won=0, revenue={})[
            "roi"
        ]
        is None
    )


def test_status_moves():
    check_can_move("new", "contacted")
    check_can_move("contacted", "nurturing")
    from crm_shared.errors import Conflict

    with pytest.raises(Conflict):
        check_can_move("qualified", "contacted")
    assert status_after_follow_up("new", "call") == "contacted"
    assert status_after_follow_up("nurturing", "call") == "nurturing"


def test_foreign_statuses_map_to_ours():
    assert map_status("Open - Not Contacted") == "new"
    assert map_status("Closed - Converted") == "qualified"
    assert map_status("marketingqualifiedlead") == "nurturing"
    assert map_status("Sales Qualified Lead") == "qualified"
    assert map_status("weird") is None


def test_learned_model_beats_the_majority_guess_on_held_out_leads():
    examples = []
    for i in range(400):
        tech = i % 2 == 0
        engaged = i % 3 == 0
        qualified = (tech and engaged) or (tech and i % 5 == 0)
        lead = {"industry": "tech" if tech else "retail", "source": "web"}
        examples.append((f"lead-{i}", features(lead, {"visit": 3 if engaged else 0}), qualified))
    model = train(examples, epochs=150)
    assert model.tested_on > 40
    assert model.accuracy is not None and model.accuracy > model.baseline_accuracy
