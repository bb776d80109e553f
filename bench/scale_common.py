"""What the scale benches (``bench/scale_*.py``) share: scale, a stack of real processes, RSS.

Each scale bench starts the real processes it measures (gunicorn web apps
with the settings ``crm-up`` uses, ``python -m <service> worker``) on
throwaway databases and a throwaway bus namespace, with tokens signed by a
key made for the run and published on a local JWKS endpoint (as the
gateway's keys listener publishes its own), so no gateway is needed to
call a service the way a client does.

``CRM_BENCH_SCALE`` (default 1) multiplies every row count and rate, so
``CRM_BENCH_SCALE=0.01 python -P bench/scale_import.py`` is a smoke run.
"""

from __future__ import annotations

import contextlib
import http.server
import importlib.util
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import jwt
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
# bench/ holds scripts named like services: keep it off the path (see run.py).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]


def _load(name: str, file: str) -> Any:
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # multiprocessing's workers find it by name
    spec.loader.exec_module(module)
    return module


# The runner's helpers (gunicorn command, readiness, machine note, results)
# and the load generators, used as they are so every figure is taken alike.
bench_run = _load("crm_bench_run", "run.py")
load = sys.modules["crm_bench_load"]

from crm_shared.config import load_settings  # noqa: E402
from crm_shared.db import Database, drop_database  # noqa: E402
from crm_shared.migrations import upgrade  # noqa: E402
from crm_shared.service import discover  # noqa: E402
from crm_shared.testing import TokenFactory, delete_namespace, free_port  # noqa: E402

PG = bench_run.PG
AMQP = bench_run.AMQP
PYTHON = sys.executable
SCALE = float(os.environ.get("CRM_BENCH_SCALE", "1"))
machine_note = bench_run.machine_note
write_results = bench_run.write_results
wait_ready = bench_run.wait_ready


def scaled(n: float, least: int = 1) -> int:
    """``n`` times ``CRM_BENCH_SCALE``, at least ``least``."""
    return max(least, int(n * SCALE))


def gunicorn(port: int, app: str, workers: int = 2) -> list[str]:
    """The web command crm-up runs, with ``workers`` processes."""
    command = bench_run.gunicorn(port, app)
    command[command.index("--workers") + 1] = str(workers)
    return command


def percentile(samples: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``samples``, nearest rank; NaN when empty."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class _Jwks(http.server.ThreadingHTTPServer):
    daemon_threads = True


def serve_jwks(tokens: TokenFactory) -> tuple[str, _Jwks]:
    """Publish ``tokens``' public key as a JWKS document; its URL and the server."""
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(tokens.public_key))
    body = json.dumps({"keys": [{**jwk, "kid": tokens.kid, "alg": "RS256", "use": "sig"}]})

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *_args: Any) -> None:
            pass

    server = _Jwks(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/jwks.json", server


class Stack:
    """Throwaway databases and bus namespace for ``services``, and processes started on them.

    Use as a context manager: everything started is stopped and everything
    made is dropped on the way out.
    """

    def __init__(self, label: str, services: Sequence[str], env: Mapping[str, str] = ()) -> None:
        self.run = f"{label}_{uuid.uuid4().hex[:6]}"
        self.specs = discover()
        self.services = list(services)
        self.namespace = f"bench-{self.run}"
        self.tokens = TokenFactory()
        self.jwks_url, self._jwks = serve_jwks(self.tokens)
        self.urls = {
            name: make_url(PG)
            .set(database=f"crm_bench_{self.run}_{name}")
            .render_as_string(hide_password=False)
            for name in self.services
        }
        self.env: dict[str, str] = {
            **os.environ,
            "CRM_BROKER_URL": AMQP,
            "CRM_BUS_NAMESPACE": self.namespace,
            "CRM_JWKS_URL": self.jwks_url,
            "CRM_LOG_LEVEL": "WARNING",
            **{f"CRM_{name.upper()}_DATABASE_URL": url for name, url in self.urls.items()},
            **dict(env),
        }
        self.logs = Path(os.environ.get("BENCH_LOG_DIR", f"/tmp/crm-bench-{self.run}"))
        self.logs.mkdir(parents=True, exist_ok=True)
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def __enter__(self) -> Stack:
        os.environ.update(self.env)
        for name, url in self.urls.items():
            spec = self.specs[name]
            upgrade(spec, url)
            if spec.bootstrap is not None:
                db = Database(url, service=spec.name, pool_size=1)
                try:
                    spec.bootstrap(db, load_settings(spec.name, extra=spec.extra_settings))
                finally:
                    db.dispose()
        return self

    def start(self, name: str, command: list[str], env: Mapping[str, str] = ()) -> int:
        """Start ``command`` as process ``name`` (log under the run's folder); its pid."""
        out = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115
        self.processes[name] = subprocess.Popen(
            command,
            env={**self.env, **dict(env)},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=ROOT,
        )
        return self.processes[name].pid

    def web(self, service: str, name: str | None = None, workers: int = 2) -> str:
        """Start ``service``'s web app under gunicorn and wait until it is ready; its URL."""
        port = free_port()
        module = self.specs[service].import_name
        self.start(name or service, gunicorn(port, f"{module}.app:create_app()", workers))
        url = f"http://127.0.0.1:{port}"
        wait_ready(url + "/readyz")
        return url

    def worker(self, service: str, roles: str, name: str | None = None) -> int:
        """Start ``service``'s worker with ``roles`` and wait until it is ready; its pid."""
        port = free_port()
        module = self.specs[service].import_name
        pid = self.start(
            name or f"{service}-{roles}",
            [PYTHON, "-m", module, "worker", "--roles", roles, "--health-port", str(port)],
        )
        wait_ready(f"http://127.0.0.1:{port}/readyz")
        return pid

    def stop(self, name: str) -> None:
        """Stop process ``name`` (its whole session), waiting for it."""
        process = self.processes.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def __exit__(self, *_exc: Any) -> None:
        for name in list(self.processes):
            self.stop(name)
        self._jwks.shutdown()
        for url in self.urls.values():
            with contextlib.suppress(Exception):
                drop_database(url)
        with contextlib.suppress(Exception):
            delete_namespace(AMQP, self.namespace, sorted(self.specs))
        print(f"logs in {self.logs}")


def rss_mb(pid: int) -> float:
    """Resident set size of process ``pid`` in MB (``/proc``); 0 once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class RssSampler:
    """Samples the RSS of some processes every ``every`` seconds on a thread; peaks kept."""

    def __init__(self, pids: Mapping[str, int], every: float = 0.5) -> None:
        self.pids = dict(pids)
        self.every = every
        self.peak = dict.fromkeys(self.pids, 0.0)
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for name, pid in self.pids.items():
                self.peak[name] = max(self.peak[name], rss_mb(pid))
            self.samples += 1
            self._stop.wait(self.every)

    @contextlib.contextmanager
    def running(self) -> Iterator[RssSampler]:
        """Sample while the block runs."""
        self._thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            self._thread.join()


def table(rows: Sequence[Sequence[str]]) -> None:
    """Print rows (figure, measured, reference, ratio, target) as aligned columns."""
    header = ("figure", "measured", "reference / floor", "ratio", "target")
    width = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]
    print()
    for row in (header, tuple("-" * w for w in width), *rows):
        print("  ".join(str(cell).ljust(w) for cell, w in zip(row, width, strict=True)))
    print()


def wait_for(check: Any, timeout: float, every: float = 0.5) -> bool:
    """Call ``check`` until it is truthy or ``timeout`` seconds pass; whether it was."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(every)
    return bool(check())
