"""Scoring rules: bounds, decay, behaviour caps and reasons."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from leads.rules import scoring

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


@given(leads, activities, attribute_rules, st.floats(0, 1), st.floats(0.01, 1))
def test_the_model_blend_stays_in_bounds_and_explains_its_share(lead, acts, attrs, p, weight):
    rules_only = scoring.score_lead(lead, acts, attrs, [], NOW)
    blended = scoring.with_model(rules_only, p, weight)
    assert 0 <= blended.value <= 100
    assert blended.reasons[:-1] == rules_only.reasons
    model = blended.reasons[-1]
    assert model.rule_id == "model"
    assert model.points == round(blended.value - rules_only.value, 1)


def test_without_a_model_the_rule_score_stands():
    rules_only = scoring.Score(40, ())
    assert scoring.with_model(rules_only, None, 0.5) is rules_only
    assert scoring.with_model(rules_only, 0.9, 0.0) is rules_only
