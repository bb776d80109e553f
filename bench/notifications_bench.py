"""Notification figures on PostgreSQL, beside plain queries over the same tables.

In a throwaway database, through the service's own app and worker code:

- fan-out: 10,000 ``lead.assigned`` events for 50 reps handled as the consumer
  does (batches of 100, one transaction each), then the delivery job sends
  email to a real local SMTP server (aiosmtpd): seconds until every rep has
  the in-app entry, seconds until the emails are out, and how many emails
  (target: under 10 s in-app, one batched email per rep);
- the in-app list with BENCH_ROWS (default 1,000,000) stored notifications:
  p50 / p99 of ``GET /api/v1/notifications`` (target p99 < 50 ms), beside the
  plain indexed ``SELECT`` of the same user's first page.

The events are handed to the worker's batch handler in-process, not sent
through RabbitMQ: the broker's share is the consumer bench's (bench/consumer.py).
Timings are printed, never asserted. Environment: CRM_BENCH_DATABASE_URL,
BENCH_ROWS, BENCH_EVENTS (default 10,000), BENCH_REPS (default 50), BENCH_LISTS (default 300).
"""

from __future__ import annotations

import json
import os
import statistics
import time
import uuid

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from crm_shared.db import drop_database, ensure_database
from crm_shared.events import new_event
from crm_shared.migrations import upgrade
from crm_shared.testing import ServiceHarness, SmtpSink, TokenFactory
from notifications.service import SERVICE

PG = os.environ.get(
    "CRM_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
ROWS = int(os.environ.get("BENCH_ROWS", "1000000"))
EVENTS = int(os.environ.get("BENCH_EVENTS", "10000"))
REPS = int(os.environ.get("BENCH_REPS", "50"))
LISTS = int(os.environ.get("BENCH_LISTS", "300"))


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) in milliseconds."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000


def fan_out(url: str, sink: SmtpSink) -> dict[str, float]:
    environ = {
        "CRM_NOTIFICATIONS_SMTP_HOST": f"{sink.host}:{sink.port}",
        "CRM_NOTIFICATIONS_BATCH_SECONDS": "0",
    }
    os.environ.update(environ)
    harness = ServiceHarness(SERVICE, TokenFactory(), database_url=url, environ=environ)
    reps = [harness.user("rep") for _ in range(REPS)]
    for i, rep in enumerate(reps):
        harness.deliver(
            harness.event(
                "user.created",
                {
                    "user_id": str(rep.id),
                    "username": f"rep{i}",
                    "roles": ["rep"],
                    "active": True,
                    "email": f"rep{i}@bench.local",
                },
            )
        )
    events = [
        new_event(
            "lead.assigned",
            {
                "lead_id": str(uuid.uuid4()),
                "owner_id": str(reps[i % REPS].id),
                "method": "rule",
                "assigned_at": "2026-12-03T02:00:00Z",
            },
            source="leads",
        )
        for i in range(EVENTS)
    ]
    started = time.perf_counter()
    for start in range(0, len(events), 100):
        outcomes = harness.worker.process_batch(events[start : start + 100])
        assert all(o == "handled" for o in outcomes), outcomes[:3]
    in_app = time.perf_counter() - started
    result = harness.run_job("notifications-dispatch")
    sent = time.perf_counter() - started
    deadline = time.monotonic() + 30
    while len(sink.messages) < result["tried"] and time.monotonic() < deadline:
        time.sleep(0.05)
    unread = harness.client.get("/api/v1/notifications", headers=reps[0].headers).json
    harness.close()
    return {
        "events": EVENTS,
        "reps": REPS,
        "in_app_seconds": round(in_app, 2),
        "emails_out_seconds": round(sent, 2),
        "emails": len(sink.messages),
        "rep0_entries": len(unread["items"]),
        "rep0_count": unread["items"][0]["count"] if unread["items"] else 0,
    }


