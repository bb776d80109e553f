"""Who is calling, and what they may see.

The gateway signs short-lived access tokens (RS256) and publishes its public
keys as JWKS. Every service verifies tokens itself with
:class:`TokenVerifier` (algorithm pinned; signature, ``exp``, ``iss`` and
``aud`` checked) and applies the caller's data scope: a rep sees their own
records, a manager their team's, an admin everything.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import jwt
from sqlalchemy import ColumnElement, false, or_, true

from .errors import ServiceUnavailable, Unauthorized

ALGORITHM = "RS256"

ADMIN = "admin"
MANAGER = "manager"
REP = "rep"
SERVICE_AGENT = "service_agent"
# Finance approves invoices and payouts and reads money figures across teams.
FINANCE = "finance"
ROLES = (ADMIN, MANAGER, REP, SERVICE_AGENT, FINANCE)


class Scope(enum.Enum):
    """How much of the data a caller may see."""

    OWN = "own"
    TEAM = "team"
    ALL = "all"


@dataclass(frozen=True)
class Principal:
    """The verified caller."""

    id: uuid.UUID
    username: str
    roles: frozenset[str] = field(default_factory=frozenset)
    team_id: uuid.UUID | None = None

    def has_role(self, *roles: str) -> bool:
        """True when the caller holds any of ``roles``."""
        return bool(self.roles.intersection(roles))

    @property
    def is_admin(self) -> bool:
        """Admins see and may do everything."""
        return ADMIN in self.roles

    @property
    def scope(self) -> Scope:
        """The widest scope any of the caller's roles grants."""
        if ADMIN in self.roles:
            return Scope.ALL
        if MANAGER in self.roles and self.team_id is not None:
            return Scope.TEAM
        return Scope.OWN


def can_see(principal: Principal, owner_id: uuid.UUID | None, team_id: uuid.UUID | None) -> bool:
    """Whether a record owned by ``owner_id`` in ``team_id`` is in the caller's scope."""
    scope = principal.scope
    if scope is Scope.ALL:
        return True
    if owner_id is not None and owner_id == principal.id:
        return True
    return scope is Scope.TEAM and team_id is not None and team_id == principal.team_id


def scope_clause(
    principal: Principal, owner_column: Any, team_column: Any | None = None
) -> ColumnElement[bool]:
    """A SQL condition selecting the rows ``principal`` may see."""
    scope = principal.scope
    if scope is Scope.ALL:
        return true()
    own = owner_column == principal.id
    if scope is Scope.TEAM and team_column is not None:
        return or_(own, team_column == principal.team_id)
    return own if owner_column is not None else false()


def _uuid_or_none(value: Any) -> uuid.UUID | None:
    if value in (None, ""):
        return None
    return uuid.UUID(str(value))


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    """Build a Principal from verified token claims."""
    roles = claims.get("roles") or []
    if not isinstance(roles, list):
        raise Unauthorized("token roles claim is malformed")
    return Principal(
        id=uuid.UUID(str(claims["sub"])),
        username=str(claims.get("username", "")),
        roles=frozenset(str(r) for r in roles if r in ROLES),
        team_id=_uuid_or_none(claims.get("team_id")),
    )


KeyResolver = Callable[[str | None], Any]


class TokenVerifier:
    """Verifies bearer tokens signed by the gateway.

    Keys come from a resolver (key id → public key): :meth:`from_jwks_url`
    fetches and caches the gateway's JWKS, refetching once for an unknown
    key id (key rotation); :meth:`from_keys` trusts a fixed set (tests, and
    the gateway verifying its own tokens from its database).
    """

    def __init__(
        self, *, issuer: str, audience: str, resolve_key: KeyResolver, leeway: int = 10
    ) -> None:
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway
        self.resolve_key = resolve_key

    @classmethod
    def from_jwks_url(cls, url: str, *, issuer: str, audience: str) -> TokenVerifier:
        """Verify with the keys published at ``url``."""
        client = jwt.PyJWKClient(url, cache_keys=True, lifespan=300, timeout=5)

        def resolve(kid: str | None) -> Any:
            try:
                return client.get_signing_key(kid).key if kid else None
            except jwt.PyJWKClientConnectionError as exc:
                raise ServiceUnavailable(
                    "cannot fetch the gateway's signing keys", retry_after=5
                ) from exc
            except jwt.PyJWKClientError:
                return None

        return cls(issuer=issuer, audience=audience, resolve_key=resolve)

    @classmethod
    def from_keys(
        cls, keys: Iterable[tuple[str, Any]], *, issuer: str, audience: str
    ) -> TokenVerifier:
        """Verify with a fixed set of (key id, public key)."""
        table = dict(keys)
        return cls(issuer=issuer, audience=audience, resolve_key=table.get)

    def verify(self, token: str) -> Principal:
        """Return the caller named by a valid token; raise Unauthorized otherwise."""
        try:
            header = jwt.get_unverified_header(token)
            if header.get("alg") != ALGORITHM:
                raise Unauthorized(f"tokens must be signed with {ALGORITHM}")
            key = self.resolve_key(header.get("kid"))
            if key is None:
                raise Unauthorized("token signed with an unknown key")
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("token expired") from exc
        except jwt.InvalidTokenError as exc:
            raise Unauthorized(f"invalid token: {exc}") from exc
        try:
            return principal_from_claims(claims)
        except (KeyError, ValueError) as exc:
            raise Unauthorized("token claims are malformed") from exc
