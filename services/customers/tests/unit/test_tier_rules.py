"""Unit tests of the tier rules: recency, frequency, monetary value and tickets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from customers.rules.tiers import (
    AT_RISK,
    CHURNED,
    HIGH_VALUE,
    POTENTIAL,
    Money,
    Thresholds,
    Ticket,
    classify,
)

NOW = datetime(2026, 6, 1, tzinfo=UTC)
T = Thresholds(currency="USD", high_value_monetary=Decimal("10000"), high_value_frequency=2)


def usd(days_ago: int, amount: str) -> Money:
    return Money(NOW - timedelta(days=days_ago), Decimal(amount), "USD")


def test_a_customer_without_deals_is_potential_and_says_why():
    result = classify([], [], [], T, NOW)
    assert result.tier == POTENTIAL
    assert result.reasons == ["no deal won or payment received yet"]
    assert result.figures["recency_days"] is None


def test_recent_frequent_valuable_customers_are_high_value():
    result = classify([usd(10, "8000")], [usd(5, "4000"), usd(3, "8000")], [], T, NOW)
    assert result.tier == HIGH_VALUE
    assert result.figures["monetary"] == Decimal("12000")  # the larger of won and paid
    assert result.figures["frequency"] == 3
    assert any("high value from 10000" in r for r in result.reasons)


def test_long_silence_is_at_risk_then_churned():
    assert classify([usd(200, "50000")], [], [], T, NOW).tier == AT_RISK
    churned = classify([usd(400, "50000")], [], [], T, NOW)
    assert churned.tier == CHURNED
    assert "400 days" in churned.reasons[0]


def test_poor_satisfaction_puts_a_valuable_customer_at_risk():
    tickets = [Ticket(NOW - timedelta(days=9), NOW - timedelta(days=8), s) for s in (1, 2)]
    result = classify([usd(10, "8000"), usd(5, "8000")], [], tickets, T, NOW)
    assert result.tier == AT_RISK
    assert result.figures["average_satisfaction"] == 1.5
    assert "average satisfaction 1.5" in result.reasons[0]


def test_other_currencies_are_reported_not_counted():
    eur = Money(NOW - timedelta(days=1), Decimal("99999"), "EUR")
    result = classify([eur, usd(2, "1")], [], [], T, NOW)
    assert result.tier == POTENTIAL
    assert result.figures["amounts_in_other_currencies"] == 1


def test_thresholds_round_trip():
    assert Thresholds.from_dict(T.to_dict()) == T


amounts = st.decimals(min_value=1, max_value=10**6, places=2)


@given(
    deals=st.lists(st.tuples(st.integers(0, 900), amounts), max_size=5),
    payments=st.lists(st.tuples(st.integers(0, 900), amounts), max_size=5),
    ratings=st.lists(st.integers(1, 5), max_size=5),
)
def test_every_customer_gets_exactly_one_explained_tier(deals, payments, ratings):
    tickets = [Ticket(NOW - timedelta(days=3), NOW - timedelta(days=2), r) for r in ratings]
    result = classify(
        [usd(d, str(a)) for d, a in deals], [usd(d, str(a)) for d, a in payments], tickets, T, NOW
    )
    assert result.tier in (HIGH_VALUE, POTENTIAL, AT_RISK, CHURNED)
    assert result.reasons
    recency = result.figures["recency_days"]
    if recency is not None and recency > T.churned_recency_days:
        assert result.tier == CHURNED
    if result.tier == HIGH_VALUE:
        assert result.figures["monetary"] >= T.high_value_monetary
        assert recency is not None and recency <= T.high_value_recency_days
