"""Scoring: the rules a lead is scored by, its score and reasons, and the learned model.

The arithmetic is in :mod:`leads.rules.scoring` (rule points, decay, the
blend with the model) and :mod:`leads.rules.qualification_model` (the
model); this module loads what they need and stores what they give.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from crm_shared.db import utcnow
from crm_shared.errors import NotFound, ValidationFailed

from .configuration import MODEL, SCORING_SEEDED
from .models import Lead, LeadActivity, ScoringRule
from .rules import scoring
from .rules.lifecycle import BEHAVIOURS, OPEN_STATUSES
from .rules.qualification_model import Model, features, train

ATTRIBUTES = (*scoring.ATTRIBUTE_FIELDS,)

Rules = tuple[list[scoring.AttributeRule], list[scoring.BehaviourRule]]


def load_rules(session: Session) -> Rules:
    """The active scoring rules as the scoring function takes them."""
    attributes, behaviours = [], []
    for rule in session.scalars(select(ScoringRule).where(ScoringRule.active.is_(True))):
        if rule.kind == "attribute":
            attributes.append(
                scoring.AttributeRule(
                    str(rule.id),
                    rule.name,
                    rule.field or "",
                    rule.operator or "",
                    rule.value,
                    rule.points,
                )
            )
        else:
            behaviours.append(
                scoring.BehaviourRule(
                    str(rule.id),
                    rule.name,
                    rule.activity_kind or "",
                    rule.points,
                    rule.half_life_days or 30.0,
                    rule.cap or 100,
                )
            )
    return attributes, behaviours


def seed_scoring_rules(session: Session) -> None:
    """Give a fresh install sensible rules (once; an admin may then change them)."""
    if SCORING_SEEDED.get(session):
        return
    for name, attr, operator, value, points in scoring.DEFAULT_ATTRIBUTE_RULES:
        session.add(
            ScoringRule(
                name=name,
                kind="attribute",
                field=attr,
                operator=operator,
                value=value,
                points=points,
                active=True,
                created_at=utcnow(),
            )
        )
    for name, kind, points, half_life, cap in scoring.DEFAULT_BEHAVIOUR_RULES:
        session.add(
            ScoringRule(
                name=name,
                kind="behaviour",
                activity_kind=kind,
                points=points,
                half_life_days=half_life,
                cap=cap,
                active=True,
                created_at=utcnow(),
            )
        )
    SCORING_SEEDED.set(session, True)


def lead_attributes(lead: Lead) -> dict[str, Any]:
    """The attributes rules and the model look at."""
    return {name: getattr(lead, name) for name in ATTRIBUTES}


def behaviour_of(session: Session, lead_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list]:
    """(kind, time) of each lead's behaviour; a form capture counts as a form submit."""
    found: dict[uuid.UUID, list[tuple[str, datetime]]] = {i: [] for i in lead_ids}
    if not lead_ids:
        return found
    rows = session.execute(
        select(
            LeadActivity.lead_id,
            LeadActivity.kind,
            LeadActivity.occurred_at,
            LeadActivity.details,
        ).where(
            LeadActivity.lead_id.in_(lead_ids),
            LeadActivity.kind.in_([*BEHAVIOURS, "captured", "touch"]),
        )
    )
    for lead_id, kind, when, details in rows:
        if kind in ("captured", "touch"):
            if not (details or {}).get("form"):
                continue
            kind = "form_submit"
        found[lead_id].append((kind, when))
    return found


def current_model(session: Session) -> Model | None:
    """The learned model, when one was trained and it is switched on."""
    stored = MODEL.get(session)
    return Model.from_dict(stored) if stored else None


