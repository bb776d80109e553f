"""``make bench``: lead intake figures beside a bare reference, measured in one run.

Starts real servers with the same settings as ``crm-up`` (gunicorn, its gthread
workers) on the local PostgreSQL and RabbitMQ, in throwaway databases and a
throwaway bus namespace: the gateway, the leads web app and its worker, and
the reference (``bench/reference.py``: minimal Flask + SQLAlchemy inserting
the same row). Then measures:

- single capture straight to the service, and the reference (target >= 90%),
  with the web processes and the reference pinned to core 0 and the workers
  to core 1 (``taskset``; ``BENCH_PIN=0`` turns it off), and beside it the
  CPU seconds per capture of the leads web processes and of the reference,
  the gateway's own CPU per proxied capture, and the workers' CPU per lead
  (derivation of ``lead.captured``, relay, scoring and assignment together,
  from an idle pipeline until idle again; target <= 0.3 ms);
- single capture through the gateway (target >= 60% of straight);
- single capture through the nginx edge (``crm_gateway.edge_config``; target
  >= 85% of straight), nginx installed with apt where it is missing;
- p50 / p99 latency at a fixed offered rate (open loop);
- overload: twice the straight capacity offered open loop over 64 connections:
  answers by status (503 with ``Retry-After`` for what is shed), the admitted
  p99 beside the normal p99 (target < 2x), and every 201 stored with its event;
- batch capture (1,000 per request), leads per second;
- a 100,000-row CSV import with duplicates, until the job is completed (target <= 15 s);
- time from capture to ``lead.qualified`` consumed from RabbitMQ, with automatic qualification.

Timings are printed, never asserted. Environment: CRM_BENCH_DATABASE_URL,
CRM_BENCH_BROKER_URL, BENCH_SECONDS (per throughput run, default 10),
BENCH_RATE (offered rate for latency, default 50/s: below saturation on a 2-core machine).
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import requests
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
# bench/ holds scripts named like services (orders.py): it goes on no path
# (Python puts a script's directory first), or `orders` would import the
# script instead of the service.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
_spec = importlib.util.spec_from_file_location("crm_bench_load", ROOT / "bench" / "load.py")
assert _spec is not None and _spec.loader is not None
load = importlib.util.module_from_spec(_spec)
sys.modules["crm_bench_load"] = load  # multiprocessing's workers find it by name
_spec.loader.exec_module(load)

from crm_shared.bus import Topology, connect  # noqa: E402
from crm_shared.db import drop_database  # noqa: E402
from crm_shared.migrations import upgrade  # noqa: E402
from crm_shared.service import discover  # noqa: E402
from crm_shared.testing import delete_namespace  # noqa: E402

PG = os.environ.get(
    "CRM_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
AMQP = os.environ.get("CRM_BENCH_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
RATE = float(os.environ.get("BENCH_RATE", "50"))
PYTHON = sys.executable
PASSWORD = "bench-admin-password"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn(port: int, app: str) -> list[str]:
    # The same command crm-up runs (crm_shared.runner.process_table).
    return [
        PYTHON,
        "-m",
        "gunicorn",
        "--config",
        "python:crm_shared.gunicorn_config",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        os.environ.get("CRM_WEB_WORKERS", "2"),
        "--worker-class",
        "crm_shared.gunicorn_worker.ThreadWorker",
        "--threads",
        os.environ.get("CRM_WEB_THREADS", "8"),
        "--graceful-timeout",
        "10",
        "--timeout",
        "60",
        app,
    ]


def wait_ready(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(requests.RequestException):
            if requests.get(url, timeout=2).status_code in (200, 404, 405):
                return
        time.sleep(0.3)
    raise SystemExit(f"not ready: {url}")


# Fair on a 2-core machine: the web processes and the reference share core 0,
# the workers (relay, derivation, scoring, assignment) core 1. BENCH_PIN=0 turns it off.
PIN = (
    os.environ.get("BENCH_PIN", "1") != "0"
    and shutil.which("taskset") is not None
    and len(os.sched_getaffinity(0)) >= 2
)
WEB_CORE, WORKER_CORE = "0", "1"


def pinned(core: str, command: list[str]) -> list[str]:
    """``command`` run on ``core`` when pinning is on."""
    return ["taskset", "-c", core, *command] if PIN else command


def session_cpu(leader: int) -> float:
    """CPU seconds (user + system) of every live process in ``leader``'s session.

    Each server is started in a session of its own, so this is a gunicorn
    master and its workers, or one worker process with its threads.
    """
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # After the command: state ppid pgrp session ... utime(14) stime(15).
        if int(fields[3]) == leader:
            total += int(fields[11]) + int(fields[12])
    return total / tick


def machine_note() -> str:
    load1, load5, _ = os.getloadavg()
    top = subprocess.run(
        ["ps", "-eo", "pcpu,comm", "--sort=-pcpu"], capture_output=True, text=True
    ).stdout.splitlines()[1:8]
    busy = ", ".join(" ".join(line.split()[::-1]) + "%" for line in top if line.strip())
    return f"load average {load1:.2f} (1 min), {load5:.2f} (5 min); busiest: {busy}"


def csv_rows(n: int, duplicates: int) -> bytes:
    out = io.StringIO()
    out.write("First Name,Last Name,Email,Company Name,Phone Number,Lifecycle Stage\n")
    tag = uuid.uuid4().hex[:6]
    for i in range(n - duplicates):
        out.write(f"First{i},Last{i},imp-{tag}-{i}@example.com,Company {i % 997},,lead\n")
    for i in range(duplicates):  # the same people again: dedup must catch them
        out.write(f"First{i},Again,IMP-{tag}-{i}@example.com,Company,,lead\n")
    return out.getvalue().encode()


def main() -> int:
    specs = discover()
    run = uuid.uuid4().hex[:8]
    urls = {
        name: make_url(PG)
        .set(database=f"crm_bench_{run}_{name}")
        .render_as_string(hide_password=False)
        for name in ("gateway", "leads", "reference")
    }
    ports = {
        name: free_port() for name in ("gateway", "keys", "leads", "reference", "worker", "jobs")
    }
    namespace = f"bench-{run}"
    env = {
        **os.environ,
        "CRM_GATEWAY_DATABASE_URL": urls["gateway"],
        "CRM_LEADS_DATABASE_URL": urls["leads"],
        "BENCH_REFERENCE_DATABASE_URL": urls["reference"],
        "CRM_BROKER_URL": AMQP,
        "CRM_BUS_NAMESPACE": namespace,
        "CRM_ADMIN_PASSWORD": PASSWORD,
        # A throwaway key-encryption key: the gateway refuses PostgreSQL without one.
        "CRM_GATEWAY_KEY_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        # As crm-up: the gateway's keys on a listener apart from proxied traffic.
        "CRM_GATEWAY_KEYS_BIND": f"127.0.0.1:{ports['keys']}",
        "CRM_JWKS_URL": f"http://127.0.0.1:{ports['keys']}/jwks.json",
        "CRM_LEADS_URL": f"http://127.0.0.1:{ports['leads']}",
        "CRM_LEADS_WORKER_HEALTH_PORT": str(ports["worker"]),
        "CRM_LOG_LEVEL": "WARNING",
    }
    print(f"bench run {run}: preparing databases", flush=True)
    os.environ.update(env)
    from crm_shared.config import load_settings
    from crm_shared.db import Database

    for name, url in urls.items():
        spec = specs["leads" if name == "reference" else name]
        upgrade(spec, url)
        if spec.bootstrap is not None and name != "reference":
            db = Database(url, service=spec.name, pool_size=1)
            spec.bootstrap(db, load_settings(spec.name, extra=spec.extra_settings))
            db.dispose()
    logs = Path(os.environ.get("BENCH_LOG_DIR", f"/tmp/crm-bench-{run}"))
    logs.mkdir(parents=True, exist_ok=True)
    commands = {
        "gateway": pinned(WEB_CORE, gunicorn(ports["gateway"], "crm_gateway.app:create_app()")),
        "leads": pinned(WEB_CORE, gunicorn(ports["leads"], "leads.app:create_app()")),
        "reference": pinned(
            WEB_CORE,
            [
                *gunicorn(ports["reference"], "reference:create_app()"),
                *("--pythonpath", str(ROOT / "bench")),
            ],
        ),
        # Split as crm-up splits it (ServiceSpec.jobs_apart): relay and consumer, and jobs.
        "leads-worker": pinned(
            WORKER_CORE, [PYTHON, "-m", "leads", "worker", "--roles", "relay,consumer"]
        ),
        "leads-jobs": pinned(
            WORKER_CORE,
            [
                *(PYTHON, "-m", "leads", "worker", "--roles", "jobs"),
                *("--health-port", str(ports["jobs"])),
            ],
        ),
    }
    processes = {}
    for name, command in commands.items():
        out = open(logs / f"{name}.log", "wb")  # noqa: SIM115
        processes[name] = subprocess.Popen(
            command,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=ROOT,
        )
    try:
        gateway = f"http://127.0.0.1:{ports['gateway']}"
        leads = f"http://127.0.0.1:{ports['leads']}"
        reference = f"http://127.0.0.1:{ports['reference']}"
        # /healthz: the gateway's /readyz waits for every service, and only leads runs here.
        wait_ready(gateway + "/healthz")
        wait_ready(leads + "/readyz")
        wait_ready(reference + "/api/v1/leads")
        wait_ready(f"http://127.0.0.1:{ports['worker']}/readyz")
        wait_ready(f"http://127.0.0.1:{ports['jobs']}/readyz")
        token = requests.post(
            gateway + "/api/v1/auth/token",
            json={"username": "admin", "password": PASSWORD},
            timeout=10,
        ).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        edge = start_edge({**env, "CRM_GATEWAY_URL": gateway}, logs, processes)
        pids = {name: process.pid for name, process in processes.items()}
        return measure(gateway, leads, reference, token, auth, urls, namespace, edge, pids)
    finally:
        for process in processes.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        for url in urls.values():
            with contextlib.suppress(Exception):
                drop_database(url)
        with contextlib.suppress(Exception):
            delete_namespace(AMQP, namespace, sorted(specs))
        print(f"logs in {logs}")


def nginx_binary() -> str | None:
    """nginx, installed with apt where it is missing and we may (the edge figure needs it)."""
    for candidate in (shutil.which("nginx"), "/usr/sbin/nginx"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    if shutil.which("apt-get") and os.geteuid() == 0:
        print("installing nginx with apt for the edge figure", flush=True)
        subprocess.run(
            ["apt-get", "install", "-y", "--no-install-recommends", "nginx"],
            capture_output=True,
            check=False,
        )
        if os.access("/usr/sbin/nginx", os.X_OK):
            return "/usr/sbin/nginx"
    return None


def start_edge(env, logs: Path, processes: dict) -> str | None:
    """nginx routing /api/v1/leads straight to leads and the rest to the gateway."""
    nginx = nginx_binary()
    if nginx is None:
        print("nginx is not available: no edge figure", flush=True)
        return None
    port = free_port()
    workdir = logs / "edge"
    subprocess.run(
        [PYTHON, "-m", "crm_gateway.edge_config", "--standalone", str(workdir),
         "--listen", f"127.0.0.1:{port}", "--only", "leads"],
        env=env, check=True, capture_output=True,
    )  # fmt: skip
    out = open(logs / "edge.log", "wb")  # noqa: SIM115
    processes["edge"] = subprocess.Popen(
        pinned(WEB_CORE, [nginx, "-p", str(workdir), "-c", str(workdir / "nginx.conf")]),
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    wait_ready(url + "/healthz")  # through the edge to the gateway
    return url


def measure(gateway, leads, reference, token, auth, urls, namespace, edge=None, pids=None) -> int:
    path = "/api/v1/leads"
    print("warming up", flush=True)
    targets = [(reference, None), (leads, token), (gateway, token)]
    if edge:
        targets.append((edge, token))
    for target, tok in targets:
        load.throughput(target, path, tok, processes=1, threads=4, seconds=2)
    before = machine_note()
    print(f"measuring single capture, {SECONDS:.0f} s per run", flush=True)
    pids = pids or {}

    def cpu(name: str) -> float:
        return session_cpu(pids[name]) if name in pids else float("nan")

    cpu_ref = cpu("reference")
    ref1 = load.throughput(reference, path, None, seconds=SECONDS)
    cpu_ref = cpu("reference") - cpu_ref
    cpu_web = cpu("leads")
    direct1 = load.throughput(leads, path, token, seconds=SECONDS)
    cpu_web = cpu("leads") - cpu_web
    cpu_gateway = cpu("gateway")
    via = load.throughput(gateway, path, token, seconds=SECONDS)
    gateway_ms = 1000 * (cpu("gateway") - cpu_gateway) / max(1, via["ok"])
    via_edge = load.throughput(edge, path, token, seconds=SECONDS) if edge else None
    cpu_ref2 = cpu("reference")
    ref2 = load.throughput(reference, path, None, seconds=SECONDS)
    cpu_ref += cpu("reference") - cpu_ref2
    # The workers' CPU per lead: from an idle pipeline, one run's leads
    # derived, relayed, scored and assigned, until the pipeline is idle again.
    drain_outbox(urls["leads"])

    def workers_cpu() -> float:
        return cpu("leads-worker") + cpu("leads-jobs")

    # What the idle workers burn polling (relay rounds, job ticks), per second.
    idle_started, idle_cpu = time.monotonic(), workers_cpu()
    time.sleep(3)
    idle_rate = (workers_cpu() - idle_cpu) / (time.monotonic() - idle_started)
    cpu_workers, workers_started = workers_cpu(), time.monotonic()
    cpu_web2 = cpu("leads")
    direct2 = load.throughput(leads, path, token, seconds=SECONDS)
    cpu_web += cpu("leads") - cpu_web2
    drain_outbox(urls["leads"])
    cpu_workers = workers_cpu() - cpu_workers
    workers_busy = cpu_workers - idle_rate * (time.monotonic() - workers_started)
    web_ms = 1000 * cpu_web / max(1, direct1["ok"] + direct2["ok"])
    ref_ms = 1000 * cpu_ref / max(1, ref1["ok"] + ref2["ok"])
    workers_ms = 1000 * cpu_workers / max(1, direct2["ok"])
    workers_net_ms = 1000 * workers_busy / max(1, direct2["ok"])
    ref_rps = (ref1["rps"] + ref2["rps"]) / 2
    direct_rps = (direct1["rps"] + direct2["rps"]) / 2
    errors = ref1["errors"] + ref2["errors"] + direct1["errors"] + direct2["errors"]
    print(f"measuring latency at {RATE:.0f} req/s", flush=True)
    lat_ref = load.latency(reference, path, None, rate=RATE, seconds=SECONDS)
    lat_direct = load.latency(leads, path, token, rate=RATE, seconds=SECONDS)
    lat_via = load.latency(gateway, path, token, rate=RATE, seconds=SECONDS)

    print(f"measuring overload: {2 * direct_rps:.0f} req/s offered, twice straight", flush=True)
    peak = load.overload(leads, path, token, rate=max(2 * direct_rps, 10), seconds=SECONDS)
    drain_outbox(urls["leads"])
    peak_stored, peak_events = stored_with_event(urls["leads"], peak["tag"])

    print("measuring capture -> lead.qualified consumed", flush=True)
    session = requests.Session()
    rule = session.post(
        leads + "/api/v1/scoring-rules",
        json={
            "name": "bench hot",
            "kind": "attribute",
            "field": "source",
            "operator": "equals",
            "value": "bench-hot",
            "points": 100,
        },
        headers=auth,
    )
    assert rule.status_code == 201, rule.text
    session.put(
        leads + "/api/v1/scoring-rules/settings",
        json={"auto_qualify": True, "threshold": 80},
        headers=auth,
    )
    # Start from an idle pipeline: the leads and events of the throughput runs
    # would otherwise queue ahead (processing and the relay are first in, first out).
    drain_outbox(urls["leads"])
    qualified = qualification_latency(leads, session, auth, namespace)
    session.put(
        leads + "/api/v1/scoring-rules/settings", json={"auto_qualify": False}, headers=auth
    )

    print("measuring batch capture", flush=True)
    batches, size = 20, 1000
    tag = uuid.uuid4().hex[:6]
    started = time.monotonic()
    for b in range(batches):
        body = {
            "leads": [
                {
                    "name": f"B{b}-{i}",
                    "email": f"batch-{tag}-{b}-{i}@example.com",
                    "company": "Batch Co",
                }
                for i in range(size)
            ]
        }
        response = session.post(leads + "/api/v1/leads/batch", json=body, headers=auth, timeout=60)
        assert response.status_code == 200 and response.json()["created"] == size, response.text
    batch_lps = batches * size / (time.monotonic() - started)

    engine = create_engine(urls["leads"])
    # The import is measured alone: the scoring and the events of the batch
    # runs would otherwise still be in flight, counted against it.
    print("letting the workers drain the scoring and event backlog before the import", flush=True)
    drain_started = time.monotonic()
    backlog = None
    while time.monotonic() - drain_started < 180:
        with engine.connect() as conn:
            backlog = conn.execute(
                text(
                    "SELECT (SELECT count(*) FROM leads WHERE needs_processing OR capture_pending)"
                    " + (SELECT count(*) FROM outbox WHERE published_at IS NULL)"
                )
            ).scalar()
        if not backlog:
            break
        time.sleep(1)
    drained = time.monotonic() - drain_started

    print("measuring the 100,000-row CSV import", flush=True)
    data = csv_rows(100_000, 5_000)
    started = time.monotonic()
    response = session.post(
        leads + "/api/v1/leads/imports",
        files={"file": ("bench.csv", data, "text/csv")},
        headers=auth,
        timeout=120,
    )
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]
    uploaded = time.monotonic() - started
    job = response.json()
    while job["status"] in ("pending", "running") and time.monotonic() - started < 600:
        time.sleep(0.25)
        job = session.get(f"{leads}/api/v1/leads/imports/{job_id}", headers=auth).json()
    import_seconds = time.monotonic() - started

    after = machine_note()

    def ratio(a, b):
        return f"{a / b:.0%}" if a and b else "-"

    rows = [
        (
            "single capture, straight (req/s)",
            f"{direct_rps:,.0f}",
            f"{ref_rps:,.0f}",
            ratio(direct_rps, ref_rps),
            ">= 90% of reference",
        ),
        (
            "web CPU per capture (ms), leads vs reference",
            f"{web_ms:.2f}",
            f"{ref_ms:.2f}",
            ratio(ref_ms, web_ms),
            "reference / leads >= 90%",
        ),
        (
            "workers' CPU per lead (ms): derive+relay+score+assign",
            f"{workers_ms:.2f}",
            f"{workers_net_ms:.2f} net of idle polling",
            f"idle {1000 * idle_rate:.0f} ms CPU/s",
            "<= 0.3 ms",
        ),
        (
            "single capture, via gateway (req/s)",
            f"{via['rps']:,.0f}",
            f"{direct_rps:,.0f} (straight)",
            ratio(via["rps"], direct_rps),
            ">= 60% of straight",
        ),
        (
            "gateway's own CPU per proxied capture (ms)",
            f"{gateway_ms:.2f}",
            f"{web_ms:.2f} (leads web)",
            "",
            "",
        ),
        (
            "single capture, via nginx edge (req/s)",
            f"{via_edge['rps']:,.0f}" if via_edge else "no nginx",
            f"{direct_rps:,.0f} (straight)",
            ratio(via_edge["rps"], direct_rps) if via_edge else "-",
            ">= 85% of straight",
        ),
        (
            f"latency @ {RATE:.0f} req/s straight p50/p99 (ms)",
            f"{lat_direct['p50_ms']:.1f} / {lat_direct['p99_ms']:.1f}",
            f"{lat_ref['p50_ms']:.1f} / {lat_ref['p99_ms']:.1f}",
            "",
            "",
        ),
        (
            f"latency @ {RATE:.0f} req/s via gateway p50/p99 (ms)",
            f"{lat_via['p50_ms']:.1f} / {lat_via['p99_ms']:.1f}",
            "",
            "",
            "",
        ),
        (
            "overload x2: admitted p99 (ms)",
            f"{peak['p99_ms']:.1f}" if peak["p99_ms"] is not None else "-",
            f"{lat_direct['p99_ms']:.1f} (p99 @ {RATE:.0f} req/s)",
            ratio(peak["p99_ms"], lat_direct["p99_ms"]) if peak["p99_ms"] else "-",
            "< 200% of normal p99",
        ),
        (
            "overload x2: answers / 201s stored with event",
            ", ".join(f"{k}: {v}" for k, v in sorted(peak["statuses"].items())),
            f"{peak_stored} stored, {peak_events} with lead.captured",
            f"{peak['refusals_without_retry_after']} refusals lack Retry-After",
            "every 201 stored + event",
        ),
        (
            "batch capture, 1,000 per request (leads/s)",
            f"{batch_lps:,.0f}",
            f"{ref_rps:,.0f} (single rows)",
            "",
            "",
        ),
        (
            "100k-row CSV import with dedup (s)",
            f"{import_seconds:.1f}",
            f"{job['imported']:,} new, {job['duplicates']:,} dup, {job['failed']} failed",
            f"{100_000 / import_seconds:,.0f} rows/s",
            "<= 15 s",
        ),
        (
            "capture -> lead.qualified consumed p50/p99 (ms)",
            f"{qualified[0]:.0f} / {qualified[1]:.0f}",
            "",
            "",
            "",
        ),
    ]
    width = [max(len(r[i]) for r in rows) for i in range(5)]
    header = ("figure", "leads", "reference", "ratio", "target")
    width = [max(w, len(h)) for w, h in zip(width, header, strict=True)]
    print()
    for row in (header, tuple("-" * w for w in width), *rows):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, width, strict=True)))
    print()
    print(
        f"non-2xx answers during throughput runs: {errors}; upload took {uploaded:.1f} s; "
        f"scoring and event backlog drained in {drained:.0f} s (left: {backlog})"
    )
    print(f"machine: {os.cpu_count()} cores")
    print(
        f"pinning: web processes and reference on core {WEB_CORE}, workers on core {WORKER_CORE}"
        if PIN
        else "pinning: off (BENCH_PIN=0, no taskset, or one core)"
    )
    print(f"machine before: {before}")
    print(f"machine after:  {after}")
    figures = {
        "direct_rps": direct_rps,
        "reference_rps": ref_rps,
        "gateway_rps": via["rps"],
        "edge_rps": via_edge["rps"] if via_edge else None,
        "overload": {**peak, "stored": peak_stored, "with_event": peak_events},
        "cores": os.cpu_count(),
        "pinned": PIN,
        "web_cpu_ms_per_capture": web_ms,
        "reference_cpu_ms_per_capture": ref_ms,
        "workers_cpu_ms_per_lead": workers_ms,
        "workers_cpu_ms_per_lead_net_of_idle": workers_net_ms,
        "workers_idle_cpu_ms_per_s": 1000 * idle_rate,
        "gateway_cpu_ms_per_capture": gateway_ms,
        "load_before": before,
        "load_after": after,
        "latency_direct": lat_direct,
        "latency_reference": lat_ref,
        "latency_gateway": lat_via,
        "batch_lps": batch_lps,
        "import_seconds": import_seconds,
        "import_job": {k: job[k] for k in ("status", "total", "imported", "duplicates", "failed")},
        "qualified_ms": qualified,
    }
    print(json.dumps(figures))
    print(f"results in {write_results('intake', figures)}")
    return 0


def write_results(name: str, figures: dict) -> Path:
    """Keep a run's figures under bench/results/ (``bench/compare.py`` reads two)."""
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    path = out / f"{name}-{time.strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(json.dumps({"bench": name, "at": time.time(), **figures}, indent=2))
    return path


