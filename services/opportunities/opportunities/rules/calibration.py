"""Calibration: each rep's own win rate per stage and close-date slip, shrunk toward the team.

The estimate is hierarchical. A stage's default probability is the prior of
the team's rate; the team's rate is the prior of each rep's. With ``k``
pseudo-deals of prior strength, a Beta(k·p, k·(1-p)) prior updated with
``won`` of ``entered`` gives the posterior mean ``(won + k·p) / (entered + k)``:
a rep with no history gets the team's rate, a rep with much history their own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

PRIOR_STRENGTH = 10.0  # pseudo-deals: how much history outweighs the prior
SLIP_PRIOR_STRENGTH = 10.0
DEFAULT_SLIP_RATE = 0.3  # before any history: three deals in ten close late
DEFAULT_SLIP_DAYS = 30.0


def shrunk_rate(won: int, entered: int, prior: float, strength: float = PRIOR_STRENGTH) -> float:
    """The posterior mean win rate of ``won`` out of ``entered`` under a Beta prior at ``prior``."""
    if entered < 0 or won < 0 or won > entered:
        raise ValueError("need 0 <= won <= entered")
    prior = min(1.0, max(0.0, prior))
    return (won + strength * prior) / (entered + strength)


def stage_win_rate(
    stage_probability: int,
    team: tuple[int, int] | None,
    rep: tuple[int, int] | None,
) -> float:
    """A rep's chance of winning a deal now in a stage: rep → team → stage default.

    ``team`` and ``rep`` are ``(won, entered)`` counts of closed deals that
    passed through the stage (None: no history).
    """
    rate = stage_probability / 100
    if team is not None:
        rate = shrunk_rate(team[0], team[1], rate)
    if rep is not None:
        rate = shrunk_rate(rep[0], rep[1], rate)
    return rate


@dataclass(frozen=True)
class SlipModel:
    """How often a rep's deals close after the date given, and how late on average."""

    rate: float
    mean_days: float


def slip_model(
    rep: tuple[int, int, int] | None,
    team: tuple[int, int, int] | None,
) -> SlipModel:
    """The slip model of a rep from ``(closed, slipped, slip days)``, shrunk toward the team."""
    rate, days = DEFAULT_SLIP_RATE, DEFAULT_SLIP_DAYS
    for counts in (team, rep):
        if counts is None:
            continue
        closed, slipped, slip_days = counts
        if closed <= 0:
            continue
        rate = shrunk_rate(min(slipped, closed), closed, rate, SLIP_PRIOR_STRENGTH)
        # Mean slip of the late ones, shrunk the same way (in pseudo-slips).
        days = (slip_days + SLIP_PRIOR_STRENGTH * days) / (max(slipped, 0) + SLIP_PRIOR_STRENGTH)
    return SlipModel(rate=rate, mean_days=max(days, 1.0))


def chance_within_period(
    expected_close: date | None, period_start: date, period_end: date, slip: SlipModel
) -> float:
    """The chance a deal expected to close on ``expected_close`` closes before ``period_end``.

    A deal not slipping closes on its date; a slipping one closes an
    exponentially distributed number of days later (mean ``slip.mean_days``).
    A deal expected after the period is taken not to close in it; one with
    no date, or a date already past, is treated as expected at the period's
    start (its date will be pushed).
    """
    day = expected_close or period_start
    if day >= period_end:
        return 0.0
    day = max(day, period_start)
    room = (period_end - day).days
    return (1 - slip.rate) + slip.rate * (1 - math.exp(-room / slip.mean_days))
