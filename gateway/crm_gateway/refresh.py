"""Refresh tokens: long-lived, single use, rotated in families, stored hashed.

Each sign-in starts a family. Using a refresh token marks it used and
issues the next one of the family; presenting a used token again means it
was copied, so the whole family is revoked (RFC 9700, refresh token
rotation). Sign-out revokes the family; disabling a user or changing their
password revokes every family of theirs.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from crm_shared.db import utcnow
from crm_shared.errors import Unauthorized

from .models import RefreshToken, User


def _digest(token: str) -> str:
    # The tokens are 256 random bits: a plain SHA-256 is as good as a slow
    # hash here, and lets the token be found by its digest.
    return hashlib.sha256(token.encode()).hexdigest()


def issue(
    session: Session, user_id: uuid.UUID, ttl: int, family_id: uuid.UUID | None = None
) -> str:
    """A new refresh token for ``user_id`` (a new family unless one is given)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        RefreshToken(
            id=uuid.uuid4(),
            family_id=family_id or uuid.uuid4(),
            user_id=user_id,
            token_hash=_digest(token),
            created_at=now,
            expires_at=now + timedelta(seconds=ttl),
        )
    )
    return token


def _revoke_family(session: Session, family_id: uuid.UUID) -> None:
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def rotate(session: Session, token: str, ttl: int) -> tuple[User, str]:
    """Exchange ``token`` for its user and the family's next refresh token."""
    found = session.scalars(
        select(RefreshToken).where(RefreshToken.token_hash == _digest(token)).with_for_update()
    ).first()
    if found is None or found.revoked_at is not None:
        raise Unauthorized("refresh token is not valid; sign in again")
    if found.used_at is not None:
        # A rotated token came back: someone holds a copy. End the family,
        # and commit that even though this request fails.
        _revoke_family(session, found.family_id)
        session.commit()
        raise Unauthorized("refresh token was already used; sign in again")
    user = session.get(User, found.user_id)
    if found.expires_at <= utcnow() or user is None or not user.active:
        raise Unauthorized("refresh token is not valid; sign in again")
    found.used_at = utcnow()
    return user, issue(session, user.id, ttl, found.family_id)


def sign_out(session: Session, token: str) -> None:
    """Revoke the family of ``token``; an unknown token changes nothing."""
    found = session.scalars(
        select(RefreshToken).where(RefreshToken.token_hash == _digest(token))
    ).first()
    if found is not None:
        _revoke_family(session, found.family_id)


def revoke_refresh_tokens(session: Session, user_id: uuid.UUID) -> None:
    """Revoke every refresh token of ``user_id`` (disabled, or a new password)."""
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
