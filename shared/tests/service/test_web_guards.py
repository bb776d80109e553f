"""The web additions for intake at peaks: overload shedding, per-view body limits,
a database outage as 503, verified tokens remembered briefly."""

from __future__ import annotations

import threading

from flask import Flask
from sqlalchemy.exc import OperationalError

from crm_shared.config import Settings
from crm_shared.service import ServiceSpec
from crm_shared.tables import platform_metadata
from crm_shared.testing import TokenFactory
from crm_shared.web import (
    Blueprint,
    body_limit,
    create_service_app,
    install_overload_guard,
    public,
)

from ..conftest import probe_metadata

blp = Blueprint("guarded", __name__, url_prefix="/api/v1/guarded")
gate = threading.Event()
entered = threading.Event()


@blp.post("/slow")
@public
def slow():
    entered.set()
    gate.wait(5)
    return {"ok": True}


@blp.post("/big")
@public
@body_limit(10)
def big():
    from flask import request

    return {"size": len(request.get_data())}


@blp.get("/db-down")
@public
def db_down():
    raise OperationalError("SELECT 1", {}, Exception("connection refused"))


@blp.get("/me")
def me():
    from crm_shared.web import current_principal

    return {"id": str(current_principal().id)}


def make_app(
    tmp_path, tokens: TokenFactory, max_in_flight: int = 0, slot_wait: float = 0.0
) -> Flask:
    spec = ServiceSpec(
        name="probe",
        import_name="probe",
        title="Probe",
        metadata=probe_metadata,
        blueprints=lambda: [blp],
        port=0,
        init_app=lambda app: install_overload_guard(
            app, max_in_flight, slot_wait_seconds=slot_wait
        ),
    )
    settings = Settings(
        service="probe",
        database_url=f"sqlite:///{tmp_path / 'w.db'}",
        broker_url="memory://",
        jwks_url="file:///dev/null",
        jwt_issuer=tokens.issuer,
        jwt_audience=tokens.audience,
    )
    app = create_service_app(spec, settings, verifier=tokens.verifier())
    platform_metadata.create_all(app.extensions["crm"].db.engine)
    return app


def test_overload_is_shed_with_retry_after(tmp_path, tokens):
    app = make_app(tmp_path, tokens, max_in_flight=1)
    gate.clear()
    entered.clear()
    first: dict = {}
    worker = threading.Thread(
        target=lambda: first.setdefault("r", app.test_client().post("/api/v1/guarded/slow"))
    )
    worker.start()
    assert entered.wait(5)
    shed = app.test_client().post("/api/v1/guarded/slow")
    assert shed.status_code == 503
    assert shed.headers["Retry-After"] == "1"
    assert app.test_client().get("/healthz").status_code == 200  # never shed
    gate.set()
    worker.join(5)
    assert first["r"].status_code == 200
    assert app.test_client().post("/api/v1/guarded/slow").status_code == 200


def test_a_request_past_the_limit_waits_for_a_slot_within_its_budget(tmp_path, tokens):
    app = make_app(tmp_path, tokens, max_in_flight=1, slot_wait=10.0)
    gate.clear()
    entered.clear()
    answers: dict = {}

    def call(name):
        answers[name] = app.test_client().post("/api/v1/guarded/slow")

    first = threading.Thread(target=call, args=("first",))
    first.start()
    assert entered.wait(5)
    entered.clear()
    second = threading.Thread(target=call, args=("second",))
    second.start()
    # The second waits for the slot instead of being refused ...
    assert not entered.wait(0.3) and "second" not in answers
    gate.set()  # ... and is served once the first is done
    first.join(5)
    second.join(5)
    assert answers["first"].status_code == 200
    assert answers["second"].status_code == 200


def test_a_request_that_waited_out_its_slot_budget_is_refused(tmp_path, tokens):
    app = make_app(tmp_path, tokens, max_in_flight=1, slot_wait=0.05)
    gate.clear()
    entered.clear()
    first: dict = {}
    worker = threading.Thread(
        target=lambda: first.setdefault("r", app.test_client().post("/api/v1/guarded/slow"))
    )
    worker.start()
    assert entered.wait(5)
    shed = app.test_client().post("/api/v1/guarded/slow")
    assert shed.status_code == 503
    assert shed.headers["Retry-After"] == "1"
    gate.set()
    worker.join(5)
    assert first["r"].status_code == 200


def test_a_view_may_take_less_than_the_default_body(tmp_path, tokens):
    client = make_app(tmp_path, tokens).test_client()
    assert client.post("/api/v1/guarded/big", data=b"x" * 10).json == {"size": 10}
    refused = client.post("/api/v1/guarded/big", data=b"x" * 11)
    assert refused.status_code == 413
    assert refused.content_type == "application/problem+json"


def test_an_unreachable_database_is_503_with_retry_after(tmp_path, tokens):
    response = make_app(tmp_path, tokens).test_client().get("/api/v1/guarded/db-down")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "2"


def test_verified_tokens_are_remembered_but_never_past_expiry(tmp_path, tokens):
    from crm_shared.web import _VerifiedTokens

    client = make_app(tmp_path, tokens).test_client()
    headers = tokens.headers()
    assert client.get("/api/v1/guarded/me", headers=headers).status_code == 200
    assert client.get("/api/v1/guarded/me", headers=headers).status_code == 200
    now = [1_800_000_000.0]
    cache = _VerifiedTokens(ttl=60, clock=lambda: now[0])
    principal = object()
    cache.put("t", principal, now[0] + 0.3)
    assert cache.get("t") is principal
    now[0] += 0.4
    assert cache.get("t") is None  # the token's own expiry bounds the memory
    cache = _VerifiedTokens(ttl=0.2, clock=lambda: now[0])
    cache.put("t", principal, now[0] + 3600)
    now[0] += 0.19
    assert cache.get("t") is principal
    now[0] += 0.02
    assert cache.get("t") is None
