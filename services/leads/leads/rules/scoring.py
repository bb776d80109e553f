"""Lead scoring: a 0-100 score from configurable rules, with the reasons.

Attribute rules give points for what a lead *is* (industry, company size,
region, title, source…); behaviour rules give points for what it *does*
(form submits, email opens, visits, calls), each event worth less as it
ages (exponential decay with a half-life), capped per rule. Behaviour
points are never negative, so time passing never raises a score. Plain
Python: no Flask, SQL or bus.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

ATTRIBUTE_FIELDS = (
    "industry",
    "company_size",
    "region",
    "country",
    "state",
    "city",
    "title",
    "source",
    "channel",
    "product_interest",
    "email",
    "phone",
    "company",
)
OPERATORS = ("equals", "in", "contains", "gte", "lte", "exists")


@dataclass(frozen=True)
class AttributeRule:
    """``points`` when ``field`` ``operator`` ``value`` holds for the lead."""

    id: str
    name: str
    field: str
    operator: str
    value: Any
    points: int


@dataclass(frozen=True)
class BehaviourRule:
    """``points`` per activity of ``kind``, halving every ``half_life_days``, at most ``cap``."""

    id: str
    name: str
    kind: str
    points: int
    half_life_days: float
    cap: int


@dataclass(frozen=True)
class Reason:
    """One rule's share of a score."""

    rule_id: str
    rule: str
    points: float
    detail: str


@dataclass(frozen=True)
class Score:
    """A score and why."""

    value: int
    reasons: tuple[Reason, ...]


def _text(value: Any) -> str:
    return str(value).strip().casefold() if value is not None else ""


def attribute_holds(rule: AttributeRule, lead: Mapping[str, Any]) -> bool:
    """Whether ``rule``'s condition holds for ``lead``'s attributes."""
    actual = lead.get(rule.field)
    op = rule.operator
    if op == "exists":
        return actual not in (None, "")
    if actual in (None, ""):
        return False
    if op in ("gte", "lte"):
        try:
            number, bound = float(actual), float(rule.value)
        except (TypeError, ValueError):
            return False
        return number >= bound if op == "gte" else number <= bound
    if op == "equals":
        return _text(actual) == _text(rule.value)
    if op == "in":
        values = rule.value if isinstance(rule.value, list | tuple) else [rule.value]
        return _text(actual) in {_text(v) for v in values}
    if op == "contains":
        words = rule.value if isinstance(rule.value, list | tuple) else [rule.value]
        text = _text(actual)
        return any(_text(w) and _text(w) in text for w in words)
    return False


def decayed(points: float, age_days: float, half_life_days: float) -> float:
    """``points`` after ``age_days``: halved every ``half_life_days`` (future events count full)."""
    if age_days <= 0:
        return points
    return points * math.pow(0.5, age_days / half_life_days)


def score_lead(
    lead: Mapping[str, Any],
    activities: Iterable[tuple[str, datetime]],
    attribute_rules: Sequence[AttributeRule],
    behaviour_rules: Sequence[BehaviourRule],
    now: datetime,
) -> Score:
    """The lead's score (0-100, rounded) and each rule's contribution, largest first."""
    reasons: list[Reason] = []
    total = 0.0
    for rule in attribute_rules:
        if attribute_holds(rule, lead):
            total += rule.points
            reasons.append(
                Reason(rule.id, rule.name, float(rule.points), f"{rule.field} {rule.operator}")
            )
    by_kind: dict[str, list[datetime]] = {}
    for kind, when in activities:
        by_kind.setdefault(kind, []).append(when)
    for behaviour in behaviour_rules:
        events = by_kind.get(behaviour.kind, [])
        if not events:
            continue
        earned = sum(
            decayed(
                behaviour.points, (now - when).total_seconds() / 86400, behaviour.half_life_days
            )
            for when in events
        )
        earned = min(earned, float(behaviour.cap))
        total += earned
        reasons.append(
            Reason(
                behaviour.id, behaviour.name, round(earned, 1), f"{len(events)} x {behaviour.kind}"
            )
        )
    reasons.sort(key=lambda r: -abs(r.points))
    return Score(max(0, min(100, round(total))), tuple(reasons))


def blend(rule_score: int, probability: float | None, model_weight: float) -> int:
    """Mix the rules' score with a learned model's probability (optional feature)."""
    if probability is None or model_weight <= 0:
        return rule_score
    mixed = (1 - model_weight) * rule_score + model_weight * 100 * probability
    return max(0, min(100, round(mixed)))


def with_model(score: Score, probability: float | None, model_weight: float) -> Score:
    """The rule score blended with the learned model's probability, the model shown as a reason.

    Without a probability or with no weight, the rule score stands as is.
    """
    if probability is None or model_weight <= 0:
        return score
    value = blend(score.value, probability, model_weight)
    model = Reason(
        "model",
        "Learned model",
        round(value - score.value, 1),
        f"P(qualified) = {probability:.2f}, weight {model_weight}",
    )
    return Score(value, (*score.reasons, model))


DEFAULT_ATTRIBUTE_RULES = (
    (
        "Decision-maker title",
        "title",
        "contains",
        ["chief", "ceo", "cto", "cfo", "vp", "vice president", "director", "head", "founder"],
        20,
    ),
    ("Company of 200+", "company_size", "gte", 200, 15),
    ("Company of 1,000+", "company_size", "gte", 1000, 10),
    ("Reachable by phone", "phone", "exists", None, 5),
    ("Has a company", "company", "exists", None, 5),
    ("Referral", "source", "in", ["referral", "partner"], 15),
)
DEFAULT_BEHAVIOUR_RULES = (
    ("Form submitted", "form_submit", 15, 30.0, 30),
    ("Email opened", "email_open", 2, 14.0, 10),
    ("Email link clicked", "email_click", 5, 14.0, 15),
    ("Website visit", "visit", 3, 7.0, 15),
    ("Call held", "call", 10, 30.0, 20),
    ("Meeting held", "meeting", 20, 45.0, 40),
)