def rescore(
    lead: Lead,
    activities: Iterable[tuple[str, datetime]],
    rules: Rules,
    now: datetime,
    model: Model | None = None,
    model_weight: float = 0.0,
) -> None:
    """Recompute a lead's score and reasons (the arithmetic: :mod:`leads.rules.scoring`)."""
    activities = list(activities)
    attributes = lead_attributes(lead)
    result = scoring.score_lead(attributes, activities, rules[0], rules[1], now)
    if model is not None and model_weight > 0:
        counts: dict[str, int] = {}
        for kind, _ in activities:
            counts[kind] = counts.get(kind, 0) + 1
        probability = model.probability(features(attributes, counts))
        result = scoring.with_model(result, probability, model_weight)
    value = result.value
    reasons = [
        {"rule_id": r.rule_id, "rule": r.rule, "points": r.points, "detail": r.detail}
        for r in result.reasons
    ]
    lead.score = value
    lead.score_reasons = reasons
    lead.scored_at = now


# ---------------------------------------------------------------- rules and model


def list_scoring_rules(session: Session) -> list[ScoringRule]:
    """Every scoring rule, oldest first."""
    return list(session.scalars(select(ScoringRule).order_by(ScoringRule.created_at)))


def create_scoring_rule(session: Session, data: dict[str, Any]) -> ScoringRule:
    """A new rule; every open lead is rescored by the worker."""
    rule = ScoringRule(id=uuid.uuid4(), created_at=utcnow(), **data)
    session.add(rule)
    _rescore_open(session)
    return rule


def replace_scoring_rule(session: Session, rule_id: uuid.UUID, data: dict[str, Any]) -> ScoringRule:
    """Change a rule; open leads are rescored."""
    rule = session.get(ScoringRule, rule_id)
    if rule is None:
        raise NotFound("no such scoring rule")
    for key, value in data.items():
        setattr(rule, key, value)
    _rescore_open(session)
    return rule


def delete_scoring_rule(session: Session, rule_id: uuid.UUID) -> None:
    """Remove a rule; open leads are rescored."""
    rule = session.get(ScoringRule, rule_id)
    if rule is None:
        raise NotFound("no such scoring rule")
    session.delete(rule)
    _rescore_open(session)


def _rescore_open(session: Session) -> None:
    session.execute(
        update(Lead)
        .where(Lead.status.in_(OPEN_STATUSES), Lead.merged_into_id.is_(None))
        .values(needs_processing=True)
        .execution_options(synchronize_session=False)
    )


def model_view(session: Session) -> dict[str, Any]:
    """The learned model's figures (optional feature)."""
    model = current_model(session)
    if model is None:
        return {
            "trained": False,
            "accuracy": None,
            "baseline_accuracy": None,
            "trained_on": 0,
            "tested_on": 0,
            "top_features": [],
        }
    top = sorted(model.weights.items(), key=lambda kv: -abs(kv[1]))[:10]
    return {
        "trained": True,
        "accuracy": model.accuracy,
        "baseline_accuracy": model.baseline_accuracy,
        "trained_on": model.trained_on,
        "tested_on": model.tested_on,
        "top_features": [{"feature": k, "weight": round(v, 3)} for k, v in top],
    }


def train_model(session: Session) -> dict[str, Any]:
    """Learn from closed leads (qualified vs disqualified); needs at least 20."""
    leads = session.scalars(
        select(Lead).where(
            Lead.status.in_(("qualified", "disqualified")), Lead.merged_into_id.is_(None)
        )
    ).all()
    if len(leads) < 20:
        raise ValidationFailed.field(
            "leads", f"needs at least 20 qualified or disqualified leads; there are {len(leads)}"
        )
    behaviour = behaviour_of(session, [lead.id for lead in leads])
    examples = []
    for lead in leads:
        counts: dict[str, int] = {}
        for kind, _ in behaviour[lead.id]:
            counts[kind] = counts.get(kind, 0) + 1
        examples.append(
            (
                str(lead.id),
                features(lead_attributes(lead), counts),
                lead.status == "qualified",
            )
        )
    model = train(examples)
    MODEL.set(session, model.to_dict())
    return model_view(session)
