"""Under gunicorn with several workers, a scrape of any worker answers for all of them."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import requests
from prometheus_client.parser import text_string_to_metric_families

from crm_shared.testing import free_port

HERE = Path(__file__).resolve().parent


def _count(text: str) -> float:
    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if (
                sample.name == "crm_http_requests_total"
                and sample.labels.get("route") == "/api/v1/probe/pid"
            ):
                total += sample.value
    return total


def test_two_workers_one_sum(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CRM_", "PROMETHEUS_"))}
    env.update(
        CRM_PROBE_DATABASE_URL=f"sqlite:///{tmp_path / 'probe.db'}",
        CRM_BROKER_URL="memory://",
        CRM_JWKS_URL="file:///dev/null",
        CRM_LOG_LEVEL="WARNING",
        PYTHONPATH=os.pathsep.join([str(HERE), env.get("PYTHONPATH", "")]),
    )
    process = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "--config", "python:crm_shared.gunicorn_config",
            "--bind", f"127.0.0.1:{port}", "--workers", "2", "--worker-class", "sync",
            "probe_web:create_app()",
        ],
        env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        pids: set[int] = set()
        answered = 0
        # A fresh connection each time so the kernel spreads them over both workers.
        while answered < 200 and (len(pids) < 2 or answered < 40):
            answer = requests.get(url + "/api/v1/probe/pid", timeout=10)
            assert answer.status_code == 200
            pids.add(answer.json()["pid"])
            answered += 1
        assert len(pids) == 2, "both workers answered"
        for _ in range(6):  # whichever worker takes the scrape, the sum is the same
            assert _count(requests.get(url + "/metrics", timeout=10).text) == answered
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0].decode(errors="replace")
    assert "Traceback" not in output, output
