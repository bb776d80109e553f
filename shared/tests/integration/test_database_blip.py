"""After a database blip the next request succeeds: stale pooled connections are replaced."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from crm_shared.db import Database
from crm_shared.testing import TcpProxy
from crm_shared.web import create_service_app

from ..conftest import PROBE

pytestmark = pytest.mark.integration


@pytest.fixture
def proxied_database(pg_database):
    """A fresh PostgreSQL database reached through a TcpProxy the test can cut."""
    url = make_url(pg_database("blip"))
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    via = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    yield via, proxy
    proxy.close()


def test_readyz_recovers_by_itself_after_the_database_comes_back(
    proxied_database, probe_settings, tokens
):
    url, proxy = proxied_database
    settings = probe_settings(url, "memory://", "blip")
    app = create_service_app(PROBE, settings, verifier=tokens.verifier())
    client = app.test_client()
    try:
        assert client.get("/readyz").status_code == 200
        proxy.down()  # cuts the pooled connection under the pool's feet
        assert client.get("/readyz").status_code == 503
        proxy.up()
        answer = client.get("/readyz")
        assert answer.status_code == 200, answer.get_json()
        assert answer.get_json()["checks"]["database"] == "ok"
    finally:
        app.extensions["crm"].db.dispose()


def test_the_first_transaction_after_a_blip_succeeds(proxied_database):
    url, proxy = proxied_database
    db = Database(url, service="probe")
    try:
        with db.transaction() as session:
            assert session.execute(text("SELECT 1")).scalar() == 1
        proxy.down()
        proxy.up()
        with db.transaction() as session:
            assert session.execute(text("SELECT 2")).scalar() == 2
    finally:
        db.dispose()
