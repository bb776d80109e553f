"""Fields the compensation schemas share."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from ..rules.periods import MONTH, PERIOD_PATTERN
from ..rules.targets import METRICS


def period_field(**kwargs: Any) -> fields.String:
    """A month, quarter or year."""
    return fields.String(
        validate=validate.Regexp(PERIOD_PATTERN, error="must be YYYY-MM, YYYY-Qn or YYYY"),
        metadata={"description": "YYYY-MM, YYYY-Qn or YYYY", "example": "2026-Q1"},
        **kwargs,
    )


def month_field(**kwargs: Any) -> fields.String:
    """A month."""
    return fields.String(
        validate=validate.Regexp(MONTH, error="must be YYYY-MM"),
        metadata={"description": "YYYY-MM", "example": "2026-03"},
        **kwargs,
    )


def metric_field(**kwargs: Any) -> fields.String:
    """One of the metrics targets and rankings are kept for."""
    return fields.String(validate=validate.OneOf(METRICS), **kwargs)


def figure(**kwargs: Any) -> fields.Decimal:
    """A decimal figure given as a string (counts, ratios, averages, money without currency)."""
    metadata = {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$", **kwargs.pop("metadata", {})}
    return fields.Decimal(as_string=True, allow_nan=False, metadata=metadata, **kwargs)
