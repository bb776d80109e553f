"""Unit tests of periods, targets, the scorecard and rankings (no I/O)."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compensation.rules.performance import Scorecard, gate_met, scorecard_errors, weighted_score
from compensation.rules.periods import landing_month, next_month, parse_period
from compensation.rules.ranking import rank
from compensation.rules.targets import METRICS, Levels, allocation_gap, level_errors, may_declare

D = Decimal


def test_quarters_and_years_roll_up_from_months():
    assert parse_period("2026-Q1").months == ("2026-01", "2026-02", "2026-03")
    assert len(parse_period("2026").months) == 12
    assert parse_period("2026-07").months == ("2026-07",)
    for bad in ("2026-13", "2026-Q5", "26-01", ""):
        with pytest.raises(ValueError):
            parse_period(bad)


def test_a_late_fact_lands_in_its_month_while_open_else_in_the_current_one():
    assert landing_month("2026-03", frozenset(), "2026-05") == "2026-03"
    assert landing_month("2026-03", frozenset({"2026-03"}), "2026-05") == "2026-05"
    closed = frozenset({"2026-03", "2026-04", "2026-05"})
    assert landing_month("2026-03", closed, "2026-05") == "2026-06"
    assert next_month("2026-12") == "2027-01"


def test_levels_must_be_in_order():
    assert level_errors(Levels(D(100), D(120), D(150))) == []
    assert level_errors(Levels(D(100), D(90)))[0][0] == "stretch"
    assert level_errors(Levels(D(-1)))[0][0] == "target"


def test_the_gap_between_team_and_members_is_shown():
    assert allocation_gap(D(1000), [D(300), D(500)]) == D(200)
    assert allocation_gap(D(1000), [D(600), D(500)]) == D(-100)
    assert allocation_gap(None, [D(1)]) is None


def test_nobody_declares_for_someone_else():
    assert may_declare("a", "a") and not may_declare("a", "b")


def test_scorecard_weights_and_gate():
    card = Scorecard(
        {"collected_amount": D(50), "won_amount": D(30), "avg_satisfaction": D(20)},
        gate_metric="avg_satisfaction",
        gate_minimum=D("3.5"),
    )
    assert scorecard_errors(card, METRICS) == []
    assert weighted_score(
        card, {"collected_amount": D(1), "won_amount": D("0.5"), "avg_satisfaction": D(2)}
    ) == D("95.00")  # 50 + 15 + 20 * 1.5 (capped)
    assert not gate_met(card, {"avg_satisfaction": D("3.4")})
    assert gate_met(card, {"avg_satisfaction": D("3.5")})
    assert scorecard_errors(Scorecard({"won_amount": D(90)}), METRICS)


@given(st.lists(st.decimals(min_value=0, max_value=1000, places=0), max_size=30))
def test_rankings_are_ordered_with_ties_and_gaps(values):
    standings = rank([(i, v) for i, v in enumerate(values)])
    assert [s.value for s in standings] == sorted(values, reverse=True)
    for s in standings:
        higher = [v for v in values if v > s.value]
        assert s.rank == len(higher) + 1
        assert s.gap_to_next == (min(higher) - s.value if higher else None)
