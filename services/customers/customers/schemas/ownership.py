"""Ownership moves, their history, and ownership limits."""

from __future__ import annotations

from marshmallow import fields, validate

from crm_shared.schemas import StrictSchema, page_of

ACTIONS = (
    "created",
    "claimed",
    "released",
    "recycled",
    "assigned",
    "transferred",
    "locked",
    "unlocked",
    "moved",
    "archived",
    "restored",
    "erased",
)


class ReleaseSchema(StrictSchema):
    """Why a customer goes back to the pool, and optionally which pool."""

    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
    pool_id = fields.UUID(load_default=None, allow_none=True)


class AssignSchema(StrictSchema):
    """Who takes the customer over, and why."""

    owner_id = fields.UUID(required=True)
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class LockSchema(StrictSchema):
    """Why a customer is locked against recycling."""

    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class OwnershipChangeSchema(StrictSchema):
    """One entry of the ownership history and the pool's audit trail."""

    id = fields.UUID()
    customer_id = fields.UUID()
    action = fields.String(metadata={"enum": list(ACTIONS)})
    from_owner_id = fields.UUID(allow_none=True)
    to_owner_id = fields.UUID(allow_none=True)
    actor_id = fields.UUID(allow_none=True, metadata={"description": "empty: a rule or an event"})
    pool_id = fields.UUID(allow_none=True)
    reason = fields.String(allow_none=True)
    at = fields.DateTime()


class OwnershipHistorySchema(StrictSchema):
    """A customer's ownership history, oldest first."""

    items = fields.List(fields.Nested(OwnershipChangeSchema), required=True)


class LimitInSchema(StrictSchema):
    """An ownership limit: for one user, for each member of a team, or (neither) the default."""

    user_id = fields.UUID(load_default=None, allow_none=True)
    team_id = fields.UUID(load_default=None, allow_none=True)
    max_owned = fields.Integer(required=True, validate=validate.Range(min=0, max=100000))
    include_won = fields.Boolean(
        load_default=True,
        metadata={"description": "false: customers with a won deal do not count"},
    )


class LimitSchema(StrictSchema):
    """An ownership limit as stored."""

    id = fields.UUID()
    subject = fields.String()
    user_id = fields.UUID(allow_none=True)
    team_id = fields.UUID(allow_none=True)
    max_owned = fields.Integer()
    include_won = fields.Boolean()
    updated_by = fields.UUID(allow_none=True)
    updated_at = fields.DateTime()


class LimitListSchema(StrictSchema):
    """Every ownership limit."""

    items = fields.List(fields.Nested(LimitSchema), required=True)


OwnershipChangePageSchema = page_of(OwnershipChangeSchema)
