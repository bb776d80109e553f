"""Sign-in latency (p50 / p99) beside a bare Argon2id hash, measured in one run.

Builds the gateway app in this process on a throwaway PostgreSQL database
(the same app factory ``crm-up`` serves), creates a user, then signs in
``BENCH_SIGNINS`` times (default 60) through the app's HTTP interface and
prints the p50 / p99 next to the time of one bare ``argon2`` hash with the
same parameters: the part of a sign-in no code can avoid. Timings are
printed, never asserted. Environment: CRM_BENCH_DATABASE_URL.

    .venv/bin/python bench/signin.py
"""

from __future__ import annotations

import os
import statistics
import time
import uuid

from cryptography.fernet import Fernet
from sqlalchemy.engine import make_url

from crm_gateway.passwords import _hasher
from crm_gateway.service import SERVICE
from crm_shared.config import Env, Settings
from crm_shared.db import drop_database
from crm_shared.migrations import upgrade
from crm_shared.web import create_service_app

PG = os.environ.get(
    "CRM_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
N = int(os.environ.get("BENCH_SIGNINS", "60"))
PASSWORD = "bench-admin-password"


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    url = make_url(PG).set(database=f"crm_bench_signin_{uuid.uuid4().hex[:8]}")
    database_url = url.render_as_string(hide_password=False)
    upgrade(SERVICE, database_url)
    extra, bootstrap = SERVICE.extra_settings, SERVICE.bootstrap
    assert extra is not None and bootstrap is not None
    try:
        settings = Settings(
            service="gateway",
            database_url=database_url,
            broker_url="memory://",
            jwks_url="http://127.0.0.1:9/jwks.json",  # the gateway signs; it reads its own keys
            jwt_issuer="crm-gateway",
            jwt_audience="crm",
            bus_namespace="bench",
            extra=extra(
                Env(
                    {
                        "CRM_ADMIN_PASSWORD": PASSWORD,
                        "CRM_GATEWAY_KEY_ENCRYPTION_KEY": Fernet.generate_key().decode(),
                    }
                )
            ),
        )
        app = create_service_app(SERVICE, settings)
        db = app.extensions["crm"].db
        bootstrap(db, settings)
        client = app.test_client()
        body = {"username": "admin", "password": PASSWORD}
        bare = []
        for _ in range(max(10, N // 3)):
            started = time.perf_counter()
            _hasher.hash(PASSWORD)
            bare.append(time.perf_counter() - started)
        timings = []
        for i in range(N):
            started = time.perf_counter()
            response = client.post(
                "/api/v1/auth/token",
                json=body,
                environ_base={"REMOTE_ADDR": f"10.9.{i // 250}.{i % 250}"},
            )
            timings.append(time.perf_counter() - started)
            assert response.status_code == 200, response.get_json()
        db.dispose()
    finally:
        drop_database(database_url)
    ms = 1000.0
    print(f"argon2id m=19MiB t=2 p=1, one bare hash: p50 {statistics.median(bare) * ms:.1f} ms")
    print(
        f"sign-in through the gateway app ({N} sequential): "
        f"p50 {_percentile(timings, 0.5) * ms:.1f} ms, p99 {_percentile(timings, 0.99) * ms:.1f} ms"
    )


if __name__ == "__main__":
    main()
