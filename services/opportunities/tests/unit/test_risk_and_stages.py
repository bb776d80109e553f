"""Deal risk, stage requirements and line rules."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from opportunities.rules.lines import line_amount, plain
from opportunities.rules.risk import LEVELS, RiskFacts, assess
from opportunities.rules.stages import DealFacts, check_pipeline_shape, missing_requirements

NOW = datetime(2026, 12, 2, 12, tzinfo=UTC)


def facts(**overrides):
    base = {
        "last_activity_at": NOW,
        "stage_entered_at": NOW,
        "stale_after_days": 14,
        "median_won_days_in_stage": None,
        "close_date_pushes": 0,
        "expected_close_date": date(2027, 1, 31),
        "amount": Decimal("100"),
        "peak_amount": Decimal("100"),
        "has_decision_maker": True,
        "stage_probability": 50,
    }
    return RiskFacts(**{**base, **overrides})


def test_a_healthy_deal_is_low_risk():
    assert assess(facts(), NOW) == ("low", [])


def test_reasons_explain_a_high_risk():
    level, reasons = assess(
        facts(
            last_activity_at=NOW - timedelta(days=30),
            expected_close_date=date(2026, 11, 1),
            close_date_pushes=3,
            has_decision_maker=False,
        ),
        NOW,
    )
    assert level == "high"
    codes = [r["code"] for r in reasons]
    assert set(codes) == {
        "no_activity",
        "close_date_past",
        "close_date_pushed",
        "no_decision_maker",
    }
    assert codes[:2] in (["no_activity", "close_date_past"], ["close_date_past", "no_activity"])


def test_stuck_against_the_median_of_won_deals():
    level, reasons = assess(
        facts(stage_entered_at=NOW - timedelta(days=25), median_won_days_in_stage=10), NOW
    )
    assert level == "medium" and reasons[0]["code"] == "stuck_in_stage"


@given(
    st.integers(0, 400),
    st.integers(0, 400),
    st.none() | st.integers(1, 100),
    st.none() | st.floats(0, 100),
    st.integers(0, 10),
    st.decimals(0, 10**6, places=2),
    st.decimals(0, 10**6, places=2),
    st.booleans(),
)
def test_risk_is_a_level_with_a_reason_for_anything_above_low(
    idle, in_stage, stale, median, pushes, amount, peak, dm
):
    level, reasons = assess(
        facts(
            last_activity_at=NOW - timedelta(days=idle),
            stage_entered_at=NOW - timedelta(days=in_stage),
            stale_after_days=stale,
            median_won_days_in_stage=median,
            close_date_pushes=pushes,
            amount=amount,
            peak_amount=max(amount, peak),
            has_decision_maker=dm,
        ),
        NOW,
    )
    assert level in LEVELS
    assert (level == "low") == (reasons == [])
    # More idleness never lowers the risk.
    worse, _ = assess(
        facts(
            last_activity_at=NOW - timedelta(days=idle + 30),
            stage_entered_at=NOW - timedelta(days=in_stage),
            stale_after_days=stale,
            median_won_days_in_stage=median,
            close_date_pushes=pushes,
            amount=amount,
            peak_amount=max(amount, peak),
            has_decision_maker=dm,
        ),
        NOW,
    )
    assert LEVELS.index(worse) >= LEVELS.index(level)


def test_requirements_name_what_is_missing():
    deal = DealFacts(True, False, False, False, True)
    assert missing_requirements(["amount", "expected_close_date", "decision_maker"], deal) == [
        "expected_close_date",
        "decision_maker",
    ]


def test_pipeline_shape():
    assert check_pipeline_shape(["open", "won", "lost"]) is None
    assert check_pipeline_shape(["open", "won"]) is not None
    assert check_pipeline_shape(["won", "lost"]) is not None


def test_line_amounts():
    assert line_amount(Decimal(2), Decimal("5000.00"), Decimal(10), 2) == Decimal("9000.00")
    assert line_amount(Decimal(3), Decimal("333"), Decimal(0), 0) == Decimal("999")
    assert plain(Decimal("10.0000")) == "10" and plain(Decimal("0.50")) == "0.5"


@given(
    st.sampled_from([None, "high_value", "potential", "at_risk", "churned"]),
    st.integers(0, 400),
    st.integers(0, 10),
    st.booleans(),
)
def test_a_customer_at_risk_or_churned_is_a_reason_and_never_lowers_the_risk(
    tier, idle, pushes, dm
):
    base = {
        "last_activity_at": NOW - timedelta(days=idle),
        "close_date_pushes": pushes,
        "has_decision_maker": dm,
    }
    without, reasons_without = assess(facts(**base), NOW)
    level, reasons = assess(facts(**base, customer_tier=tier), NOW)
    codes = [r["code"] for r in reasons]
    assert ("customer_at_risk" in codes) == (tier == "at_risk")
    assert ("customer_churned" in codes) == (tier == "churned")
    if tier in ("at_risk", "churned"):
        assert LEVELS.index(level) >= max(1, LEVELS.index(without))
        assert level == "high" if tier == "churned" else True
    else:
        assert (level, reasons) == (without, reasons_without)
