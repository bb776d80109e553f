"""Signing keys at rest: encrypted with a key from the environment or a file; rotation."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest
from cryptography.fernet import Fernet
from jwt.algorithms import RSAAlgorithm
from sqlalchemy import select

from crm_gateway.keys import make_cipher
from crm_gateway.models import SigningKey
from crm_gateway.service import SERVICE
from crm_shared.auth import TokenVerifier
from crm_shared.migrations import upgrade


def _stored(gw) -> list[str]:
    with gw.db.session() as session:
        return list(session.scalars(select(SigningKey.private_pem)))


def test_keys_are_stored_encrypted_and_still_sign(make_gateway, login):
    gw = make_gateway(CRM_GATEWAY_KEY_ENCRYPTION_KEY=Fernet.generate_key().decode())
    stored = _stored(gw)
    assert stored and not any("PRIVATE KEY" in pem for pem in stored)
    assert login(gw).status_code == 200


def test_the_key_can_come_from_a_mounted_secret_file(make_gateway, login, tmp_path):
    secret = tmp_path / "kek"
    secret.write_text(Fernet.generate_key().decode() + "\n")
    gw = make_gateway(CRM_GATEWAY_KEY_ENCRYPTION_KEY_FILE=str(secret))
    assert not any("PRIVATE KEY" in pem for pem in _stored(gw))
    assert login(gw).status_code == 200


def test_plaintext_keys_are_encrypted_on_the_next_start(make_gateway, harness_factory, login):
    plain = make_gateway()  # embedded mode without a key: plaintext, as before
    assert all("PRIVATE KEY" in pem for pem in _stored(plain))
    key = Fernet.generate_key().decode()
    environ = {"CRM_ADMIN_PASSWORD": "correct horse battery staple"}
    again = harness_factory(
        SERVICE,
        database_url=plain.settings.database_url,
        environ={**environ, "CRM_GATEWAY_KEY_ENCRYPTION_KEY": key},
    )
    assert not any("PRIVATE KEY" in pem for pem in _stored(again))
    assert login(again).status_code == 200


def test_outside_embedded_mode_the_gateway_refuses_to_start_without_a_key(pg_database):
    with pytest.raises(SystemExit, match="KEY_ENCRYPTION_KEY"):
        make_cipher({}, embedded=False)
    url = pg_database("gw")
    upgrade(SERVICE, url)
    from crm_shared.config import Env
    from crm_shared.db import Database

    settings = type("S", (), {})()
    settings.extra = SERVICE.extra_settings(Env({}))
    settings.is_sqlite = False
    db = Database(url, service="gateway", pool_size=1)
    try:
        with pytest.raises(SystemExit):
            SERVICE.bootstrap(db, settings)
    finally:
        db.dispose()


def test_a_bad_key_is_refused_with_a_clear_message():
    with pytest.raises(SystemExit, match="Fernet"):
        make_cipher({"CRM_GATEWAY_KEY_ENCRYPTION_KEY": "not-a-key"}, embedded=False)


def _kids(gw):
    return {k["kid"] for k in gw.client.get("/api/v1/auth/jwks.json").json["keys"]}


def _age_retirements(gw, **delta):
    # Move every retirement into the past, as if that much time had gone by.
    with gw.db.transaction() as session:
        for key in session.scalars(select(SigningKey).where(SigningKey.retired_at.is_not(None))):
            key.retired_at = key.retired_at - timedelta(**delta)
    gw.app.extensions["crm.keyring"].reload()


def test_rotation_publishes_the_new_key_first_and_keeps_the_old_until_its_tokens_expire(
    gw, bearer, login
):
    admin = bearer(gw)
    old_token = login(gw).json["access_token"]
    old_kid = jwt.get_unverified_header(old_token)["kid"]
    rotated = gw.client.post("/api/v1/auth/signing-keys/rotate", headers=admin)
    assert rotated.status_code == 200, rotated.json
    new_kid = rotated.json["kid"]
    assert _kids(gw) == {old_kid, new_kid}, "published before it signs anything"
    assert jwt.get_unverified_header(login(gw).json["access_token"])["kid"] == old_kid
    # After the switch-over the new key signs; the old one still verifies old tokens.
    _age_retirements(gw, seconds=361)
    assert jwt.get_unverified_header(login(gw).json["access_token"])["kid"] == new_kid
    jwks = gw.client.get("/api/v1/auth/jwks.json").json["keys"]
    verifier = TokenVerifier.from_keys(
        [(k["kid"], RSAAlgorithm.from_jwk(k)) for k in jwks], issuer="crm-gateway", audience="crm"
    )
    assert verifier.verify(old_token).username == "admin"
    # Once every token the old key signed has expired, it leaves the JWKS.
    _age_retirements(gw, seconds=900 + 61)
    assert _kids(gw) == {new_kid}


def test_only_admins_rotate(gw, bearer):
    gw.client.post(
        "/api/v1/users",
        json={"username": "rita", "password": "rita-long-secret-9", "roles": ["rep"]},
        headers=bearer(gw),
    )
    rep = bearer(gw, "rita", "rita-long-secret-9")
    assert gw.client.post("/api/v1/auth/signing-keys/rotate", headers=rep).status_code == 403
