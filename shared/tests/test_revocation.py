"""A revoked token is refused: by the cut-off in the directory copy, at once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from crm_shared.auth import Principal, Revocations
from crm_shared.errors import Unauthorized

leads_service = pytest.importorskip("leads.service")

T0 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _principal(issued: datetime) -> Principal:
    return Principal(uuid.uuid4(), "li", frozenset({"rep"}), issued_at=issued.timestamp())


def test_a_token_issued_before_the_cut_off_is_refused_and_after_it_accepted():
    standing = {"cutoff": T0}
    checks = Revocations(lambda _id: (True, standing["cutoff"]), ttl=0)
    with pytest.raises(Unauthorized):
        checks.check(_principal(T0 - timedelta(milliseconds=1)))
    checks.check(_principal(T0 + timedelta(milliseconds=1)))


def test_a_disabled_user_is_refused_whatever_the_token():
    checks = Revocations(lambda _id: (False, None), ttl=0)
    with pytest.raises(Unauthorized):
        checks.check(_principal(T0))


def test_standing_is_remembered_for_at_most_the_ttl():
    calls: list[uuid.UUID] = []
    state = {"active": True}

    def lookup(user_id):
        calls.append(user_id)
        return state["active"], None

    clock = _Clock()
    checks = Revocations(lookup, ttl=0.5, clock=clock)
    who = _principal(T0)
    checks.check(who)
    checks.check(who)
    assert len(calls) == 1, "a busy service reads each user once per ttl"
    state["active"] = False
    clock.now += 0.49
    checks.check(who)  # still within the ttl: the old answer
    clock.now += 0.02
    with pytest.raises(Unauthorized):
        checks.check(who)
    assert len(calls) == 2


@pytest.fixture
def clock():
    return _Clock()


@pytest.fixture
def leads(harness_factory, clock):
    harness = harness_factory(leads_service.SERVICE)
    harness.app.extensions["crm"].verifier.revocations.clock = clock
    return harness


def _user_updated(h, user_id, *, active=True, cutoff=None):
    data = {
        "user_id": user_id,
        "username": "li.wei",
        "roles": ["rep"],
        "team_id": None,
        "active": active,
        "tokens_valid_after": cutoff,
    }
    return h.event("user.updated", data, source="gateway")


def test_a_service_refuses_a_token_issued_before_the_users_cut_off(leads, tokens, clock):
    user_id = uuid.uuid4()
    issued = datetime.now(UTC) - timedelta(seconds=30)
    old = {"Authorization": f"Bearer {tokens.token(user_id=user_id, iat=issued)}"}
    assert leads.client.get("/api/v1/leads", headers=old).status_code == 200
    assert leads.deliver(_user_updated(leads, user_id, cutoff=issued + timedelta(seconds=1)))
    clock.now += 0.5  # the per-process cache holds a standing for at most half a second
    refused = leads.client.get("/api/v1/leads", headers=old)
    assert refused.status_code == 401
    assert refused.content_type == "application/problem+json"
    fresh = {"Authorization": f"Bearer {tokens.token(user_id=user_id)}"}
    assert leads.client.get("/api/v1/leads", headers=fresh).status_code == 200


def test_a_service_refuses_every_token_of_a_disabled_user(leads, tokens, clock):
    user_id = uuid.uuid4()
    headers = {"Authorization": f"Bearer {tokens.token(user_id=user_id)}"}
    assert leads.client.get("/api/v1/leads", headers=headers).status_code == 200
    assert leads.deliver(_user_updated(leads, user_id, active=False))
    clock.now += 0.5
    assert leads.client.get("/api/v1/leads", headers=headers).status_code == 401
