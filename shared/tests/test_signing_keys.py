"""Signing keys held by a service: fetched before traffic, refreshed once, old kept."""

from __future__ import annotations

import threading
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from crm_shared.auth import TokenVerifier
from crm_shared.errors import ServiceUnavailable
from crm_shared.signing_keys import SigningKeys


def _jwk(kid: str) -> dict:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    return {**RSAAlgorithm.to_jwk(key, as_dict=True), "kid": kid, "alg": "RS256", "use": "sig"}


class _Gateway:
    """A stand-in JWKS endpoint that counts fetches and can be slow or down."""

    def __init__(self, *kids: str) -> None:
        self.keys = [_jwk(k) for k in kids]
        self.calls = 0
        self.down = False
        self.delay = 0.0

    def __call__(self) -> dict:
        self.calls += 1
        if self.delay:
            time.sleep(self.delay)  # holds the fetch in flight while others arrive
        if self.down:
            raise ConnectionError("gateway unreachable")
        return {"keys": list(self.keys)}


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_readiness_fetches_the_keys_before_any_request():
    gateway = _Gateway("k1")
    keys = SigningKeys(gateway, clock=_Clock())
    assert keys.readiness() == "ok"
    assert keys.key("k1") is not None
    keys.stop()


def test_not_ready_while_the_gateway_cannot_be_reached():
    gateway = _Gateway("k1")
    gateway.down = True
    keys = SigningKeys(gateway, clock=_Clock())
    assert keys.readiness().startswith("unavailable")
    keys.stop()


def test_a_burst_with_an_unknown_kid_triggers_one_fetch():
    gateway = _Gateway("k1")
    clock = _Clock()
    keys = SigningKeys(gateway, clock=clock, refresh_every=3600)
    keys.refresh()
    gateway.keys.append(_jwk("k2"))  # the gateway rotated
    clock.now += 60
    gateway.delay = 0.2
    before = gateway.calls
    found = []
    threads = [threading.Thread(target=lambda: found.append(keys.key("k2"))) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(k is not None for k in found) and len(found) == 50
    assert gateway.calls - before == 1, "one refresh, not one per request"
    keys.stop()


def test_made_up_kids_do_not_make_the_service_hammer_the_gateway():
    gateway = _Gateway("k1")
    clock = _Clock()
    keys = SigningKeys(gateway, clock=clock, refresh_every=3600, unknown_kid_every=10)
    keys.refresh()
    before = gateway.calls
    for n in range(20):
        assert keys.key(f"forged-{n}") is None
    assert gateway.calls == before
    clock.now += 11
    assert keys.key("forged-x") is None
    assert gateway.calls == before + 1


def test_old_keys_are_kept_while_a_refresh_fails():
    gateway = _Gateway("k1")
    clock = _Clock()
    keys = SigningKeys(gateway, clock=clock, refresh_every=3600)
    keys.refresh()
    gateway.down = True
    assert keys.refresh() is False
    assert keys.key("k1") is not None
    assert keys.readiness() == "ok"


def test_a_verifier_without_keys_answers_503_not_401(monkeypatch):
    verifier = TokenVerifier.from_jwks_url(
        "http://127.0.0.1:9/jwks.json", issuer="crm-gateway", audience="crm"
    )
    token = jwt.encode(
        {"sub": "x", "iat": 1, "exp": 2**31, "iss": "crm-gateway", "aud": "crm"},
        rsa.generate_private_key(public_exponent=65537, key_size=2048),
        algorithm="RS256",
        headers={"kid": "k1"},
    )
    with pytest.raises(ServiceUnavailable):
        verifier.verify(token)
    assert verifier.readiness().startswith("unavailable")
    verifier.key_source.stop()
