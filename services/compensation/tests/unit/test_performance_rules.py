"""Unit tests of the performance rules (no I/O)."""

from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from compensation.rules.performance import COLLECTED, SATISFACTION, WON, Fact, summarize
from compensation.rules.periods import month_of as period_of

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000000"), places=2)
facts = st.one_of(
    st.builds(Fact, kind=st.just(WON), amount=amounts, currency=st.sampled_from(["USD", "EUR"])),
    st.builds(
        Fact, kind=st.just(COLLECTED), amount=amounts, currency=st.sampled_from(["USD", "EUR"])
    ),
    st.builds(Fact, kind=st.just(SATISFACTION), satisfaction=st.integers(min_value=1, max_value=5)),
)


@given(st.lists(facts))
def test_amounts_add_up_per_currency_and_never_across(items):
    summary = summarize(items)
    for currency, totals in summary.by_currency.items():
        assert totals.won == sum(
            (f.amount for f in items if f.kind == WON and f.currency == currency), Decimal(0)
        )
        assert totals.collected == sum(
            (f.amount for f in items if f.kind == COLLECTED and f.currency == currency), Decimal(0)
        )
    assert summary.deals_won == sum(1 for f in items if f.kind == WON)


@given(st.lists(facts))
def test_order_does_not_matter(items):
    assert summarize(items) == summarize(list(reversed(items)))


@given(st.lists(st.integers(min_value=1, max_value=5), min_size=1))
def test_average_satisfaction_stays_within_the_scale(ratings):
    summary = summarize(Fact(SATISFACTION, satisfaction=r) for r in ratings)
    assert Decimal(1) <= summary.avg_satisfaction <= Decimal(5)
    assert summary.rated_tickets == len(ratings)


def test_no_ratings_means_no_average():
    assert summarize([Fact(WON, Decimal("5"), "USD")]).avg_satisfaction is None


def test_average_rounds_half_up():
    assert summarize(
        Fact(SATISFACTION, satisfaction=r) for r in (4, 5, 5)
    ).avg_satisfaction == Decimal("4.67")


def test_period_is_the_utc_month():
    assert period_of(datetime(2026, 1, 31, 23, 59, tzinfo=UTC)) == "2026-01"


def test_headline_currency():
    summary = summarize([Fact(WON, Decimal("1"), "EUR")])
    assert summary.currency_for(None, "USD") == "EUR"
    assert summary.currency_for("GBP", "USD") == "GBP"
    mixed = summarize([Fact(WON, Decimal("1"), "EUR"), Fact(WON, Decimal("1"), "JPY")])
    assert mixed.currency_for(None, "USD") == "USD"
