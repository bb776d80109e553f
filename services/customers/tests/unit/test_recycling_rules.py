"""Unit tests of the recycling rules: a pure function of facts, rules and time."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from customers.rules.recycling import ClockRule, Facts, PoolRules, evaluate

T0 = datetime(2026, 1, 1, tzinfo=UTC)
OWNER = uuid.uuid4()
tiers = st.sampled_from(["high_value", "potential", "at_risk", "churned"])
days = st.integers(min_value=0, max_value=400)
offsets = st.integers(min_value=0, max_value=800).map(lambda d: timedelta(days=d))


def clock(enabled: bool = True, days_: int = 30, **by_tier: int) -> ClockRule:
    return ClockRule(enabled=enabled, days=days_, days_by_tier=by_tier)


def rules(**kwargs) -> PoolRules:
    base = {
        "no_followup": clock(True, 30),
        "no_opportunity": clock(False, 60),
        "not_won": clock(False, 180),
        "warn_days": 3,
    }
    base.update(kwargs)
    return PoolRules(**base)


def facts(**kwargs) -> Facts:
    base = {"owner_id": OWNER, "owned_since": T0, "tier": "potential"}
    base.update(kwargs)
    return Facts(**base)


def test_no_followup_for_n_days_recycles_with_a_reason():
    decision = evaluate(facts(), rules(), T0 + timedelta(days=30))
    assert decision.action == "recycle"
    assert decision.rule == "no_followup"
    assert "no follow-up for 30 days" in decision.reason


def test_warning_comes_k_days_before():
    assert evaluate(facts(), rules(), T0 + timedelta(days=26)).action == "keep"
    warn = evaluate(facts(), rules(), T0 + timedelta(days=27))
    assert warn.action == "warn" and warn.due_at == T0 + timedelta(days=30)


def test_days_per_tier_override_the_pools_days_and_may_be_zero():
    per_tier = rules(no_followup=clock(True, 30, churned=0, high_value=90))
    assert evaluate(facts(tier="churned"), per_tier, T0).action == "recycle"
    assert evaluate(facts(tier="high_value"), per_tier, T0 + timedelta(days=60)).action == "keep"
    assert evaluate(facts(tier="potential"), per_tier, T0 + timedelta(days=31)).action == "recycle"


def test_no_new_opportunity_since_the_claim():
    r = rules(no_followup=clock(False), no_opportunity=clock(True, 60))
    assert evaluate(facts(), r, T0 + timedelta(days=60)).rule == "no_opportunity"
    # An opportunity from before this owner's claim does not count.
    old = facts(last_opportunity_at=T0 - timedelta(days=1))
    assert evaluate(old, r, T0 + timedelta(days=60)).action == "recycle"
    fresh = facts(last_opportunity_at=T0 + timedelta(days=5))
    assert evaluate(fresh, r, T0 + timedelta(days=600)).action == "keep"


def test_not_won_since_the_claim_unless_exempt_or_switched_off():
    r = rules(no_followup=clock(False), not_won=clock(True, 90), exempt_won=False)
    assert evaluate(facts(), r, T0 + timedelta(days=90)).rule == "not_won"
    won = facts(last_won_at=T0 + timedelta(days=3), won_deals=1)
    assert evaluate(won, r, T0 + timedelta(days=900)).action == "keep"
    off = rules(no_followup=clock(False), not_won=clock(False, 90))
    assert evaluate(facts(), off, T0 + timedelta(days=900)).action == "keep"


def test_exemptions_are_configurable():
    busy = facts(open_opportunities=1)
    assert evaluate(busy, rules(), T0 + timedelta(days=99)).action == "keep"
    assert (
        evaluate(busy, rules(exempt_open_opportunity=False), T0 + timedelta(days=99)).action
        == "recycle"
    )
    won = facts(won_deals=2)
    assert evaluate(won, rules(), T0 + timedelta(days=99)).action == "keep"
    assert evaluate(won, rules(exempt_won=False), T0 + timedelta(days=99)).action == "recycle"


def test_the_earliest_rule_decides():
    r = rules(no_followup=clock(True, 30), no_opportunity=clock(True, 10))
    assert evaluate(facts(), r, T0 + timedelta(days=12)).rule == "no_opportunity"


def test_rules_round_trip_through_their_stored_form():
    r = rules(no_followup=clock(True, 12, churned=0), daily_claim_limit=None, lock_cap=2)
    assert PoolRules.from_dict(r.to_dict()) == r
    assert PoolRules.from_dict({}) == PoolRules()


@given(
    tier=tiers,
    n=days,
    since=offsets,
    later=offsets,
    open_opps=st.integers(0, 3),
    won=st.integers(0, 3),
    exempt_open=st.booleans(),
    exempt_won=st.booleans(),
)
def test_a_locked_or_exempt_customer_is_never_recycled(
    tier, n, since, later, open_opps, won, exempt_open, exempt_won
):
    r = rules(
        no_followup=clock(True, n),
        no_opportunity=clock(True, n),
        not_won=clock(True, n),
        exempt_open_opportunity=exempt_open,
        exempt_won=exempt_won,
    )
    now = T0 + since + later
    f = facts(tier=tier, owned_since=T0 + since, open_opportunities=open_opps, won_deals=won)
    locked = Facts(**{**f.__dict__, "locked": True})
    assert evaluate(locked, r, now).action == "keep"
    if (exempt_open and open_opps) or (exempt_won and won):
        assert evaluate(f, r, now).action == "keep"


@given(tier=tiers, n=st.integers(1, 400), since=offsets, gap=offsets, after=offsets)
def test_a_followup_resets_the_no_followup_clock(tier, n, since, gap, after):
    r = rules(no_followup=clock(True, n))
    owned = T0 + since
    followed = owned + gap
    f = facts(tier=tier, owned_since=owned, last_followup_at=followed)
    now = followed + after
    decision = evaluate(f, r, now)
    assert (decision.action == "recycle") == (after >= timedelta(days=n))
    assert decision.due_at == followed + timedelta(days=n)


@given(n=st.integers(1, 400), k=st.integers(0, 30), at=offsets)
def test_warnings_come_k_days_before_and_never_after_the_deadline(n, k, at):
    r = rules(no_followup=clock(True, n), warn_days=k)
    decision = evaluate(facts(), r, T0 + at)
    due = T0 + timedelta(days=n)
    if T0 + at >= due:
        assert decision.action == "recycle"
    elif k > 0 and T0 + at >= due - timedelta(days=k):
        assert decision.action == "warn"
    else:
        assert decision.action == "keep"


@given(at=offsets)
def test_a_customer_in_the_pool_is_left_alone(at):
    assert evaluate(facts(owner_id=None), rules(), T0 + at).action == "keep"
