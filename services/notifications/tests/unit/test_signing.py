"""Standard Webhooks signing: the specification's own vector, verification and its refusals."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notifications.outbound import signing
from notifications.outbound.signing import SignatureError, headers, new_secret, sign, verify

# The example of the Standard Webhooks specification.
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SPEC_TS = 1614265330
SPEC_BODY = b'{"test": 2432232314}'


def test_the_specification_vector_signs_as_published() -> None:
    assert (
        sign(SPEC_SECRET, SPEC_ID, SPEC_TS, SPEC_BODY)
        == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    )


def test_a_receiver_verifies_a_signed_delivery() -> None:
    sent = headers([SPEC_SECRET], SPEC_ID, SPEC_TS, SPEC_BODY)
    assert set(sent) == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    verify(SPEC_SECRET, {k.title(): v for k, v in sent.items()}, SPEC_BODY, now=SPEC_TS + 10)


def test_tampered_old_or_unsigned_deliveries_are_refused() -> None:
    sent = headers([SPEC_SECRET], SPEC_ID, SPEC_TS, SPEC_BODY)
    with pytest.raises(SignatureError, match="no v1 signature"):
        verify(SPEC_SECRET, sent, SPEC_BODY + b" ", now=SPEC_TS)
    with pytest.raises(SignatureError, match="no v1 signature"):
        verify(new_secret(), sent, SPEC_BODY, now=SPEC_TS)
    with pytest.raises(SignatureError, match="tolerance"):
        verify(SPEC_SECRET, sent, SPEC_BODY, now=SPEC_TS + 301)
    with pytest.raises(SignatureError, match="missing header webhook-signature"):
        verify(
            SPEC_SECRET,
            {"webhook-id": SPEC_ID, "webhook-timestamp": str(SPEC_TS)},
            SPEC_BODY,
            now=SPEC_TS,
        )


def test_during_a_rotation_either_secret_verifies() -> None:
    old, new = new_secret(), new_secret()
    sent = headers([new, old], "evt_1", 100, b"{}")
    assert len(sent["webhook-signature"].split()) == 2
    verify(old, sent, b"{}", now=100)
    verify(new, sent, b"{}", now=100)


def test_secrets_are_whsec_base64_and_malformed_ones_refused() -> None:
    secret = new_secret()
    assert secret.startswith("whsec_") and len(signing.secret_key(secret)) == 24
    for bad in ("whsec_not base64!", "whsec_c2hvcnQ="):
        with pytest.raises(ValueError):
            signing.secret_key(bad)


@given(st.binary(max_size=500), st.text(min_size=1, max_size=40).filter(lambda s: " " not in s))
def test_any_body_round_trips(body: bytes, message_id: str) -> None:
    secret = new_secret()
    verify(secret, headers([secret], message_id, 1_700_000_000, body), body, now=1_700_000_000)