def stored_with_event(url: str, tag: str) -> tuple[int, int]:
    """Leads of an overload run stored, and those with their lead.captured in the outbox."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                text(
                    "SELECT count(*), count(*) FILTER (WHERE EXISTS ("
                    " SELECT 1 FROM outbox o WHERE o.event_type = 'lead.captured'"
                    " AND o.envelope->'data'->>'lead_id' = l.id::text))"
                    " FROM leads l WHERE l.email LIKE :pattern"
                ),
                {"pattern": f"peak-{tag}-%"},
            ).one()
        return int(row[0]), int(row[1])
    finally:
        engine.dispose()


def drain_outbox(url: str, limit: float = 180) -> None:
    """Wait until the worker has processed every lead and relayed every event."""
    engine = create_engine(url)
    deadline = time.monotonic() + limit
    try:
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                pending = conn.execute(
                    text(
                        "SELECT (SELECT count(*) FROM outbox WHERE published_at IS NULL)"
                        " + (SELECT count(*) FROM leads WHERE needs_processing OR capture_pending)"
                    )
                ).scalar()
            if not pending:
                return
            time.sleep(0.5)
    finally:
        engine.dispose()


def qualification_latency(leads, session, auth, namespace, n=30):
    from kombu import Consumer, Queue

    topology = Topology(namespace)
    sent: dict[str, float] = {}
    got: dict[str, float] = {}
    with connect(AMQP) as conn:
        topology.declare(conn, None, ())
        queue = Queue(
            f"{namespace}.bench-qualified",
            exchange=topology.events,
            routing_key="lead.qualified",
            durable=False,
            auto_delete=True,
        )
        queue(conn.default_channel).declare()

        def on_message(message):
            lead_id = json.loads(message.body)["data"]["lead_id"]
            got.setdefault(lead_id, time.monotonic())
            message.ack()

        with Consumer(conn.default_channel, queues=[queue], on_message=on_message):
            tag = uuid.uuid4().hex[:6]
            for i in range(n):
                t0 = time.monotonic()
                response = session.post(
                    leads + "/api/v1/leads",
                    json={
                        "name": f"Hot {i}",
                        "email": f"hot-{tag}-{i}@example.com",
                        "source": "bench-hot",
                    },
                    headers=auth,
                )
                sent[response.json()["id"]] = t0
                end = time.monotonic() + 0.3
                while time.monotonic() < end:
                    with contextlib.suppress(TimeoutError, socket.timeout):
                        conn.drain_events(timeout=0.05)
            deadline = time.monotonic() + 30
            while len(set(sent) & set(got)) < len(sent) and time.monotonic() < deadline:
                with contextlib.suppress(TimeoutError, socket.timeout):
                    conn.drain_events(timeout=0.2)
    delays = sorted((got[k] - sent[k]) * 1000 for k in sent if k in got)
    if not delays:
        return (float("nan"), float("nan"))
    return (delays[len(delays) // 2], delays[min(len(delays) - 1, int(0.99 * len(delays)))])


# Benches of single services, each seeding its own throwaway database and
# writing bench/results/<name>-<time>.json; run after the leads figures.
# Each beside its own plain-query reference; run after the intake figures.
SERVICE_BENCHES = (
    "opportunities.py",
    "orders.py",
    "service_desk.py",
    "compensation_bench.py",
    "notifications_bench.py",
    "consumer.py",
    "signin.py",
    "console_bench.py",
)
# Figures at a million rows (issue 14 item 6); CRM_BENCH_SCALE=0.01 for a smoke run.
SCALE_BENCHES = ("scale_import.py", "scale_customers.py", "scale_intake.py")


def service_benches() -> int:
    """Run each service bench in its own process; the worst exit code."""
    worst = 0
    for script in (*SERVICE_BENCHES, *SCALE_BENCHES):
        print(f"\n== bench/{script}", flush=True)
        # -P: bench/orders.py must not hide the orders package.
        done = subprocess.run([PYTHON, "-P", str(ROOT / "bench" / script)], cwd=ROOT, check=False)
        worst = max(worst, done.returncode)
    return worst


if __name__ == "__main__":
    sys.exit(max(main(), service_benches()))
