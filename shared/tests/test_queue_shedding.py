"""Under gunicorn, a request that waited past the queue budget for a thread is refused
at once with 503 and Retry-After; the admitted ones keep their latency."""

from __future__ import annotations

import concurrent.futures
import os
import subprocess
import sys
import time
from pathlib import Path

import requests

from crm_shared.testing import free_port

HERE = Path(__file__).resolve().parent


def _serve(tmp_path: Path, worker_class: str, budget_ms: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CRM_", "PROMETHEUS_"))}
    env.update(
        CRM_PROBE_DATABASE_URL=f"sqlite:///{tmp_path / 'probe.db'}",
        CRM_BROKER_URL="memory://",
        CRM_JWKS_URL="file:///dev/null",
        CRM_LOG_LEVEL="WARNING",
        PROBE_SLOW_SECONDS="0.3",
        PROBE_MAX_QUEUE_MS=str(budget_ms),
        PYTHONPATH=os.pathsep.join([str(HERE), env.get("PYTHONPATH", "")]),
    )
    process = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
            "--worker-class", worker_class, "--threads", "2", "probe_web:create_app()",
        ],
        env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(url + "/healthz", timeout=2).status_code == 200:
                break
        except requests.RequestException:
            time.sleep(0.2)
    return process, url


def _burst(url: str, n: int) -> list[requests.Response]:
    with concurrent.futures.ThreadPoolExecutor(n) as pool:
        return list(
            pool.map(lambda _: requests.get(url + "/api/v1/probe/slow", timeout=60), range(n))
        )


def test_requests_queued_past_the_budget_are_refused_with_retry_after(tmp_path):
    process, url = _serve(tmp_path, "crm_shared.gunicorn_worker.ThreadWorker", budget_ms=200)
    try:
        answers = _burst(url, 16)  # 2 threads x 0.3 s: most of them wait well past 200 ms
    finally:
        process.terminate()
        process.wait(timeout=30)
    served = [a for a in answers if a.status_code == 200]
    refused = [a for a in answers if a.status_code == 503]
    assert len(served) + len(refused) == len(answers)
    assert served, "the first requests are served"
    assert len(refused) >= len(answers) // 2, [a.status_code for a in answers]
    for answer in refused:
        assert answer.headers["Retry-After"] == "1"
        assert answer.headers["Content-Type"].startswith("application/problem+json")


def test_plain_gthread_gives_no_stamp_and_sheds_nothing(tmp_path):
    process, url = _serve(tmp_path, "gthread", budget_ms=200)
    try:
        answers = _burst(url, 6)
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert [a.status_code for a in answers] == [200] * 6
