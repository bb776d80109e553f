"""Fields and choices the customers schemas share."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from crm_shared.schemas import AmountField, PageArgsSchema

KINDS = ("company", "person")


SIZES = ("micro", "small", "medium", "large", "enterprise")


OPTIONAL: dict[str, Any] = {"load_default": None, "allow_none": True}


def money(currency_attr: str, description: str | None = None, **kwargs: Any) -> AmountField:
    """The shared money field, shown with the minor units of the currency in ``currency_attr``.

    ``description`` replaces the shared field's generic one where the amount
    means something particular (the shared field sets its own on creation).
    """
    field = AmountField(currency_attr=currency_attr, **kwargs)
    if description is not None:
        field.metadata = {**field.metadata, "description": description}
    return field


def bounded_text(max_length: int, **kwargs: Any) -> fields.String:
    """A text field of at most ``max_length`` characters."""
    return fields.String(validate=validate.Length(max=max_length), **kwargs)


class AwareDateTime(fields.AwareDateTime):
    """An ISO 8601 time that must carry its zone (it is kept in UTC)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="iso", **kwargs)


class CustomFieldsField(fields.Dict):
    """Custom fields: up to 50 names (≤ 64 characters) with text, number, yes/no or empty."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            keys=fields.String(validate=validate.Length(min=1, max=64)),
            metadata={
                "description": "name → text (≤ 1000), number, boolean or null",
                "maxProperties": 50,
                "additionalProperties": {"type": ["string", "number", "boolean", "null"]},
            },
            **kwargs,
        )

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> dict[str, Any]:
        result = super()._deserialize(value, attr, data, **kwargs)
        if len(result) > 50:
            raise ma.ValidationError("at most 50 custom fields")
        for name, item in result.items():
            if isinstance(item, str) and len(item) > 1000:
                raise ma.ValidationError(f"{name}: at most 1000 characters")
            if item is not None and not isinstance(item, str | int | float | bool):
                raise ma.ValidationError(f"{name}: must be text, a number, a boolean or null")
        return result


class PeriodArgsSchema(PageArgsSchema):
    """A page of things that happened in [from, to)."""

    from_ = AwareDateTime(data_key="from")
    to = AwareDateTime()
