"""What the customers API accepts and returns."""

from __future__ import annotations

from marshmallow import fields, validate

from crm_shared.schemas import PageArgsSchema, StrictSchema, page_of

KINDS = ("company", "person")


class CustomerInSchema(StrictSchema):
    """A customer entered by hand."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(load_default="company", validate=validate.OneOf(KINDS))
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=320))
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    company = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))


class CustomerSchema(StrictSchema):
    """A customer as the API shows it."""

    id = fields.UUID()
    name = fields.String()
    kind = fields.String()
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    company = fields.String(allow_none=True)
    source = fields.String(allow_none=True)
    lead_id = fields.UUID(allow_none=True)
    owner_id = fields.UUID(allow_none=True, metadata={"description": "empty: in the public pool"})
    team_id = fields.UUID(allow_none=True)
    in_pool = fields.Method("_in_pool")
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    claimed_at = fields.DateTime(allow_none=True)
    released_at = fields.DateTime(allow_none=True)

    def _in_pool(self, customer: object) -> bool:
        return getattr(customer, "owner_id", None) is None


class CustomerListArgsSchema(PageArgsSchema):
    """Filters of the customer list."""

    lead_id = fields.UUID()
    owner_id = fields.UUID()
    in_pool = fields.Boolean()


class ReleaseSchema(StrictSchema):
    """Why a customer goes back to the pool."""

    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


CustomerPageSchema = page_of(CustomerSchema)
