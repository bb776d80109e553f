"""The gateway's own routes: sign-in, the signed-in user, users and teams."""

from __future__ import annotations

import uuid
from typing import Any

from flask import current_app, jsonify
from sqlalchemy import select

from crm_shared.auth import ADMIN
from crm_shared.client_address import client_address
from crm_shared.web import (
    Blueprint,
    current_principal,
    db_session,
    idempotent,
    public,
    require_roles,
    service_context,
)

from . import accounts, refresh
from . import api_keys as key_cases
from . import keys as signing_keys
from . import teams as team_cases
from .models import Team, User
from .schemas import (
    ApiKeyCreatedSchema,
    ApiKeyInSchema,
    ApiKeyListSchema,
    ApiKeySchema,
    JwksSchema,
    MeSchema,
    RefreshRequestSchema,
    RotatedKeySchema,
    TeamInSchema,
    TeamListSchema,
    TeamPatchSchema,
    TeamSchema,
    TokenRequestSchema,
    TokenSchema,
    UserInSchema,
    UserListSchema,
    UserPatchSchema,
    UserSchema,
)

auth = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Sign-in and tokens")
users = Blueprint("users", __name__, url_prefix="/api/v1/users", description="Users")
teams = Blueprint("teams", __name__, url_prefix="/api/v1/teams", description="Teams")
api_keys = Blueprint(
    "api_keys",
    __name__,
    url_prefix="/api/v1/api-keys",
    description="API keys for integrations: send `Authorization: ApiKey <key>` or `X-Api-Key`",
)


def _client_address() -> str:
    # The gateway is the edge: the peer address is the client unless a
    # trusted proxy in front of it (CRM_TRUSTED_PROXIES) says otherwise.
    return client_address()


@auth.post("/token")
@public
@auth.arguments(TokenRequestSchema)
@auth.response(200, TokenSchema)
@auth.doc(security=[])
def issue_token(data: dict[str, Any]) -> dict[str, Any]:
    """Exchange a username and password for a short-lived access token."""
    ctx = service_context()
    extra = ctx.settings.extra
    session = db_session()
    user = accounts.authenticate(
        session, data["username"], data["password"], _client_address(), extra["throttle"]
    )
    return _token_answer(user, refresh.issue(session, user.id, extra["refresh_ttl"]))


def _token_answer(user: User, refresh_token: str) -> dict[str, Any]:
    ctx = service_context()
    extra = ctx.settings.extra
    claims = accounts.token_claims(
        user,
        issuer=ctx.settings.jwt_issuer,
        audience=ctx.settings.jwt_audience,
        ttl=extra["token_ttl"],
    )
    keyring = current_app.extensions["crm.keyring"]
    return {
        "access_token": keyring.sign(claims),
        "token_type": "Bearer",
        "expires_in": extra["token_ttl"],
        "refresh_token": refresh_token,
        "refresh_expires_in": extra["refresh_ttl"],
    }


@auth.post("/refresh")
@public
@auth.arguments(RefreshRequestSchema)
@auth.response(200, TokenSchema)
@auth.doc(security=[])
def refresh_token(data: dict[str, Any]) -> dict[str, Any]:
    """Exchange a refresh token for a new access token and the next refresh token.

    Each refresh token works once; presenting a used one again revokes every
    token descended from the same sign-in.
    """
    ttl = service_context().settings.extra["refresh_ttl"]
    user, next_token = refresh.rotate(db_session(), data["refresh_token"], ttl)
    return _token_answer(user, next_token)


@auth.post("/logout")
@public
@auth.arguments(RefreshRequestSchema)
@auth.response(204)
@auth.doc(security=[])
def logout(data: dict[str, Any]) -> None:
    """Sign out: the refresh token and every token rotated from it stop working."""
    refresh.sign_out(db_session(), data["refresh_token"])


@auth.get("/me")
@auth.response(200, MeSchema)
def me() -> dict[str, Any]:
    """Who the bearer token belongs to."""
    principal = current_principal()
    return {
        "id": principal.id,
        "username": principal.username,
        "roles": sorted(principal.roles),
        "team_id": principal.team_id,
    }


