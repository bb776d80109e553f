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

from . import accounts
from .models import Team, User
from .schemas import (
    JwksSchema,
    MeSchema,
    TeamInSchema,
    TeamListSchema,
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
    user = accounts.authenticate(
        db_session(), data["username"], data["password"], _client_address(), extra["throttle"]
    )
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
    }


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
    """Create a team (admins)."""
    return accounts.create_team(db_session(), data["name"])


@teams.get("")
@teams.response(200, TeamListSchema)
def list_teams() -> dict[str, Any]:
    """All teams."""
    return {"items": list(db_session().scalars(select(Team).order_by(Team.name)))}
