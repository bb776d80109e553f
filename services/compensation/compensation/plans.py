"""Commission plans: kept as data, validated by the rules, found per rep's team and currency."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from crm_shared.errors import NotFound, ValidationFailed

from .models import CommissionPlan
from .rules.commission import Plan, Tier, tier_errors
from .rules.performance import Scorecard, scorecard_errors
from .rules.targets import METRICS

PERCENT = Decimal(100)


def _tier_lower(tier: dict[str, Any]) -> Any:
    # The API names it "from" (a keyword in Python, so the schema loads it as "from_").
    return tier["from"] if "from" in tier else tier["from_"]


def to_rule(plan: CommissionPlan | dict[str, Any]) -> Plan:
    """The rules' view of a stored (or proposed) plan; rates are stored as percent."""
    data = plan if isinstance(plan, dict) else plan_fields(plan)
    tiers = tuple(
        Tier(
            Decimal(str(_tier_lower(t))) / PERCENT,
            None if t.get("to") is None else Decimal(str(t["to"])) / PERCENT,
            Decimal(str(t["rate"])) / PERCENT,
        )
        for t in data["tiers"]
    )
    rates = tuple(
        (str(r["sku_prefix"]), Decimal(str(r["multiplier"])))
        for r in data.get("product_rates") or []
    )
    cap = data.get("cap")
    return Plan(data["base"], tiers, Decimal(str(cap)) if cap is not None else None, rates)


def scorecard_of(plan: CommissionPlan | dict[str, Any]) -> Scorecard | None:
    """The plan's scorecard, if it has one."""
    card = plan.get("scorecard") if isinstance(plan, dict) else plan.scorecard
    if not card:
        return None
    gate = card.get("gate") or {}
    return Scorecard(
        weights={k: Decimal(str(v)) for k, v in card.get("weights", {}).items()},
        cap=Decimal(str(card.get("cap", "1.5"))),
        gate_metric=gate.get("metric"),
        gate_minimum=Decimal(str(gate["minimum"])) if gate.get("minimum") is not None else None,
    )


def plan_fields(plan: CommissionPlan) -> dict[str, Any]:
    """A stored plan as the API and the rules read it."""
    return {
        "id": plan.id,
        "name": plan.name,
        "team_id": plan.team_id,
        "currency": plan.currency,
        "base": plan.base,
        "tiers": plan.tiers,
        "cap": plan.cap,
        "product_rates": plan.product_rates or [],
        "clawback_window_days": plan.clawback_window_days,
        "scorecard": plan.scorecard,
        "active": plan.active,
        "created_at": plan.created_at,
    }


def validate(data: dict[str, Any]) -> None:
    """Refuse a plan whose tiers overlap or leave gaps, or whose scorecard does not add up."""
    errors = [
        {"field": field, "message": message} for field, message in tier_errors(to_rule(data).tiers)
    ]
    for i, rate in enumerate(data.get("product_rates") or []):
        if not 0 <= Decimal(str(rate["multiplier"])) <= 10:
            errors.append({"field": f"product_rates.{i}.multiplier", "message": "must be 0 to 10"})
    if data.get("cap") is not None and Decimal(str(data["cap"])) < 0:
        errors.append({"field": "cap", "message": "must not be negative"})
    card = scorecard_of(data)
    if card is not None:
        errors += [
            {"field": f"scorecard.{field}", "message": message}
            for field, message in scorecard_errors(card, METRICS)
        ]
    if errors:
        raise ValidationFailed("the plan is not valid", errors=errors)


def _stored(data: dict[str, Any]) -> dict[str, Any]:
    # JSON columns hold decimals as strings, never floats.
    out = dict(data)
    out["tiers"] = [
        {
            "from": str(_tier_lower(tier)),
            "to": None if tier.get("to") is None else str(tier["to"]),
            "rate": str(tier["rate"]),
        }
        for tier in data["tiers"]
    ]
    out["product_rates"] = [
        {"sku_prefix": r["sku_prefix"], "multiplier": str(r["multiplier"])}
        for r in data.get("product_rates") or []
    ]
    if data.get("scorecard"):
        card = data["scorecard"]
        out["scorecard"] = {
            "weights": {k: str(v) for k, v in card.get("weights", {}).items()},
            "cap": str(card.get("cap", "1.5")),
            "gate": {k: str(v) for k, v in (card.get("gate") or {}).items()} or None,
        }
    return out


def create(session: Session, data: dict[str, Any]) -> CommissionPlan:
    """Adopt a plan (admins)."""
    validate(data)
    plan = CommissionPlan(**_stored(data))
    session.add(plan)
    session.flush()
    return plan


def get(session: Session, plan_id: uuid.UUID) -> CommissionPlan:
    """One plan, or 404."""
    plan = session.get(CommissionPlan, plan_id)
    if plan is None:
        raise NotFound("no such commission plan")
    return plan


def listing(session: Session) -> list[CommissionPlan]:
    """Every plan, newest first."""
    return list(session.scalars(select(CommissionPlan).order_by(CommissionPlan.created_at.desc())))


def deactivate(session: Session, plan_id: uuid.UUID) -> CommissionPlan:
    """Retire a plan; its ledger lines stay as they are."""
    plan = get(session, plan_id)
    plan.active = False
    return plan


def active_plans(session: Session) -> list[CommissionPlan]:
    """Every active plan, newest first."""
    return list(
        session.scalars(
            select(CommissionPlan)
            .where(CommissionPlan.active.is_(True))
            .order_by(CommissionPlan.created_at.desc())
        )
    )


def choose(
    candidates: list[CommissionPlan], team_id: uuid.UUID | None, currency: str
) -> CommissionPlan | None:
    """Among active plans (newest first): the team's own in the currency, else the company's."""
    in_currency = [p for p in candidates if p.currency == currency]
    for plan in in_currency:
        if plan.team_id is not None and plan.team_id == team_id:
            return plan
    return next((p for p in in_currency if p.team_id is None), None)


def plan_for(session: Session, team_id: uuid.UUID | None, currency: str) -> CommissionPlan | None:
    """The plan paying a rep of ``team_id`` in ``currency``: the team's own, else the company's."""
    candidates = session.scalars(
        select(CommissionPlan)
        .where(
            CommissionPlan.active.is_(True),
            CommissionPlan.currency == currency,
            or_(CommissionPlan.team_id.is_(None), CommissionPlan.team_id == team_id),
        )
        .order_by(CommissionPlan.created_at.desc())
    ).all()
    for plan in candidates:
        if plan.team_id is not None and plan.team_id == team_id:
            return plan
    return next((p for p in candidates if p.team_id is None), None)
