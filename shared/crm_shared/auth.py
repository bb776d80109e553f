"""Who is calling, and what they may see.

The gateway signs short-lived access tokens (RS256) and publishes its public
keys as JWKS. Every service verifies tokens itself with
:class:`TokenVerifier` (algorithm pinned; signature, ``exp``, ``iss`` and
``aud`` checked) and applies the caller's data scope: a rep sees their own
records, a manager their team's, an admin everything.
"""

from __future__ import annotations

import enum
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import jwt
from sqlalchemy import ColumnElement, false, or_, true

from .errors import ServiceUnavailable, Unauthorized

ALGORITHM = "RS256"

ADMIN = "admin"
MANAGER = "manager"
REP = "rep"
SERVICE_AGENT = "service_agent"
ROLES = (ADMIN, MANAGER, REP, SERVICE_AGENT)


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
    # When the token was issued (its ``iat``, seconds since the epoch): a
    # token issued before the user's ``tokens_valid_after`` is refused.
    issued_at: float | None = field(default=None, compare=False)

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
        issued_at=float(claims["iat"]) if claims.get("iat") is not None else None,
    )


# user id -> (still active?, tokens issued before this instant are refused)
StandingLookup = Callable[[uuid.UUID], tuple[bool, datetime | None]]


class Revocations:
    """Refuses tokens of disabled users and tokens issued before a user's cut-off.

    The standing of a user (active, ``tokens_valid_after``) comes from
    ``lookup``: the gateway's own users table, or every other service's
    directory copy (crm_shared.directory). Answers are remembered per user for
    ``ttl`` seconds, so a busy service reads each user at most once per
    ``ttl`` while a change still takes effect within it.
    """

    def __init__(
        self,
        lookup: StandingLookup,
        *,
        ttl: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
        size: int = 10_000,
    ) -> None:
        self.lookup = lookup
        self.ttl = ttl
        self.clock = clock
        self.size = size
        self._known: dict[uuid.UUID, tuple[float, bool, datetime | None]] = {}
        self._lock = threading.Lock()

    def _standing(self, user_id: uuid.UUID) -> tuple[bool, datetime | None]:
        now = self.clock()
        found = self._known.get(user_id)
        if found is not None and now - found[0] < self.ttl:
            return found[1], found[2]
        active, cutoff = self.lookup(user_id)
        if self.ttl > 0:
            with self._lock:
                if len(self._known) >= self.size:
                    self._known.clear()  # bounded; refilled from live traffic
                self._known[user_id] = (now, active, cutoff)
        return active, cutoff

    def check(self, principal: Principal) -> None:
        """Raise Unauthorized when ``principal``'s token no longer counts."""
        active, cutoff = self._standing(principal.id)
        if not active:
            raise Unauthorized("this account is disabled")
        if cutoff is not None and (
            principal.issued_at is None or principal.issued_at < cutoff.timestamp()
        ):
            raise Unauthorized("token revoked: sign in again")


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
        # Set by the app factory (directory copy) or the gateway (its users).
        self.revocations: Revocations | None = None
        # Where published keys come from, when fetched (see from_jwks_url).
        self.key_source: Any = None

    def readiness(self) -> str:
        """``ok`` when tokens can be verified now (the signing keys are held)."""
        return "ok" if self.key_source is None else str(self.key_source.readiness())

    def check_current(self, principal: Principal) -> None:
        """Refuse a verified token that was revoked since it was issued."""
        if self.revocations is not None:
            self.revocations.check(principal)

    @classmethod
    def from_jwks_url(cls, url: str, *, issuer: str, audience: str) -> TokenVerifier:
        """Verify with the keys published at ``url``, held by :class:`SigningKeys`."""
        from .signing_keys import SigningKeys, http_fetch

        keys = SigningKeys(http_fetch(url))

        def resolve(kid: str | None) -> Any:
            key = keys.key(kid)
            if key is None and not keys.loaded:
                raise ServiceUnavailable("cannot fetch the gateway's signing keys", retry_after=5)
            return key

        verifier = cls(issuer=issuer, audience=audience, resolve_key=resolve)
        verifier.key_source = keys
        return verifier

    @classmethod
    def from_keys(
        cls, keys: Iterable[tuple[str, Any]], *, issuer: str, audience: str
    ) -> TokenVerifier:
        """Verify with a fixed set of (key id, public key)."""
        table = dict(keys)
        return cls(issuer=issuer, audience=audience, resolve_key=lambda kid: table.get(kid or ""))

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
