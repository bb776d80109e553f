"""Forecast, reliability and period rules."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from opportunities.rules.forecast import OpenDeal, forecast_figures
from opportunities.rules.periods import parse_period, previous_periods
from opportunities.rules.reliability import brier_score, reliability_table

amounts = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False)
deals = st.lists(
    st.builds(
        OpenDeal,
        amount=amounts,
        currency=st.sampled_from(["CNY", "EUR"]),
        category=st.sampled_from(["pipeline", "best_case", "commit", "omitted"]),
        stage_probability=st.integers(0, 100),
        calibrated=st.floats(0, 1),
    ),
    max_size=20,
)


@given(deals, amounts)
def test_figures_are_ordered_and_bounded(open_deals, closed):
    figures = forecast_figures(open_deals, {"CNY": closed})
    for currency, row in figures.items():
        assert (
            row["closed"]
            <= row["commit_rollup"]
            <= row["best_case_rollup"]
            <= row["pipeline_rollup"]
        )
        assert row["closed"] <= row["stage_weighted"] <= row["pipeline_rollup"] + Decimal("0.01")
        assert row["closed"] <= row["calibrated"] <= row["pipeline_rollup"] + Decimal("0.01")
        assert currency in ("CNY", "EUR")


@given(deals, st.integers(0, 19), amounts)
def test_forecast_is_monotone_in_amount(open_deals, index, extra):
    if not open_deals:
        return
    index %= len(open_deals)
    before = forecast_figures(open_deals, {})
    bigger = list(open_deals)
    deal = bigger[index]
    bigger[index] = OpenDeal(
        deal.amount + extra, deal.currency, deal.category, deal.stage_probability, deal.calibrated
    )
    after = forecast_figures(bigger, {})
    for key in ("stage_weighted", "calibrated", "pipeline_rollup"):
        assert after[deal.currency][key] >= before[deal.currency][key]


def test_currencies_are_never_summed_together():
    figures = forecast_figures(
        [
            OpenDeal(Decimal("100"), "CNY", "commit", 50, 0.5),
            OpenDeal(Decimal("7"), "EUR", "commit", 50, 0.5),
        ],
        {},
    )
    assert figures["CNY"]["commit"] == Decimal("100") and figures["EUR"]["commit"] == Decimal("7")


@given(st.lists(st.tuples(st.floats(0, 1), st.booleans()), max_size=50))
def test_brier_score_and_reliability_are_bounded(pairs):
    score = brier_score(pairs)
    assert score is None or 0 <= score <= 1
    table = reliability_table(pairs)
    assert sum(row["count"] for row in table) == len(pairs)
    for row in table:
        if row["count"]:
            assert 0 <= row["observed"] <= 1
            assert row["low"] <= row["predicted"] <= row["high"]


def test_a_perfect_forecast_scores_zero():
    assert brier_score([(1.0, True), (0.0, False)]) == 0


def test_periods():
    assert parse_period("2026-Q1") == (
        __import__("datetime").date(2026, 1, 1),
        __import__("datetime").date(2026, 4, 1),
    )
    assert parse_period("2026-12")[1].isoformat() == "2027-01-01"
    assert parse_period("2026-Q5") is None and parse_period("0000-01") is None
    assert previous_periods("2026-Q1", 2) == ["2025-Q3", "2025-Q4"]
    assert previous_periods("2026-01", 1) == ["2025-12"]
