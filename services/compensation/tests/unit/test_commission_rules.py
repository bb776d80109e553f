"""Unit tests of the commission rules: marginal tiers, caps, splits, clawback (no I/O)."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from compensation.rules.commission import (
    Plan,
    Tier,
    clawback_applies,
    marginal_commission,
    period_commission,
    plan_value,
    product_factor,
    split_amount,
    split_errors,
    tier_errors,
)

D = Decimal
PLAN = Plan(
    "collected",
    (Tier(D(0), D("0.8"), D("0.03")), Tier(D("0.8"), D(1), D("0.05")), Tier(D(1), None, D("0.08"))),
)
money = st.decimals(min_value=D(0), max_value=D(10_000_000), places=2)
targets = st.one_of(st.none(), st.decimals(min_value=D(1), max_value=D(5_000_000), places=2))


def test_the_worked_example_pays_each_slice_at_its_own_rate():
    # Target 100,000; collected 120,000: 80,000 at 3%, 20,000 at 5%, 20,000 at 8%.
    assert plan_value(D(120_000), D(100_000), PLAN) == D(2400) + D(1000) + D(1600)
    assert period_commission(D(120_000), D(100_000), PLAN, 2) == D("5000.00")


def test_without_a_target_everything_earns_the_first_rate():
    assert period_commission(D(50_000), None, PLAN, 2) == D("1500.00")


def test_a_cap_holds_the_month():
    capped = Plan(PLAN.base, PLAN.tiers, cap=D(3000))
    assert period_commission(D(120_000), D(100_000), capped, 2) == D("3000.00")


def test_a_gate_not_met_pays_no_accelerator():
    # Above 100% earns the 80-100% slice's 5%, not 8%.
    value = period_commission(D(120_000), D(100_000), PLAN, 2, accelerated=False)
    assert value == D(2400) + D(1000) + D(1000)


@given(money, money, targets)
def test_commission_is_monotone_in_the_base(a, b, target):
    low, high = sorted((a, b))
    assert period_commission(low, target, PLAN, 2) <= period_commission(high, target, PLAN, 2)


@given(targets, st.sampled_from([D("0.8"), D(1)]))
def test_commission_is_continuous_at_tier_edges(target, edge):
    if target is None:
        return
    at = edge * target
    step = D("0.0001")
    below = plan_value(at - step, target, PLAN)
    above = plan_value(at + step, target, PLAN)
    assert abs(above - below) <= step * D("0.08") * 2


@given(st.lists(money, min_size=1, max_size=20), targets, st.randoms())
def test_receipt_lines_add_up_to_the_month_in_any_order(receipts, target, rnd):
    def lines(order):
        booked, out = D(0), []
        for amount in order:
            out.append(marginal_commission(booked, amount, target, PLAN, 2))
            booked += amount
        return out

    shuffled = list(receipts)
    rnd.shuffle(shuffled)
    expected = period_commission(sum(receipts, D(0)), target, PLAN, 2)
    assert sum(lines(receipts), D(0)) == expected
    assert sum(lines(shuffled), D(0)) == expected


@given(st.lists(money, min_size=1, max_size=10), targets)
def test_clawing_back_everything_returns_the_ledger_to_zero(receipts, target):
    booked, total = D(0), D(0)
    for amount in receipts:
        total += marginal_commission(booked, amount, target, PLAN, 2)
        booked += amount
    for amount in reversed(receipts):
        total += marginal_commission(booked, -amount, target, PLAN, 2)
        booked -= amount
    assert booked == 0
    assert total == 0


@given(money, st.lists(st.integers(min_value=1, max_value=99), min_size=1, max_size=5))
def test_splits_never_lose_a_cent(amount, raw):
    shares = [D(r) for r in raw]
    total = sum(shares)
    shares = [s * 100 / total for s in shares]
    assert sum(split_amount(amount, shares, 2)) == amount


def test_overlapping_gapped_and_closed_tiers_are_refused():
    overlap = (Tier(D(0), D("0.9"), D("0.03")), Tier(D("0.8"), None, D("0.05")))
    gap = (Tier(D(0), D("0.7"), D("0.03")), Tier(D("0.8"), None, D("0.05")))
    closed = (Tier(D(0), D(1), D("0.03")),)
    assert any("overlaps" in m for _, m in tier_errors(overlap))
    assert any("gap" in m for _, m in tier_errors(gap))
    assert any("open-ended" in m for _, m in tier_errors(closed))
    assert tier_errors(PLAN.tiers) == []


def test_splits_must_add_up_to_100():
    assert split_errors([("a", D(60)), ("b", D(40))]) == []
    assert split_errors([("a", D(60)), ("b", D(30))])
    assert split_errors([("a", D(50)), ("a", D(50))])


def test_product_rates_weigh_the_deal_mix():
    plan = Plan("collected", PLAN.tiers, product_rates=(("SVC-", D(2)),))
    assert product_factor([("SVC-1", D(100)), ("HW-1", D(100))], plan) == D("1.5")
    assert product_factor([], plan) == 1


def test_clawback_window():
    assert clawback_applies(30, 180)
    assert not clawback_applies(200, 180)
