"""Token signing keys: kept encrypted in the gateway's database, published as JWKS.

Private keys are stored encrypted (Fernet: AES-128-CBC + HMAC-SHA256) with a
key-encryption key from ``CRM_GATEWAY_KEY_ENCRYPTION_KEY`` or the file named
by ``CRM_GATEWAY_KEY_ENCRYPTION_KEY_FILE`` (a mounted secret). Outside
embedded mode the gateway refuses to start without one. A key stored in
plaintext by an older version is encrypted on the next start.

Rotation publishes a new key ahead of using it, and a retired key stays in
the JWKS until every token it signed has expired, then it is removed.
"""

from __future__ import annotations

import base64
import hashlib
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from crm_shared.auth import ALGORITHM
from crm_shared.db import Database, utcnow

from .models import SigningKey

_SEALED = "fernet:"


class KeyCipher:
    """Seals private keys at rest; without a key-encryption key it stores plaintext."""

    def __init__(self, secret: str | None) -> None:
        self._fernet = Fernet(secret.strip().encode()) if secret else None

    @property
    def enabled(self) -> bool:
        """Whether keys are encrypted at rest."""
        return self._fernet is not None

    def seal(self, pem: str) -> str:
        """The stored form of a private key PEM."""
        if self._fernet is None:
            return pem
        return _SEALED + self._fernet.encrypt(pem.encode()).decode()

    def open(self, stored: str) -> str:
        """The private key PEM from its stored form."""
        if not stored.startswith(_SEALED):
            return stored  # plaintext from before encryption; sealed on the next start
        if self._fernet is None:
            raise SystemExit(
                "signing keys are encrypted: set CRM_GATEWAY_KEY_ENCRYPTION_KEY(_FILE)"
            )
        try:
            return self._fernet.decrypt(stored[len(_SEALED) :].encode()).decode()
        except InvalidToken as exc:
            raise SystemExit(
                "CRM_GATEWAY_KEY_ENCRYPTION_KEY does not open the stored signing keys"
            ) from exc


def key_encryption_secret(environ: Any) -> str | None:
    """The key-encryption key from the environment or a mounted secret file."""
    direct = environ.get("CRM_GATEWAY_KEY_ENCRYPTION_KEY")
    if direct:
        return str(direct)
    path = environ.get("CRM_GATEWAY_KEY_ENCRYPTION_KEY_FILE")
    if path:
        try:
            return Path(path).read_text().strip() or None
        except OSError as exc:
            raise SystemExit(f"cannot read CRM_GATEWAY_KEY_ENCRYPTION_KEY_FILE: {exc}") from exc
    return None


def make_cipher(source: Any, *, embedded: bool) -> KeyCipher:
    """The cipher for this gateway; refuses to run unencrypted outside embedded mode.

    ``source`` holds ``CRM_GATEWAY_KEY_ENCRYPTION_KEY`` and/or ``..._FILE``.
    """
    secret = key_encryption_secret(source)
    if not secret and not embedded:
        raise SystemExit(
            "set CRM_GATEWAY_KEY_ENCRYPTION_KEY or CRM_GATEWAY_KEY_ENCRYPTION_KEY_FILE: "
            "signing keys are never stored unencrypted outside embedded mode (make one: python -c "
            "'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')"
        )
    try:
        return KeyCipher(secret)
    except ValueError as exc:
        raise SystemExit(
            "CRM_GATEWAY_KEY_ENCRYPTION_KEY must be a Fernet key (32 url-safe base64 bytes)"
        ) from exc


