"""Tokens like the gateway's, signed with a key made for the test run, and test callers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ..auth import TokenVerifier

ISSUER = "crm-gateway"
AUDIENCE = "crm"


class TokenFactory:
    """Signs tokens the way the gateway does, with a key made for the test run."""

    def __init__(self) -> None:
        self.kid = f"test-{uuid.uuid4().hex[:8]}"
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.public_key = self.private_key.public_key()
        self.issuer = ISSUER
        self.audience = AUDIENCE

    def token(
        self,
        *,
        user_id: uuid.UUID | str | None = None,
        roles: tuple[str, ...] | list[str] = ("rep",),
        team_id: uuid.UUID | str | None = None,
        username: str = "tester",
        ttl: int = 900,
        **overrides: Any,
    ) -> str:
        """A signed access token; ``overrides`` replace claims (to forge bad ones)."""
        now = datetime.now(UTC)
        claims: dict[str, Any] = {
            "sub": str(user_id or uuid.uuid4()),
            "username": username,
            "roles": list(roles),
            "team_id": str(team_id) if team_id else None,
            "iss": self.issuer,
            "aud": self.audience,
            "iat": now,
            "exp": now + timedelta(seconds=ttl),
        }
        claims.update(overrides)
        return jwt.encode(claims, self.private_key, algorithm="RS256", headers={"kid": self.kid})

    def headers(self, **kwargs: Any) -> dict[str, str]:
        """An Authorization header for :meth:`token`."""
        return {"Authorization": f"Bearer {self.token(**kwargs)}"}

    def verifier(self) -> TokenVerifier:
        """A verifier that trusts this factory's key."""
        return TokenVerifier.from_keys(
            [(self.kid, self.public_key)], issuer=self.issuer, audience=self.audience
        )

    def private_pem(self) -> bytes:
        """The private key as PKCS#8 PEM."""
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )


class User:
    """A test caller: an id, a team and roles, with headers ready to send."""

    def __init__(
        self,
        tokens: TokenFactory,
        roles: tuple[str, ...] = ("rep",),
        team_id: uuid.UUID | None = None,
        username: str | None = None,
    ) -> None:
        self.id = uuid.uuid4()
        self.team_id = team_id
        self.roles = roles
        self.username = username or f"user-{self.id.hex[:6]}"
        self.headers = tokens.headers(
            user_id=self.id, roles=roles, team_id=team_id, username=self.username
        )
