"""What-if: what each rep would have earned under a proposed plan, before it is adopted."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from crm_shared.auth import Principal, Scope
from crm_shared.errors import Forbidden, ValidationFailed
from crm_shared.schemas import format_amount, minor_units

from . import plans, scoreboard, targeting
from .ledger import BASE_METRIC
from .rules.commission import period_commission
from .rules.performance import gate_met

MAX_PERIODS = 24


def simulate(session: Session, principal: Principal, data: dict[str, Any]) -> dict[str, Any]:
    """Each rep's base, target and commission per month under ``data['plan']``.

    The base is each rep's own collected (net of refunds) or won amount, at the
    plan's tiers against their target and its scorecard gate; credit splits
    and product multipliers of individual deals are not replayed.
    """
    if principal.scope is Scope.OWN:
        raise Forbidden("managers, finance and admins simulate plans")
    months = data["periods"]
    if len(months) > MAX_PERIODS:
        raise ValidationFailed(
            "too many periods",
            errors=[{"field": "periods", "message": f"at most {MAX_PERIODS} months"}],
        )
    plan_data = data["plan"]
    plans.validate(plan_data)
    rule = plans.to_rule(plan_data)
    card = plans.scorecard_of(plan_data)
    currency = plan_data["currency"]
    places = minor_units(currency)
    team: uuid.UUID | None = data.get("team_id")
    if principal.scope is Scope.TEAM:
        team = principal.team_id
    metric = BASE_METRIC[plan_data["base"]]
    reps: dict[uuid.UUID, dict[str, Any]] = {}
    grand = Decimal(0)
    for month in months:
        bases = scoreboard._per_owner(session, (month,), metric, currency, team)
        ratings = (
            scoreboard._per_owner(session, (month,), "avg_satisfaction", currency, team)
            if card
            else {}
        )
        for owner, base in bases.items():
            levels = targeting.effective_levels(session, "user", owner, month, metric)
            accelerated = gate_met(card, {"avg_satisfaction": ratings.get(owner)}) if card else True
            earned = period_commission(
                base, levels.target if levels else None, rule, places, accelerated=accelerated
            )
            entry = reps.setdefault(owner, {"owner_id": owner, "periods": [], "total": Decimal(0)})
            entry["periods"].append(
                {
                    "period": month,
                    "base": format_amount(base, currency),
                    "target": levels.target if levels else None,
                    "commission": format_amount(earned, currency),
                }
            )
            entry["total"] += earned
            grand += earned
    items = sorted(reps.values(), key=lambda r: (-r["total"], str(r["owner_id"])))
    for item in items:
        item["total"] = format_amount(item["total"], currency)
    return {"currency": currency, "items": items, "total": format_amount(grand, currency)}
