"""The rounding rule of document totals: exact to the minor unit, never losing a cent."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from orders.rules.totals import LineIn, allocate, compute, quantum

money = st.decimals(min_value=0, max_value=Decimal("99999.99"), places=2)
qty = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal(1000), places=4)
pct = st.decimals(min_value=0, max_value=100, places=2)
lines = st.lists(
    st.builds(
        LineIn, qty, money, pct, st.sampled_from([Decimal(0), Decimal(6), Decimal(9), Decimal(13)])
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(lines, pct, st.sampled_from([0, 2, 3]))
def test_totals_never_lose_a_cent(items, document_discount, minor):
    totals = compute(items, document_discount, minor)
    unit = quantum(minor)
    for amount in (totals.subtotal, totals.discount_amount, totals.tax_amount, totals.total):
        assert amount == amount.quantize(unit)
    assert sum(t.document_discount for t in totals.lines) == totals.discount_amount
    assert sum(t.net for t in totals.lines) == totals.subtotal
    assert sum(t.tax for t in totals.lines) == totals.tax_amount
    assert sum(t.total for t in totals.lines) == totals.total
    assert totals.total == totals.subtotal - totals.discount_amount + totals.tax_amount
    assert 0 <= totals.discount_amount <= totals.subtotal


@settings(max_examples=300, deadline=None)
@given(money, st.lists(money, min_size=1, max_size=20))
def test_allocation_adds_up_exactly_and_is_fair_to_a_unit(total, weights):
    parts = allocate(total, weights, 2)
    assert sum(parts) == total
    whole = sum(weights)
    if whole:
        for part, weight in zip(parts, weights, strict=True):
            assert abs(part - total * weight / whole) < Decimal("0.01")


def test_the_rule_written_down_half_up_then_largest_remainder():
    # 3 x 33.335 = 100.005 → 100.01 (half up); 10% of 100.01 = 10.001 → 10.00
    totals = compute(
        [LineIn(Decimal(3), Decimal("33.335"), Decimal(0), Decimal(13))], Decimal(10), 2
    )
    assert totals.subtotal == Decimal("100.01")
    assert totals.discount_amount == Decimal("10.00")
    assert totals.tax_amount == Decimal("11.70")  # 90.01 x 13% = 11.7013
    assert totals.total == Decimal("101.71")
    assert allocate(Decimal("0.10"), [Decimal(1)] * 3, 2) == [
        Decimal("0.04"),
        Decimal("0.03"),
        Decimal("0.03"),
    ]
    yen = compute([LineIn(Decimal(1), Decimal(999), Decimal("33.3"), Decimal(10))], Decimal(0), 0)
    assert yen.subtotal == Decimal(666) and yen.tax_amount == Decimal(67)
