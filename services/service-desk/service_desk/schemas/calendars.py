"""What the business-calendar API accepts and returns."""

from __future__ import annotations

from marshmallow import fields, validate

from crm_shared.schemas import StrictSchema

DATE = fields.Date()


class DaySchema(StrictSchema):
    """Opening periods and breaks of one weekday, as ``[["09:00", "12:00"], ...]``."""

    hours = fields.List(
        fields.List(fields.String(), validate=validate.Length(equal=2)), load_default=list
    )
    breaks = fields.List(
        fields.List(fields.String(), validate=validate.Length(equal=2)), load_default=list
    )


class DefinitionSchema(StrictSchema):
    """A calendar: time zone, weekly hours, holidays and extra working days."""

    timezone = fields.String(required=True, validate=validate.Length(min=1, max=64))
    week = fields.Dict(keys=fields.String(), values=fields.Nested(DaySchema), required=True)
    holidays = fields.List(fields.String(), load_default=list)
    extra_workdays = fields.List(fields.String(), load_default=list)


class CalendarInSchema(StrictSchema):
    """A new or replaced calendar, optionally seeded with a country's public holidays."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    definition = fields.Nested(DefinitionSchema, required=True)
    country = fields.String(load_default=None, allow_none=True, validate=validate.Length(equal=2))
    years = fields.List(
        fields.Integer(validate=validate.Range(min=2000, max=2100)),
        load_default=list,
        validate=validate.Length(max=5),
    )
    is_default = fields.Boolean(load_default=False)


class CalendarSchema(StrictSchema):
    """A kept calendar."""

    id = fields.UUID()
    name = fields.String()
    definition = fields.Dict()
    is_default = fields.Boolean()
    updated_at = fields.DateTime()


class CalendarListSchema(StrictSchema):
    """Every calendar."""

    items = fields.List(fields.Nested(CalendarSchema))


class CustomerCalendarSchema(StrictSchema):
    """The calendar a customer is served on (None: the policy's or the default)."""

    calendar_id = fields.UUID(required=True, allow_none=True)