@auth.post("/signing-keys/rotate")
@require_roles(ADMIN)
@auth.response(200, RotatedKeySchema)
def rotate_signing_key() -> dict[str, Any]:
    """Rotate the signing key (admins).

    The new key is published at once and signs from ``signs_from`` on, once
    every service has fetched it; the old key stays in the JWKS until the
    tokens it signed have expired.
    """
    extra = service_context().settings.extra
    kid, signs_from = signing_keys.rotate_signing_key(
        db_session(),
        current_app.extensions["crm.key_cipher"],
        extra["token_ttl"],
        extra["key_publish_ahead"],
    )
    db_session().commit()
    current_app.extensions["crm.keyring"].reload()
    return {"kid": kid, "signs_from": signs_from}


@auth.get("/jwks.json")
@public
@auth.response(200, JwksSchema)
@auth.doc(security=[])
def jwks() -> Any:
    """The public keys that verify access tokens (JWKS)."""
    response = jsonify(current_app.extensions["crm.keyring"].jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@users.post("")
@require_roles(ADMIN)
@idempotent
@users.arguments(UserInSchema)
@users.response(201, UserSchema)
def create_user(data: dict[str, Any]) -> User:
    """Create a user (admins)."""
    return accounts.create_user(db_session(), data)


@users.get("")
@users.response(200, UserListSchema)
def list_users() -> dict[str, Any]:
    """Users the caller may see: all for admins, the team for managers, oneself otherwise."""
    return {"items": accounts.list_users(db_session(), current_principal())}


@users.get("/<uuid:user_id>")
@users.response(200, UserSchema)
def get_user(user_id: uuid.UUID) -> User:
    """One user."""
    return accounts.visible_user(db_session(), current_principal(), user_id)


@users.patch("/<uuid:user_id>")
@users.arguments(UserPatchSchema)
@users.response(200, UserSchema)
def update_user(data: dict[str, Any], user_id: uuid.UUID) -> User:
    """Change roles, team or status (admins), or one's own password."""
    return accounts.update_user(db_session(), current_principal(), user_id, data)


@teams.post("")
@require_roles(ADMIN)
@idempotent
@teams.arguments(TeamInSchema)
@teams.response(201, TeamSchema)
def create_team(data: dict[str, Any]) -> Team:
    """Create a team (admins), optionally with its manager and parent team."""
    return team_cases.create_team(db_session(), data)


@teams.patch("/<uuid:team_id>")
@require_roles(ADMIN)
@teams.arguments(TeamPatchSchema)
@teams.response(200, TeamSchema)
def update_team(data: dict[str, Any], team_id: uuid.UUID) -> Team:
    """Rename a team or set its manager or parent team (admins); a cycle is 422."""
    return team_cases.update_team(db_session(), team_id, data)


@teams.get("")
@teams.response(200, TeamListSchema)
def list_teams() -> dict[str, Any]:
    """All teams."""
    return {"items": list(db_session().scalars(select(Team).order_by(Team.name)))}


@api_keys.post("")
@require_roles(ADMIN)
@idempotent
@api_keys.arguments(ApiKeyInSchema)
@api_keys.response(201, ApiKeyCreatedSchema)
def create_api_key(data: dict[str, Any]) -> dict[str, Any]:
    """Create an API key for a role and a set of resources (admins); the key is shown once."""
    routes = current_app.extensions.get("crm.routes")
    # Checked against what the services declare, once every one has answered.
    known = routes.resources() if routes is not None else None
    row, key = key_cases.create_key(db_session(), current_principal(), data, known)
    shown = {name: getattr(row, name) for name in ApiKeySchema().fields}
    return {**shown, "key": key}


@api_keys.get("")
@require_roles(ADMIN)
@api_keys.response(200, ApiKeyListSchema)
def list_api_keys() -> dict[str, Any]:
    """Every API key with its last use (admins)."""
    return {"items": key_cases.list_keys(db_session()), "next_cursor": None}


@api_keys.delete("/<uuid:key_id>")
@require_roles(ADMIN)
@api_keys.response(204)
def revoke_api_key(key_id: uuid.UUID) -> None:
    """Revoke an API key (admins): it stops working on the next request."""
    key_cases.revoke_key(db_session(), key_id)
