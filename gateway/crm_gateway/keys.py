"""Token signing keys: created once, kept in the gateway's database, published as JWKS."""

from __future__ import annotations

import base64
import hashlib
import threading
import time
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_shared.auth import ALGORITHM
from crm_shared.db import Database, utcnow

from .models import SigningKey


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


def ensure_signing_key(session: Session) -> None:
    """Create a signing key when none is active (first start)."""
    active = session.scalars(select(SigningKey).where(SigningKey.retired_at.is_(None))).first()
    if active is None:
        session.add(new_signing_key())


class KeyRing:
    """The gateway's keys, cached in process and reloaded periodically.

    Every gateway process signs with the newest active key and accepts any
    key not yet removed, so a rotation done by one process is picked up by
    the others within ``ttl`` seconds.
    """

    def __init__(self, db: Database, ttl: float = 60.0) -> None:
        self.db = db
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
        active = next((k for k in keys if k.retired_at is None), None)
        if active is None:
            raise RuntimeError("no signing key: run `python -m crm_gateway migrate` first")
        self._signing = (
            active.kid,
            serialization.load_pem_private_key(active.private_pem.encode(), password=None),
        )
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

    def jwks(self) -> dict[str, Any]:
        """The JSON Web Key Set services verify tokens with."""
        self._fresh()
        return {"keys": list(self._jwks)}
