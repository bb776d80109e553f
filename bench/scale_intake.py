"""Intake at scale: capture throughput by web process count, and capture -> customer end to end.

Two figures, each on real processes (gunicorn with crm-up's settings, the
services' workers) on throwaway databases and a throwaway bus namespace:

- **throughput by process**: closed-loop single captures
  (``POST /api/v1/leads``) against the leads web app run with 1, 2 and 3
  gunicorn processes, the leads worker (relay, consumer) running beside as
  under crm-up (and its jobs worker). On this machine's cores the figure should rise from 1 to 2
  processes and stop rising once the cores are used up; each is printed
  beside the 1-process figure.
- **end to end**: leads offered open loop at 500/s for ``BENCH_SECONDS``
  (from several client processes, each request sent at its scheduled time),
  every one matching a scoring rule with automatic qualification, so each
  becomes ``lead.qualified`` and the customers worker turns it into a
  customer. The delay of each is the customer row's ``created_at`` (stamped
  by the customers consumer as it handles the event) minus the lead row's
  ``created_at`` (stamped in the capture request): capture -> qualified ->
  relayed -> consumed. Target: p99 under 200 ms. Beside it, the capture
  answers' own p99 in the same run.

``CRM_BENCH_SCALE`` scales the durations (0.01: the shortest runs),
``BENCH_SECONDS`` (default 10) is the length of each run at full scale,
``BENCH_E2E_RATE`` the offered rate (default 500/s). Results go to
``bench/results/scale-intake-<time>.json``. Timings are printed, never asserted.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

_spec = importlib.util.spec_from_file_location(
    "scale_common", Path(__file__).with_name("scale_common.py")
)
assert _spec is not None and _spec.loader is not None
common = importlib.util.module_from_spec(_spec)
sys.modules["scale_common"] = common
_spec.loader.exec_module(common)

SECONDS = max(2.0, float(os.environ.get("BENCH_SECONDS", "10")) * common.SCALE)
RATE = float(os.environ.get("BENCH_E2E_RATE", "500"))
PROCESSES = (1, 2, 3)
TARGET_P99_MS = 200
PATH = "/api/v1/leads"


def throughput_by_processes(stack: common.Stack, token: str) -> dict[int, dict]:
    """Closed-loop capture throughput with each gunicorn process count."""
    figures = {}
    for count in PROCESSES:
        name = f"leads-web-{count}"
        url = stack.web("leads", name=name, workers=count)
        common.load.throughput(url, PATH, token, processes=1, threads=4, seconds=2)  # warm up
        print(f"measuring capture throughput with {count} web process(es)", flush=True)
        figures[count] = {**common.load.throughput(url, PATH, token, seconds=SECONDS)}
        stack.stop(name)
    return figures


def end_to_end(stack: common.Stack, token: str) -> dict:
    """Leads offered open loop at ``RATE``; capture -> customer delays from the two databases."""
    leads = stack.web("leads", name="leads-web")
    auth = {"Authorization": f"Bearer {token}"}
    rule = requests.post(
        leads + "/api/v1/scoring-rules",
        json={
            "name": "bench hot",
            "kind": "attribute",
            "field": "source",
            "operator": "equals",
            "value": "bench",  # what the load generator sends
            "points": 100,
        },
        headers=auth,
        timeout=30,
    )
    assert rule.status_code == 201, rule.text
    settings = requests.put(
        leads + "/api/v1/scoring-rules/settings",
        json={"auto_qualify": True, "threshold": 80},
        headers=auth,
        timeout=30,
    )
    assert settings.status_code == 200, settings.text
    # Start from an idle pipeline: the throughput runs' leads would queue ahead.
    leads_db = create_engine(stack.urls["leads"], pool_size=1)
    customers_db = create_engine(stack.urls["customers"], pool_size=1)
    idle = (
        "SELECT (SELECT count(*) FROM leads WHERE needs_processing)"
        " + (SELECT count(*) FROM outbox WHERE published_at IS NULL)"
    )

    def pipeline_idle() -> bool:
        with leads_db.connect() as conn:
            return not conn.execute(text(idle)).scalar()

    common.wait_for(pipeline_idle, 300, every=1)
    print(f"measuring capture -> customer at {RATE:.0f} leads/s for {SECONDS:.0f} s", flush=True)
    before = common.machine_note()
    offered = common.load.overload(leads, PATH, token, rate=RATE, seconds=SECONDS)
    pattern = f"peak-{offered['tag']}-%"
    with leads_db.connect() as conn:
        captured = {
            str(row.id): row.created_at
            for row in conn.execute(
                text("SELECT id, created_at FROM leads WHERE email LIKE :p"), {"p": pattern}
            )
        }

    def consumed() -> dict:
        with customers_db.connect() as conn:
            return {
                str(row.lead_id): row.created_at
                for row in conn.execute(
                    text("SELECT lead_id, created_at FROM customers WHERE lead_id = ANY(:ids)"),
                    {"ids": list(captured)},
                )
            }

    common.wait_for(lambda: len(consumed()) >= len(captured), 120, every=1)
    arrived = consumed()
    after = common.machine_note()
    leads_db.dispose()
    customers_db.dispose()
    delays = [(arrived[k] - v).total_seconds() * 1000 for k, v in captured.items() if k in arrived]
    return {
        "offered": int(RATE * SECONDS),
        "answers": offered["statuses"],
        "capture_p99_ms": offered["p99_ms"],
        "captured": len(captured),
        "consumed": len(arrived),
        "p50_ms": common.percentile(delays, 0.5),
        "p99_ms": common.percentile(delays, 0.99),
        "max_ms": max(delays, default=float("nan")),
        "load_before": before,
        "load_after": after,
    }


def main() -> int:
    """Both figures; print and keep them."""
    with common.Stack("scale_intake", ["leads", "customers"]) as stack:
        token = stack.tokens.token(roles=["admin"], ttl=3600)  # outlives a slow run
        # As crm-up splits them: leads' jobs (scoring, qualification) apart.
        stack.worker("leads", "relay,consumer")
        stack.worker("leads", "jobs")
        stack.worker("customers", "relay,consumer,jobs")
        before = common.machine_note()
        by_processes = throughput_by_processes(stack, token)
        after = common.machine_note()
        e2e = end_to_end(stack, token)
    one = by_processes[1]["rps"]
    rows = [
        (
            f"capture, {count} web process{'es' if count > 1 else ''} (req/s)",
            f"{figures['rps']:,.0f}",
            f"{one:,.0f} (1 process)",
            f"{figures['rps'] / one:.2f}x" if one else "-",
            f"rises to {os.cpu_count()} processes" if count == 2 else "",
        )
        for count, figures in by_processes.items()
    ]
    rows.append(
        (
            f"capture -> customer consumed @ {RATE:.0f}/s p50/p99 (ms)",
            f"{e2e['p50_ms']:.0f} / {e2e['p99_ms']:.0f}",
            f"capture answer p99 {e2e['capture_p99_ms'] or float('nan'):.0f}",
            f"{e2e['consumed']:,} of {e2e['captured']:,} consumed",
            f"p99 < {TARGET_P99_MS} ms",
        )
    )
    rows.append(
        (
            "offered / answers",
            f"{e2e['offered']:,}",
            ", ".join(f"{k}: {v}" for k, v in sorted(e2e["answers"].items())),
            "",
            "",
        )
    )
    common.table(rows)
    print(f"machine: {os.cpu_count()} cores, scale {common.SCALE}, {SECONDS:.0f} s per run")
    print(f"machine before (throughput): {before}")
    print(f"machine after (throughput):  {after}")
    print(f"machine before (end to end): {e2e['load_before']}")
    print(f"machine after (end to end):  {e2e['load_after']}")
    figures = {
        "scale": common.SCALE,
        "seconds": SECONDS,
        "throughput_by_processes": {str(k): v for k, v in by_processes.items()},
        "end_to_end": e2e,
        "cores": os.cpu_count(),
        "load_before": before,
        "load_after": after,
    }
    print(f"results in {common.write_results('scale-intake', figures)}")
    return 0 if e2e["consumed"] == e2e["captured"] else 1


if __name__ == "__main__":
    sys.exit(main())
