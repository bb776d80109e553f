"""How a row of an opportunity import is read: Salesforce stages, dates, probabilities."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

# Salesforce's standard opportunity stages, onto the default pipeline's.
SALESFORCE_STAGES = {
    "prospecting": "qualification",
    "qualification": "qualification",
    "needsanalysis": "needs_analysis",
    "valueproposition": "needs_analysis",
    "iddecisionmakers": "needs_analysis",
    "perceptionanalysis": "needs_analysis",
    "proposalpricequote": "proposal",
    "proposal": "proposal",
    "negotiationreview": "negotiation",
    "negotiation": "negotiation",
    "closedwon": "won",
    "won": "won",
    "closedlost": "lost",
    "lost": "lost",
}
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_CN_DATE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")


def stage_key(text: str) -> str:
    """A stage name as letters only: ``Negotiation/Review`` -> ``negotiationreview``."""
    return re.sub(r"[^a-z]", "", text.lower())


def stage_name(text: str, known: set[str]) -> str | None:
    """Our stage name for an imported stage: one of ``known`` by name, or Salesforce's."""
    key = stage_key(text)
    for name in known:
        if stage_key(name) == key:
            return name
    mapped = SALESFORCE_STAGES.get(key)
    return mapped if mapped in known else None


def parse_date(text: str) -> date | None:
    """A close date as exports write it: ISO, Salesforce's US ``3/31/2026`` or ``2026年3月31日``."""
    text = text.strip()
    for pattern, order in ((_ISO_DATE, "ymd"), (_US_DATE, "mdy"), (_CN_DATE, "ymd")):
        if m := pattern.match(text):
            parts = dict(zip(order, (int(g) for g in m.groups()), strict=True))
            try:
                return date(parts["y"], parts["m"], parts["d"])
            except ValueError:
                return None
    return None


def parse_amount(text: str) -> Decimal | None:
    """An amount with optional thousands separators and currency sign; None if not a number."""
    cleaned = re.sub(r"[,\s¥$€£]", "", text.strip())
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def parse_probability(text: str) -> int | None:
    """A percent 0-100 (``70``, ``70%``, ``70.0``); None if not one."""
    cleaned = text.strip().rstrip("%").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not value.is_finite() or not 0 <= value <= 100:
        return None
    return int(value.to_integral_value())
