"""Users, teams and sign-in, over the gateway's database."""

from __future__ import annotations

import secrets
import sys
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm_shared import outbox
from crm_shared.auth import ADMIN, Principal, Scope
from crm_shared.config import Settings
from crm_shared.db import Database, utcnow
from crm_shared.errors import (
    Conflict,
    Forbidden,
    NotFound,
    TooManyRequests,
    Unauthorized,
    ValidationFailed,
)

from .keys import ensure_signing_key, make_cipher
from .models import LoginAttempt, Team, User
from .passwords import hash_password, needs_rehash, password_problem, verify_password
from .refresh import revoke_refresh_tokens
from .throttle import ThrottlePolicy, retry_after


def _user_event(user: User) -> dict[str, Any]:
    return {
        "user_id": user.id,
        "username": user.username,
        "roles": sorted(user.roles),
        "team_id": user.team_id,
        "active": user.active,
        "tokens_valid_after": user.tokens_valid_after,
        # For notifiers: where to email the user, and how to greet them.
        "email": user.email or None,
        "display_name": user.display_name or None,
    }


def _check_team(session: Session, team_id: uuid.UUID | None) -> None:
    if team_id is not None and session.get(Team, team_id) is None:
        raise ValidationFailed.field("team_id", "no such team")


def create_user(session: Session, data: dict[str, Any]) -> User:
    """Create a user (admins only; the route checks) and announce it."""
    username = data["username"].strip().lower()
    problem = password_problem(
        data["password"], username, data.get("display_name") or "", data.get("email") or ""
    )
    if problem:
        raise ValidationFailed.field("password", problem)
    _check_team(session, data.get("team_id"))
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict("username is taken", errors=[{"field": "username", "message": "is taken"}])
    user = User(
        id=uuid.uuid4(),
        username=username,
        display_name=data.get("display_name"),
        email=data.get("email"),
        password_hash=hash_password(data["password"]),
        roles=sorted(set(data["roles"])),
        team_id=data.get("team_id"),
        active=True,
        created_at=utcnow(),
        updated_at=utcnow(),
    )
    session.add(user)
    outbox.publish(session, "user.created", _user_event(user), subject=user.id)
    return user


def visible_user(session: Session, principal: Principal, user_id: uuid.UUID) -> User:
    """A user the caller may see: admins all, managers their team, anyone themselves."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("no such user")
    scope = principal.scope
    if scope is Scope.ALL or user.id == principal.id:
        return user
    if scope is Scope.TEAM and user.team_id == principal.team_id:
        return user
    raise NotFound("no such user")


def list_users(session: Session, principal: Principal) -> list[User]:
    """Users in the caller's scope, by username."""
    statement = select(User).order_by(User.username)
    if principal.scope is Scope.TEAM:
        statement = statement.where(User.team_id == principal.team_id)
    elif principal.scope is Scope.OWN:
        statement = statement.where(User.id == principal.id)
    return list(session.scalars(statement))


def update_user(
    session: Session, principal: Principal, user_id: uuid.UUID, data: dict[str, Any]
) -> User:
    """Change a user. Admins change anything; a user may change only their own password."""
    user = visible_user(session, principal, user_id)
    admin_fields = {"roles", "team_id", "active", "display_name", "email"}
    if not principal.is_admin and (admin_fields & data.keys() or user.id != principal.id):
        raise Forbidden("only an admin may change this")
    before = (user.active, sorted(user.roles), user.team_id)
    if "password" in data:
        # One's own password changes only with the current one: a stolen
        # session (an unlocked laptop) must not be enough to take the account.
        if user.id == principal.id and not verify_password(
            user.password_hash, data.get("current_password") or ""
        ):
            raise ValidationFailed.field("current_password", "is not your current password")
        problem = password_problem(
            data["password"], user.username, user.display_name or "", user.email or ""
        )
        if problem:
            raise ValidationFailed.field("password", problem)
        user.password_hash = hash_password(data["password"])
    if "team_id" in data:
        _check_team(session, data["team_id"])
        user.team_id = data["team_id"]
    if "roles" in data:
        if user.id == principal.id and ADMIN not in data["roles"]:
            raise ValidationFailed.field("roles", "an admin cannot remove their own admin role")
        user.roles = sorted(set(data["roles"]))
    for name in ("active", "display_name", "email"):
        if name in data:
            setattr(user, name, data[name])
    user.updated_at = utcnow()
    if "password" in data or not user.active:
        revoke_refresh_tokens(session, user.id)
    revoke = "password" in data or before != (user.active, sorted(user.roles), user.team_id)
    if revoke:
        # Every token issued so far carries the old rights (or was got with
        # the old password): refuse them all from now on, everywhere.
        user.tokens_valid_after = user.updated_at
    if revoke or admin_fields & data.keys():
        outbox.publish(session, "user.updated", _user_event(user), subject=user.id)
    return user


def _failures_since(session: Session, *conditions: Any) -> list[datetime]:
    return list(
        session.scalars(
            select(LoginAttempt.at).where(LoginAttempt.succeeded.is_(False), *conditions)
        ).all()
    )


