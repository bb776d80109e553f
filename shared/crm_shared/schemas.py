"""Marshmallow building blocks every API shares: problems, money, pages.

Services describe their own resources; these are the common shapes, so a
client sees money, currencies, errors and pagination the same way
everywhere.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

import marshmallow as ma
from babel.numbers import get_currency_precision, list_currencies
from marshmallow import fields, validate

# Codes for testing and "no currency" are never money a customer pays.
_NOT_MONEY = {"XTS", "XXX"}


@cache
def currencies() -> frozenset[str]:
    """ISO 4217 codes accepted for money."""
    return frozenset(list_currencies()) - _NOT_MONEY


def minor_units(currency: str) -> int:
    """Digits after the decimal point for ``currency`` (USD 2, JPY 0, BHD 3)."""
    return int(get_currency_precision(currency))


def format_amount(amount: Decimal, currency: str) -> str:
    """The amount as a decimal string with the currency's minor units."""
    places = minor_units(currency)
    return str(amount.quantize(Decimal(1).scaleb(-places)))


def check_amount(amount: Decimal, currency: str) -> str | None:
    """Why ``amount`` is not a valid amount of ``currency``, or None when it is."""
    if not amount.is_finite():
        return "must be a finite number"
    exponent = amount.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > minor_units(currency):
        return f"has more decimal places than {currency} allows ({minor_units(currency)})"
    if abs(amount) >= Decimal("1e15"):
        return "is too large"
    return None


class StrictSchema(ma.Schema):
    """Unknown fields are an error, not silently dropped."""

    class Meta:
        unknown = ma.RAISE


class CurrencyField(fields.String):
    """An ISO 4217 currency code, upper case."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {}).update(
            {"description": "ISO 4217 currency code", "example": "USD", "pattern": "^[A-Z]{3}$"}
        )
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        code = super()._deserialize(value, attr, data, **kwargs)
        if code not in currencies():
            raise ma.ValidationError("is not an ISO 4217 currency code")
        return code


class EmailField(fields.Email):
    """An email address, trimmed before it is checked and lower-cased.

    People paste addresses with a stray space or newline around them; that
    is not a reason to refuse the address. Blank becomes None.
    """

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, str):
            value = value.strip()
            if not value:
                return None
            value = value.lower()
        return super()._deserialize(value, attr, data, **kwargs)


class AmountField(fields.Decimal):
    """A money amount as a decimal string; never a float.

    On output the amount is given the currency's minor units, read from the
    sibling attribute named by ``currency_attr``.
    """

    def __init__(self, *, currency_attr: str = "currency", **kwargs: Any) -> None:
        self.currency_attr = currency_attr
        kwargs.setdefault("metadata", {}).update(
            {
                "type": "string",
                "pattern": r"^-?[0-9]+(\.[0-9]+)?$",
                "description": "decimal amount as a string",
                "example": "1250.00",
            }
        )
        super().__init__(as_string=True, allow_nan=False, **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Decimal:
        if isinstance(value, float):
            # Floats already lost precision by the time they reach us.
            raise ma.ValidationError('must be a decimal string such as "12.50", not a float')
        try:
            return super()._deserialize(value, attr, data, **kwargs)
        except InvalidOperation as exc:  # pragma: no cover - marshmallow wraps these
            raise ma.ValidationError("is not a decimal number") from exc

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> str | None:
        if value is None:
            return None
        currency = (
            obj.get(self.currency_attr)
            if isinstance(obj, dict)
            else getattr(obj, self.currency_attr, None)
        )
        if currency in currencies():
            return format_amount(Decimal(value), currency)
        return str(value)


class MoneyInSchema(StrictSchema):
    """An amount and its currency, validated together."""

    amount = AmountField(required=True)
    currency = CurrencyField(required=True)

    @ma.validates_schema
    def _amount_fits_currency(self, data: dict[str, Any], **_kwargs: Any) -> None:
        amount, currency = data.get("amount"), data.get("currency")
        if amount is None or currency is None:
            return
        problem = check_amount(amount, currency)
        if problem:
            raise ma.ValidationError(problem, field_name="amount")
        if amount <= 0:
            raise ma.ValidationError("must be greater than zero", field_name="amount")


class FieldErrorSchema(ma.Schema):
    """One field that was wrong, and why."""

    field = fields.String(required=True)
    message = fields.String(required=True)
    location = fields.String()


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details.

    Open to extension members (RFC 9457 section 3.2): services add their own
    (``trace_id``, ``service``, ``existing_id``, ...), so the documented
    schema allows additional properties and names the common ones.
    """

    class Meta:
        unknown = ma.INCLUDE

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    instance = fields.String()
    errors = fields.List(fields.Nested(FieldErrorSchema))
    trace_id = fields.String(metadata={"description": "the trace to quote when reporting it"})
    service = fields.String(metadata={"description": "the service that failed (gateway)"})


class PageArgsSchema(StrictSchema):
    """``limit`` and ``cursor`` of a list request; unknown parameters are refused.

    A misspelt filter (``?stauts=new``) must not quietly return everything.
    """

    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = fields.String(load_default=None, validate=validate.Length(max=512))


_page_schemas: dict[type[ma.Schema], type[ma.Schema]] = {}


def page_of(item_schema: type[ma.Schema]) -> type[ma.Schema]:
    """The ``{items, next_cursor}`` envelope schema for a list of ``item_schema``."""
    if item_schema not in _page_schemas:
        name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
        _page_schemas[item_schema] = type(
            name,
            (ma.Schema,),
            {
                "items": fields.List(fields.Nested(item_schema), required=True),
                "next_cursor": fields.String(
                    allow_none=True,
                    metadata={"description": "pass as cursor for the next page; null at the end"},
                ),
            },
        )
    return _page_schemas[item_schema]