def new_signing_key() -> SigningKey:
    """A fresh RSA-2048 key; its id is derived from the public key."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_der = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    kid = base64.urlsafe_b64encode(hashlib.sha256(public_der).digest()[:12]).decode().rstrip("=")
    jwk = RSAAlgorithm.to_jwk(private.public_key(), as_dict=True)
    jwk.update({"kid": kid, "use": "sig", "alg": ALGORITHM})
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return SigningKey(kid=kid, private_pem=pem, public_jwk=jwk, created_at=utcnow())


def ensure_signing_key(session: Session, cipher: KeyCipher) -> None:
    """Create a signing key when none is active (first start); seal plaintext ones."""
    keys = session.scalars(select(SigningKey)).all()
    if cipher.enabled:
        for key in keys:
            if not key.private_pem.startswith(_SEALED):
                key.private_pem = cipher.seal(key.private_pem)
    if not any(k.retired_at is None for k in keys):
        key = new_signing_key()
        key.private_pem = cipher.seal(key.private_pem)
        session.add(key)


def rotate_signing_key(
    session: Session, cipher: KeyCipher, token_ttl: int, publish_ahead: int
) -> tuple[str, datetime]:
    """Create the next signing key; returns its id and when it starts signing.

    The new key is published in the JWKS at once but signs only after
    ``publish_ahead`` seconds, by when every service has fetched it in its
    background refresh: no request ever carries a key id a service does not
    know. The old key signs until then, and stays published until the last
    token it signed expires (``token_ttl`` plus a minute of clock leeway).
    """
    now = utcnow()
    switch = now + timedelta(seconds=publish_ahead)
    for key in session.scalars(select(SigningKey).where(SigningKey.retired_at.is_(None))):
        key.retired_at = switch
    session.execute(
        delete(SigningKey).where(SigningKey.retired_at < expired_before(now, token_ttl))
    )
    fresh = new_signing_key()
    fresh.private_pem = cipher.seal(fresh.private_pem)
    session.add(fresh)
    return fresh.kid, switch


def expired_before(now: datetime, token_ttl: int) -> datetime:
    """Keys retired before this instant signed no token that is still valid."""
    return now - timedelta(seconds=token_ttl + 60)


class KeyRing:
    """The gateway's keys, cached in process and reloaded periodically.

    Every gateway process signs with the newest active key and accepts any
    key not yet removed, so a rotation done by one process is picked up by
    the others within ``ttl`` seconds.
    """

    def __init__(self, db: Database, cipher: KeyCipher, token_ttl: int, ttl: float = 60.0) -> None:
        self.db = db
        self.cipher = cipher
        self.token_ttl = token_ttl
        self.ttl = ttl
        self._lock = threading.Lock()
        self._loaded = 0.0
        self._signing: tuple[str, Any] | None = None
        self._public: dict[str, Any] = {}
        self._jwks: list[dict[str, Any]] = []

    def _load(self) -> None:
        # Read-only: this may run inside a request that holds the write lock.
        with self.db.reading() as session:
            keys = session.scalars(select(SigningKey).order_by(SigningKey.created_at.desc())).all()
        now = utcnow()
        # The oldest key still within its signing period signs: a retiring
        # key until its switch-over, then its successor.
        signing = [k for k in keys if k.retired_at is None or k.retired_at > now]
        active = signing[-1] if signing else None
        if active is None:
            raise RuntimeError("no signing key: run `python -m crm_gateway migrate` first")
        pem = self.cipher.open(active.private_pem)
        self._signing = (
            active.kid,
            serialization.load_pem_private_key(pem.encode(), password=None),
        )
        cutoff = expired_before(now, self.token_ttl)
        keys = [k for k in keys if k.retired_at is None or k.retired_at >= cutoff]
        self._public = {k.kid: RSAAlgorithm.from_jwk(k.public_jwk) for k in keys}
        self._jwks = [k.public_jwk for k in keys]
        self._loaded = time.monotonic()

    def _fresh(self, force: bool = False) -> None:
        with self._lock:
            stale = time.monotonic() - self._loaded > self.ttl
            if self._signing is None or stale or (force and time.monotonic() - self._loaded > 5):
                self._load()

    def sign(self, claims: dict[str, Any]) -> str:
        """A token over ``claims`` signed with the active key."""
        self._fresh()
        assert self._signing is not None
        kid, key = self._signing
        return jwt.encode(claims, key, algorithm=ALGORITHM, headers={"kid": kid})

    def public_key(self, kid: str | None) -> Any:
        """The public key for ``kid``, reloading once if it is unknown."""
        self._fresh()
        if kid not in self._public:
            self._fresh(force=True)
        return self._public.get(kid) if kid else None

    def reload(self) -> None:
        """Read the keys again now (after a rotation in this process)."""
        with self._lock:
            self._load()

    def jwks(self) -> dict[str, Any]:
        """The JSON Web Key Set services verify tokens with."""
        self._fresh()
        return {"keys": list(self._jwks)}
