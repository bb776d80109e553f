"""What the gateway's own API accepts and returns."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from crm_shared.auth import ROLES
from crm_shared.schemas import StrictSchema

USERNAME = validate.Regexp(
    r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,99}$",
    error="2-100 characters: letters, digits, dot, underscore, @ or hyphen",
)


class TokenRequestSchema(StrictSchema):
    """Credentials for an access token."""

    username = fields.String(required=True, validate=validate.Length(min=1, max=100))
    password = fields.String(
        required=True, load_only=True, validate=validate.Length(min=1, max=1024)
    )


class TokenSchema(StrictSchema):
    """A bearer access token, and the refresh token that gets the next one."""

    access_token = fields.String(required=True)
    token_type = fields.String(required=True, metadata={"example": "Bearer"})
    expires_in = fields.Integer(required=True, metadata={"description": "seconds"})
    refresh_token = fields.String(
        required=True, metadata={"description": "single use; POST it to /api/v1/auth/refresh"}
    )
    refresh_expires_in = fields.Integer(required=True, metadata={"description": "seconds"})


class RefreshRequestSchema(StrictSchema):
    """A refresh token to use or revoke."""

    refresh_token = fields.String(
        required=True, load_only=True, validate=validate.Length(min=1, max=200)
    )


class MeSchema(StrictSchema):
    """The signed-in user."""

    id = fields.UUID(required=True)
    username = fields.String(required=True)
    roles = fields.List(fields.String(), required=True)
    team_id = fields.UUID(allow_none=True)


class UserInSchema(StrictSchema):
    """A new user."""

    username = fields.String(required=True, validate=USERNAME)
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=1024))
    roles = fields.List(
        fields.String(validate=validate.OneOf(ROLES)),
        required=True,
        validate=validate.Length(min=1),
    )
    team_id = fields.UUID(load_default=None, allow_none=True)
    display_name = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=200)
    )
    email = fields.Email(load_default=None, allow_none=True)


class UserPatchSchema(StrictSchema):
    """Changes to a user; only the fields given change."""

    password = fields.String(load_only=True, validate=validate.Length(max=1024))
    current_password = fields.String(
        load_only=True,
        validate=validate.Length(max=1024),
        metadata={"description": "required to change one's own password"},
    )
    roles = fields.List(
        fields.String(validate=validate.OneOf(ROLES)), validate=validate.Length(min=1)
    )
    team_id = fields.UUID(allow_none=True)
    active = fields.Boolean()
    display_name = fields.String(allow_none=True, validate=validate.Length(max=200))
    email = fields.Email(allow_none=True)


class UserSchema(StrictSchema):
    """A user as the API shows it (never the password)."""

    id = fields.UUID()
    username = fields.String()
    display_name = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    roles = fields.List(fields.String())
    team_id = fields.UUID(allow_none=True)
    active = fields.Boolean()
    created_at = fields.DateTime()


class UserListSchema(StrictSchema):
    """Users in the caller's scope."""

    items = fields.List(fields.Nested(UserSchema), required=True)


class TeamInSchema(StrictSchema):
    """A new team, optionally with its manager and the team above it."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    manager_id = fields.UUID(
        load_default=None, allow_none=True, metadata={"description": "the managing user"}
    )
    parent_id = fields.UUID(
        load_default=None, allow_none=True, metadata={"description": "the team above"}
    )


class TeamPatchSchema(StrictSchema):
    """Changes to a team; only the fields given change."""

    name = fields.String(validate=validate.Length(min=1, max=100))
    manager_id = fields.UUID(allow_none=True, metadata={"description": "the managing user"})
    parent_id = fields.UUID(
        allow_none=True, metadata={"description": "the team above; no cycles allowed"}
    )


class TeamSchema(StrictSchema):
    """A team and its place in the org tree."""

    id = fields.UUID()
    name = fields.String()
    manager_id = fields.UUID(allow_none=True)
    parent_id = fields.UUID(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class TeamListSchema(StrictSchema):
    """All teams."""

    items = fields.List(fields.Nested(TeamSchema), required=True)


class RotatedKeySchema(StrictSchema):
    """The next signing key, and when it starts signing."""

    kid = fields.String(required=True)
    signs_from = fields.DateTime(required=True)


class JwkSchema(ma.Schema):
    """One public key (RFC 7517)."""

    class Meta:
        unknown = ma.INCLUDE

    kty = fields.String(required=True)
    kid = fields.String(required=True)
    alg = fields.String()
    use = fields.String()
    n = fields.String()
    e = fields.String()


class JwksSchema(StrictSchema):
    """The public keys that verify access tokens."""

    keys = fields.List(fields.Nested(JwkSchema), required=True)


class ApiKeyInSchema(StrictSchema):
    """A new API key: who it acts as and where."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    resources = fields.List(
        fields.String(validate=validate.Length(min=1, max=100)),
        required=True,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "top-level resources under /api/v1/, e.g. leads, customers"},
    )


class ApiKeySchema(StrictSchema):
    """An API key as listed (never the key itself)."""

    id = fields.UUID()
    name = fields.String()
    role = fields.String()
    resources = fields.List(fields.String())
    prefix = fields.String(metadata={"description": "the key's first characters"})
    created_at = fields.DateTime()
    last_used_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)


class ApiKeyCreatedSchema(ApiKeySchema):
    """A new API key, with the key itself: shown this once, never again."""

    key = fields.String(required=True)


class ApiKeyListSchema(StrictSchema):
    """API keys, newest first."""

    items = fields.List(fields.Nested(ApiKeySchema), required=True)
    next_cursor = fields.String(allow_none=True)
