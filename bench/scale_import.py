"""A 1,000,000-row CSV lead import with 5% duplicates, timed and its memory watched.

Starts the leads service as ``crm-up`` splits it (web under gunicorn, a
worker for relay and consumer, a worker for jobs) on a throwaway database,
uploads the file through ``POST /api/v1/leads/imports`` (the shared import
jobs) and polls the job until it is completed. While it runs, the resident
memory of the jobs worker (the process doing the import) and of the web
workers (which check the upload) is sampled every 0.5 s from ``/proc``; the
peaks are printed. Beside it, the floor: PostgreSQL ``COPY`` of the same
rows into a table shaped like ``leads`` (its indexes included), in the same
run. Targets: under 3 minutes, the import process under 300 MB throughout.

``CRM_BENCH_SCALE`` scales the row count (0.01: 10,000 rows). Results go to
``bench/results/scale-import-<time>.json``. Timings are printed, never asserted.
"""

from __future__ import annotations

import importlib.util
import io
import os
import sys
import time
import uuid
from pathlib import Path

import requests
from sqlalchemy import create_engine

_spec = importlib.util.spec_from_file_location(
    "scale_common", Path(__file__).with_name("scale_common.py")
)
assert _spec is not None and _spec.loader is not None
common = importlib.util.module_from_spec(_spec)
sys.modules["scale_common"] = common
_spec.loader.exec_module(common)

ROWS = common.scaled(1_000_000, least=1000)
DUPLICATES = ROWS // 20
TARGET_SECONDS = 180
TARGET_RSS_MB = 300


def children(pid: int) -> list[int]:
    """The child processes of ``pid`` (gunicorn's workers of its master)."""
    try:
        found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [int(p) for p in found]


def copy_floor(url: str, data: bytes) -> float:
    """Seconds to COPY the file's rows into a table like ``leads`` (indexes too)."""
    engine = create_engine(url)
    raw = engine.raw_connection()
    try:
        driver = raw.driver_connection
        with driver.cursor() as cursor:
            cursor.execute("CREATE TABLE floor_leads (LIKE leads INCLUDING ALL)")
            # The unique email index would refuse the duplicates the import
            # merges; the floor keeps a plain index on email instead.
            cursor.execute(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'floor_leads'"
                " AND indexdef LIKE '%UNIQUE%' AND indexdef NOT LIKE '%(id)%'"
            )
            for (index,) in cursor.fetchall():
                cursor.execute(f'DROP INDEX "{index}"')
            cursor.execute("CREATE INDEX ON floor_leads (lower(email))")
        raw.commit()
        lines = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", newline="")
        next(lines)  # the header
        started = time.perf_counter()
        with driver.cursor() as cursor:
            statement = (
                "COPY floor_leads (id, name, email, company, status, score, score_reasons,"
                " touches, needs_processing, auto_assign, created_at, updated_at)"
                " FROM STDIN"
            )
            with cursor.copy(statement) as copy:
                for line in lines:
                    first, last, email, company = line.split(",")[:4]
                    copy.write_row(
                        [
                            uuid.uuid4(),
                            f"{first} {last}",
                            email.lower(),
                            company,
                            "new",
                            0,
                            "[]",
                            1,
                            True,
                            False,
                            "now",
                            "now",
                        ]
                    )
        raw.commit()
        return time.perf_counter() - started
    finally:
        raw.close()
        engine.dispose()


def main() -> int:
    """Run the import and its floor; print and keep the figures."""
    env = {
        # The bench's file is larger than the service's defaults allow.
        "CRM_LEADS_MAX_IMPORT_ROWS": str(ROWS + 1),
        "CRM_LEADS_MAX_IMPORT_BYTES": str(1024**3),
    }
    with common.Stack("scale_import", ["leads"], env) as stack:
        leads = stack.web("leads")
        stack.worker("leads", "relay,consumer")
        jobs_pid = stack.worker("leads", "jobs")
        auth = {"Authorization": f"Bearer {stack.tokens.token(roles=['admin'])}"}
        print(f"making a {ROWS:,}-row CSV with {DUPLICATES:,} duplicates", flush=True)
        data = common.bench_run.csv_rows(ROWS, DUPLICATES)
        web_pids = children(stack.processes["leads"].pid)
        watched = {"jobs worker": jobs_pid, **{f"web {p}": p for p in web_pids}}
        before = common.machine_note()
        print(f"importing {len(data) / 1e6:.0f} MB through POST /api/v1/leads/imports", flush=True)
        sampler = common.RssSampler(watched)
        with sampler.running():
            started = time.monotonic()
            response = requests.post(
                leads + "/api/v1/leads/imports",
                files={"file": ("scale.csv", data, "text/csv")},
                headers=auth,
                timeout=600,
            )
            assert response.status_code == 202, response.text[:500]
            uploaded = time.monotonic() - started
            job = response.json()
            while job["status"] in ("pending", "running") and time.monotonic() - started < 1800:
                time.sleep(0.5)
                # A fresh token each time: a slow run outlives one token's 15 minutes.
                auth = {"Authorization": f"Bearer {stack.tokens.token(roles=['admin'])}"}
                polled = requests.get(
                    f"{leads}/api/v1/leads/imports/{job['id']}", headers=auth, timeout=30
                )
                if polled.status_code == 200:
                    job = polled.json()
            seconds = time.monotonic() - started
        after = common.machine_note()
        print("measuring the floor: COPY of the same rows", flush=True)
        floor = copy_floor(stack.urls["leads"], data)
    jobs_peak = sampler.peak["jobs worker"]
    web_peak = max((v for k, v in sampler.peak.items() if k.startswith("web")), default=0.0)
    common.table(
        [
            (
                f"{ROWS:,}-row CSV import, 5% dup (s)",
                f"{seconds:.1f}",
                f"{floor:.1f} (COPY, same rows)",
                f"{ROWS / seconds:,.0f} rows/s",
                f"< {TARGET_SECONDS * common.SCALE:.0f} s",
            ),
            (
                "import process (jobs worker) peak RSS (MB)",
                f"{jobs_peak:.0f}",
                f"{sampler.samples} samples, every 0.5 s",
                "",
                f"< {TARGET_RSS_MB}",
            ),
            (
                "web worker peak RSS during upload (MB)",
                f"{web_peak:.0f}",
                f"upload answered in {uploaded:.1f} s",
                "",
                "",
            ),
            (
                "job outcome",
                job["status"],
                f"{job['imported']:,} new, {job['duplicates']:,} dup, {job['failed']} failed",
                "",
                f"{ROWS - DUPLICATES:,} new, {DUPLICATES:,} dup",
            ),
        ]
    )
    print(f"machine: {os.cpu_count()} cores, scale {common.SCALE}")
    print(f"machine before: {before}")
    print(f"machine after:  {after}")
    figures = {
        "scale": common.SCALE,
        "rows": ROWS,
        "duplicates": DUPLICATES,
        "import_seconds": seconds,
        "upload_seconds": uploaded,
        "copy_floor_seconds": floor,
        "jobs_peak_rss_mb": jobs_peak,
        "web_peak_rss_mb": web_peak,
        "rss_samples": sampler.samples,
        "job": {k: job[k] for k in ("status", "total", "imported", "duplicates", "failed")},
        "cores": os.cpu_count(),
        "load_before": before,
        "load_after": after,
    }
    print(f"results in {common.write_results('scale-import', figures)}")
    return 0 if job["status"] == "completed" else 1


if __name__ == "__main__":
    sys.exit(main())