def bare_fan_out(url: str) -> float:
    """The floor under the fan-out: the same batches (100 events, one transaction each)
    writing only an inbox row and a delivery row per event in two multi-row inserts."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE bare_inbox (event_id text PRIMARY KEY)"))
        conn.execute(text("CREATE TABLE bare_deliveries (event_id text, recipient uuid)"))
    reps = [uuid.uuid4() for _ in range(REPS)]
    started = time.perf_counter()
    for start in range(0, EVENTS, 100):
        ids = [str(uuid.uuid4()) for _ in range(min(100, EVENTS - start))]
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO bare_inbox VALUES (:e) ON CONFLICT DO NOTHING"),
                [{"e": e} for e in ids],
            )
            conn.execute(
                text("INSERT INTO bare_deliveries VALUES (:e, :r)"),
                [{"e": e, "r": reps[i % REPS]} for i, e in enumerate(ids)],
            )
    elapsed = time.perf_counter() - started
    engine.dispose()
    return round(elapsed, 2)


def seed_list(url: str, users: list[uuid.UUID]) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TEMP TABLE people (n int, id uuid)"))
        conn.execute(
            text("INSERT INTO people VALUES (:n, :id)"),
            [{"n": i, "id": u} for i, u in enumerate(users)],
        )
        conn.execute(
            text(
                """
                INSERT INTO notifications (id, user_id, event_id, event_type, title, body,
                    link, count, unread, created_at, updated_at)
                SELECT gen_random_uuid(), p.id, 'e' || g, 'lead.assigned', '新线索分配给你',
                       '一条线索已分配给你', NULL, 1, (g % 7 = 0)::int,
                       now() - (g || ' seconds')::interval, now()
                FROM generate_series(0, :rows - 1) AS g
                JOIN people p ON p.n = g % :users
                """
            ),
            {"rows": ROWS, "users": len(users)},
        )
        conn.execute(text("ANALYZE notifications"))
    engine.dispose()


def list_latency(url: str) -> dict[str, float]:
    harness = ServiceHarness(SERVICE, TokenFactory(), database_url=url)
    users = [harness.user("rep") for _ in range(1000)]
    started = time.perf_counter()
    seed_list(url, [u.id for u in users])
    seeded = time.perf_counter() - started
    engine = create_engine(url)
    api_times, plain_times = [], []
    with engine.connect() as conn:
        for i in range(LISTS):
            user = users[(i * 37) % len(users)]
            t0 = time.perf_counter()
            conn.execute(
                text(
                    "SELECT * FROM notifications WHERE user_id = :u"
                    " ORDER BY unread DESC, created_at DESC, id DESC LIMIT 21"
                ),
                {"u": user.id},
            ).all()
            plain_times.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            response = harness.client.get("/api/v1/notifications", headers=user.headers)
            api_times.append(time.perf_counter() - t0)
            assert response.status_code == 200 and response.json["items"], response.json
    engine.dispose()
    harness.close()
    return {
        "rows": ROWS,
        "seed_seconds": round(seeded, 1),
        "list_p50_ms": round(statistics.median(api_times) * 1000, 1),
        "list_p99_ms": round(pct(api_times, 99), 1),
        "plain_select_p50_ms": round(statistics.median(plain_times) * 1000, 2),
        "plain_select_p99_ms": round(pct(plain_times, 99), 2),
    }


def main() -> None:
    urls = []
    try:
        name = f"crm_bench_notifications_{uuid.uuid4().hex[:8]}"
        fan_url = make_url(PG).set(database=name).render_as_string(hide_password=False)
        list_url = make_url(PG).set(database=name + "_list").render_as_string(hide_password=False)
        urls = [fan_url, list_url]
        for url in urls:
            ensure_database(url)
            upgrade(SERVICE, url)  # the harness seeds routes and templates (bootstrap)
        sink = SmtpSink().start()
        try:
            fan = fan_out(fan_url, sink)
        finally:
            sink.stop()
        fan["bare_fan_out_seconds"] = bare_fan_out(fan_url)
        listing = list_latency(list_url)
        figures = {"cores": os.cpu_count(), "load": os.getloadavg()[0], **fan, **listing}
        print(
            f"fan-out of {EVENTS:,} lead.assigned to {REPS} reps: in-app in "
            f"{fan['in_app_seconds']} s (target < 10 s), emails out after "
            f"{fan['emails_out_seconds']} s, {fan['emails']} emails (target: {REPS}, one per rep); "
            f"bare batched inserts of the same events: {fan['bare_fan_out_seconds']} s"
        )
        print(
            f"list over {ROWS:,} notifications p50/p99: {listing['list_p50_ms']} / "
            f"{listing['list_p99_ms']} ms (target p99 < 50 ms); plain indexed select p50/p99: "
            f"{listing['plain_select_p50_ms']} / {listing['plain_select_p99_ms']} ms"
        )
        print(json.dumps({"notifications": figures}))
        out = os.path.join(os.path.dirname(__file__), "results")
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, f"notifications-{int(time.time())}.json"), "w") as fh:
            json.dump(figures, fh)
    finally:
        for url in urls:
            drop_database(url)


if __name__ == "__main__":
    main()
