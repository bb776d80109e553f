"""Synthetic pipeline history: reps who differ in how often they win and how late they close.

Used by the bench (100,000 deals, 1,000,000 history rows), the backtest
figures in ``docs/opportunities.md`` and tests. Each rep has their own true
chance of moving a deal on from each stage and their own habit of pushing
close dates, so a model that learns per rep has something real to find and
the stage defaults are knowingly wrong for some reps.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

OPEN_STAGES = ("qualification", "needs_analysis", "proposal", "negotiation")


@dataclass(frozen=True)
class Rep:
    """A synthetic rep: team, skill (scales the chance to advance), slip habit."""

    id: uuid.UUID
    team_id: uuid.UUID
    skill: float
    slip_rate: float
    slip_days: float


def reps(rng: random.Random, count: int, teams: int) -> list[Rep]:
    """``count`` reps spread over ``teams`` teams."""
    team_ids = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(teams)]
    return [
        Rep(
            id=uuid.UUID(int=rng.getrandbits(128)),
            team_id=team_ids[i % teams],
            skill=rng.uniform(0.6, 1.25),
            slip_rate=rng.uniform(0.1, 0.7),
            slip_days=rng.uniform(7, 60),
        )
        for i in range(count)
    ]


def _advance(stage: int, skill: float) -> float:
    base = (0.55, 0.6, 0.65, 0.75)[stage]
    return min(0.97, base * skill)


def generate(
    rng: random.Random,
    stage_ids: dict[str, uuid.UUID],
    probabilities: dict[uuid.UUID, int],
    pipeline_id: uuid.UUID,
    team: list[Rep],
    deals: int,
    start: datetime,
    now: datetime,
    customers: int = 5000,
    bounces: int = 0,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Deals, stage-history rows and field-history rows created between ``start`` and ``now``."""
    customer_ids = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(customers)]
    span = (now - start).total_seconds()
    out_deals: list[dict[str, Any]] = []
    out_stages: list[dict[str, Any]] = []
    out_fields: list[dict[str, Any]] = []
    for _ in range(deals):
        rep = rng.choice(team)
        deal_id = uuid.UUID(int=rng.getrandbits(128))
        created = start + timedelta(seconds=rng.uniform(0, span))
        promised = (created + timedelta(days=rng.uniform(30, 120))).date()
        amount = Decimal(int(rng.lognormvariate(10, 1))).quantize(Decimal("1.00"))
        moment, stage, status = created, 0, "open"
        previous: uuid.UUID | None = None
        closed_at = None
        while True:
            stays = rng.expovariate(1 / 12)
            left = moment + timedelta(days=stays)
            out_stages.append(
                {
                    "id": uuid.UUID(int=rng.getrandbits(128)),
                    "opportunity_id": deal_id,
                    "pipeline_id": pipeline_id,
                    "from_stage_id": previous,
                    "to_stage_id": stage_ids[OPEN_STAGES[stage]],
                    "changed_by": rep.id,
                    "entered_at": moment,
                    "left_at": left if left < now else None,
                }
            )
            previous = stage_ids[OPEN_STAGES[stage]]
            if left >= now:
                break
            moment = left
            # Deals go back a stage and forward again (up to ``bounces`` times).
            for _ in range(rng.randint(0, bounces) if stage else 0):
                back = moment + timedelta(days=rng.uniform(0.1, 2))
                forth = back + timedelta(days=rng.uniform(0.1, 2))
                if forth >= now:
                    break
                for came, to, at, until in (
                    (OPEN_STAGES[stage], OPEN_STAGES[stage - 1], moment, back),
                    (OPEN_STAGES[stage - 1], OPEN_STAGES[stage], back, forth),
                ):
                    out_stages.append(
                        {
                            "id": uuid.UUID(int=rng.getrandbits(128)),
                            "opportunity_id": deal_id,
                            "pipeline_id": pipeline_id,
                            "from_stage_id": stage_ids[came],
                            "to_stage_id": stage_ids[to],
                            "changed_by": rep.id,
                            "entered_at": at,
                            "left_at": until,
                        }
                    )
                moment = forth
            if rng.random() >= _advance(stage, rep.skill):
                status = "lost"
            elif stage == len(OPEN_STAGES) - 1:
                status = "won"
            else:
                stage += 1
                continue
            closed_at = moment
            out_stages.append(
                {
                    "id": uuid.UUID(int=rng.getrandbits(128)),
                    "opportunity_id": deal_id,
                    "pipeline_id": pipeline_id,
                    "from_stage_id": previous,
                    "to_stage_id": stage_ids[status],
                    "changed_by": rep.id,
                    "entered_at": moment,
                    "left_at": None,
                }
            )
            break
        # A rep who slips pushes the date once or more before the deal closes.
        close = promised
        pushes = 0
        end = closed_at or now
        while close < end.date() and rng.random() < rep.slip_rate + 0.2:
            new_close = close + timedelta(days=max(1, int(rng.expovariate(1 / rep.slip_days))))
            at = datetime.combine(close, datetime.min.time(), tzinfo=start.tzinfo)
            if at >= end:
                break
            out_fields.append(
                {
                    "id": uuid.UUID(int=rng.getrandbits(128)),
                    "opportunity_id": deal_id,
                    "field": "expected_close_date",
                    "from_value": close.isoformat(),
                    "to_value": new_close.isoformat(),
                    "changed_by": rep.id,
                    "changed_at": at,
                }
            )
            close, pushes = new_close, pushes + 1
        current = previous
        assert current is not None
        out_deals.append(
            {
                "id": deal_id,
                "customer_id": rng.choice(customer_ids),
                "lead_id": None,
                "campaign_id": None,
                "name": f"Deal {deal_id.hex[:8]}",
                "amount": amount,
                "currency": "CNY" if rng.random() < 0.8 else "USD",
                "pipeline_id": pipeline_id,
                "stage_id": current,
                "status": status,
                "expected_close_date": close,
                "first_close_date": promised,
                "next_step": None,
                "probability_override": None,
                "probability": probabilities.get(current, 0),
                "forecast_category_override": None,
                "owner_id": rep.id,
                "team_id": rep.team_id,
                "created_at": created,
                "updated_at": closed_at or created,
                "stage_entered_at": out_stages[-1]["entered_at"],
                "last_activity_at": closed_at or out_stages[-1]["entered_at"],
                "closed_at": closed_at,
                "lost_reason": None,
                "competitor": None,
                "close_date_pushes": pushes,
                "quote_accepted_at": None,
                "peak_amount": amount,
                "risk_level": "low",
                "risk_reasons": [],
                "version": 1,
            }
        )
    return out_deals, out_stages, out_fields