def _last_success(session: Session, *conditions: Any) -> datetime | None:
    return session.scalar(
        select(func.max(LoginAttempt.at)).where(LoginAttempt.succeeded.is_(True), *conditions)
    )


def authenticate(
    session: Session, username: str, password: str, client: str, policy: ThrottlePolicy
) -> User:
    """The active user with these credentials; every try is recorded and throttled.

    Throttling counts failures per username *and address*, so an attacker
    guessing from elsewhere never locks the user out of their own address;
    an address failing for many usernames is refused too, and so is a
    username failing from many addresses, except from an address it signed
    in from before (a known address).
    """
    username = username.strip().lower()
    client = client[:64]
    now = utcnow()
    since = now - policy.window
    same_user = LoginAttempt.username == username
    same_client = LoginAttempt.client == client
    pair_success = _last_success(session, same_user, same_client)
    pair_since = max(since, pair_success) if pair_success else since
    pair_failures = _failures_since(session, same_user, same_client, LoginAttempt.at > pair_since)
    client_failures = _failures_since(session, same_client, LoginAttempt.at > since)
    known_address = pair_success is not None
    user_failures = (
        [] if known_address else _failures_since(session, same_user, LoginAttempt.at > since)
    )
    wait = retry_after(policy, pair_failures, client_failures, user_failures, now)
    if wait is not None:
        raise TooManyRequests("too many failed sign-ins; try again later", retry_after=wait)
    user = session.scalars(select(User).where(User.username == username)).first()
    ok = verify_password(user.password_hash if user else None, password)
    ok = ok and user is not None and user.active
    session.add(LoginAttempt(username=username, client=client, succeeded=ok, at=now))
    if not ok:
        # The failure must be remembered even though the request fails.
        session.commit()
        raise Unauthorized("wrong username or password")
    assert user is not None
    if needs_rehash(user.password_hash):
        # Hashes from older parameters are upgraded the moment we see the password.
        user.password_hash = hash_password(password)
    return user


def token_claims(user: User, *, issuer: str, audience: str, ttl: int) -> dict[str, Any]:
    """The claims of an access token for ``user``."""
    now = utcnow()
    return {
        "sub": str(user.id),
        "username": user.username,
        "roles": sorted(user.roles),
        "team_id": str(user.team_id) if user.team_id else None,
        "iss": issuer,
        "aud": audience,
        # Sub-second, so a token issued right after a revocation (in the same
        # second) is not mistaken for one issued before it.
        "iat": now.timestamp(),
        "exp": now + timedelta(seconds=ttl),
        "jti": uuid.uuid4().hex,
    }


def standing(db: Database) -> Callable[[uuid.UUID], tuple[bool, datetime | None]]:
    """The gateway's answer to "does this user's token still count?", from its users."""

    def lookup(user_id: uuid.UUID) -> tuple[bool, datetime | None]:
        with db.session() as session:
            row = session.execute(
                select(User.active, User.tokens_valid_after).where(User.id == user_id)
            ).first()
        # A token naming a user the gateway does not have is never valid here.
        return (bool(row.active), row.tokens_valid_after) if row else (False, None)

    return lookup


def prune_login_attempts(db: Database, _settings: Settings) -> None:
    """Forget sign-in attempts older than a day (a scheduled job)."""
    from sqlalchemy import delete

    with db.transaction() as session:
        session.execute(delete(LoginAttempt).where(LoginAttempt.at < utcnow() - timedelta(days=1)))


def bootstrap(db: Database, settings: Settings) -> None:
    """First start: create a signing key and the first admin.

    The admin's password is ``CRM_ADMIN_PASSWORD`` when set; otherwise one is
    generated and printed once. There is no built-in default password.
    """
    cipher = make_cipher(settings.extra["key_encryption"], embedded=settings.is_sqlite)
    with db.transaction() as session:
        ensure_signing_key(session, cipher)
        has_admin = any(ADMIN in (roles or []) for roles in session.scalars(select(User.roles)))
        if has_admin:
            return
        username = settings.extra["admin_username"]
        password = settings.extra["admin_password"]
        generated = password is None
        if generated:
            password = secrets.token_urlsafe(18)
        problem = password_problem(password, username)
        if problem:
            raise SystemExit(f"CRM_ADMIN_PASSWORD {problem}")
        existing = session.scalars(select(User).where(User.username == username)).first()
        if existing is not None:
            existing.roles = sorted(set(existing.roles) | {ADMIN})
            return
        user = User(
            id=uuid.uuid4(),
            username=username,
            password_hash=hash_password(password),
            roles=[ADMIN],
            active=True,
            created_at=utcnow(),
            updated_at=utcnow(),
        )
        session.add(user)
        outbox.publish(session, "user.created", _user_event(user), subject=user.id)
    if generated:
        print(
            f"\n  First admin created: username '{username}', password '{password}'\n"
            "  (shown once; set CRM_ADMIN_PASSWORD to choose it yourself)\n",
            file=sys.stderr,
            flush=True,
        )
