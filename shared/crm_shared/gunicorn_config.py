"""Settings every service's gunicorn runs with: ``gunicorn -c python:crm_shared.gunicorn_config``.

Each gunicorn worker is its own process with its own counters; prometheus-
client's multiprocess mode lets a scrape of any one of them answer for all.
The directory must exist before the workers import prometheus-client, so the
master creates it (unless the deployment names one) and drops a dead
worker's live gauges when it exits.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import Any

_created: list[str] = []


def on_starting(_server: Any) -> None:
    """Give the workers a fresh multiprocess directory (kept if the environment sets one)."""
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if path:
        os.makedirs(path, exist_ok=True)
        for name in os.listdir(path):  # figures of an earlier run of this master
            if name.endswith(".db"):
                os.remove(os.path.join(path, name))
        return
    path = tempfile.mkdtemp(prefix="crm-metrics-")
    _created.append(path)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = path


def child_exit(_server: Any, worker: Any) -> None:
    """A worker's live gauges (pool in use) leave with it."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(_server: Any) -> None:
    """Remove the directory this master created."""
    for path in _created:
        shutil.rmtree(path, ignore_errors=True)
