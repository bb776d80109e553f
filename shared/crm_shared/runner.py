"""Run the whole system on one machine, in either local mode.

- ``crm-run`` (``make run``): embedded. One process hosts every service, its
  worker and the gateway, on SQLite files under ``var/`` and kombu's
  in-memory bus; nothing to install beyond Python.
- ``crm-up`` (``make up``): every service's web app (gunicorn), its worker
  and the gateway as separate processes, on PostgreSQL (one database per
  service, created and migrated if missing) and RabbitMQ.

Both find the services through the ``crm.services`` entry point and take
every URL from the environment, filling in local defaults; only those
defaults differ between the modes.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path

from .config import DEFAULT_PORTS, env_prefix
from .service import ServiceSpec, discover

LOCAL_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432"
LOCAL_RABBITMQ = "amqp://guest:guest@127.0.0.1:5672//"
WORKER_PORT_OFFSET = 100  # a service on 8101 has its worker's health on 8201
# gthread, answering what gunicorn itself refuses as problem details.
GUNICORN_WORKER = "crm_shared.gunicorn_worker.ThreadWorker"
KEYS_PORT_OFFSET = 99  # the gateway on 8000 serves its signing keys on 8099


def _ordered(specs: Mapping[str, ServiceSpec]) -> list[ServiceSpec]:
    # The gateway first: services fetch its signing keys on their first request.
    return sorted(specs.values(), key=lambda s: (s.name != "gateway", s.port))


def local_environment(
    specs: Mapping[str, ServiceSpec],
    *,
    embedded: bool,
    data_dir: Path,
    port_offset: int = 0,
    environ: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment for running locally: the given one, with defaults filled in."""
    env = dict(os.environ if environ is None else environ)
    ports = {name: port + port_offset for name, port in DEFAULT_PORTS.items()}
    if env.get("CRM_GATEWAY_PORT"):
        ports["gateway"] = int(env["CRM_GATEWAY_PORT"])
    jwks_url = f"http://127.0.0.1:{ports['gateway']}/api/v1/auth/jwks.json"
    keys: dict[str, str] = {}
    if not embedded:
        # The gateway's keys on a listener of their own, apart from gunicorn's
        # threads that proxied traffic holds (crm_gateway.keys_listener).
        keys_port = ports["gateway"] + KEYS_PORT_OFFSET
        keys["CRM_GATEWAY_KEYS_BIND"] = f"127.0.0.1:{keys_port}"
        jwks_url = f"http://127.0.0.1:{keys_port}/jwks.json"
    defaults: dict[str, str] = {
        **keys,
        "CRM_BROKER_URL": "memory://" if embedded else LOCAL_RABBITMQ,
        "CRM_JWKS_URL": jwks_url,
        "CRM_DATA_DIR": str(data_dir),
        "CRM_GATEWAY_PORT": str(ports["gateway"]),
    }
    if embedded:
        defaults["CRM_LOG_FORMAT"] = "text"
    for spec in specs.values():
        prefix = env_prefix(spec.name)
        database = spec.name.replace("-", "_")
        defaults[f"{prefix}_DATABASE_URL"] = (
            f"sqlite:///{data_dir / (spec.name + '.db')}"
            if embedded
            else f"{LOCAL_POSTGRES}/crm_{database}"
        )
        if spec.name != "gateway":
            port = int(env.get(f"{prefix}_PORT") or ports.get(spec.name, spec.port))
            defaults[f"{prefix}_PORT"] = str(port)
            defaults[f"{prefix}_URL"] = f"http://127.0.0.1:{port}"
            defaults[f"{prefix}_WORKER_HEALTH_PORT"] = str(port + WORKER_PORT_OFFSET)
            # Services believe the address the local gateway settled on.
            defaults[f"{prefix}_TRUSTED_PROXIES"] = "127.0.0.1,::1"
        else:
            defaults[f"{prefix}_WORKER_HEALTH_PORT"] = str(ports["gateway"] + 200)
    for key, value in defaults.items():
        env.setdefault(key, value)
    return env


def _port(spec: ServiceSpec, env: Mapping[str, str]) -> int:
    return int(env[f"{env_prefix(spec.name)}_PORT"])


def _wait_ready(url: str, timeout: float) -> bool:
    """Wait for ``url`` (the gateway's ``/readyz``: every service answers) to say 200."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return True
        except urllib.error.HTTPError as exc:
            last = exc.read().decode("utf-8", "replace")[:500]
        except OSError as exc:
            last = str(exc)
        time.sleep(0.2)
    print(f"\n  CRM is NOT ready after {timeout:.0f} s: {last}\n", file=sys.stderr, flush=True)
    return False


def _migrate_all(specs: list[ServiceSpec]) -> None:
    from .config import load_settings
    from .db import Database
    from .migrations import upgrade

    for spec in specs:
        settings = load_settings(spec.name, extra=spec.extra_settings)
        upgrade(spec, settings.database_url)
        if spec.bootstrap is not None:
            db = Database(settings.database_url, service=spec.name, pool_size=1)
            try:
                spec.bootstrap(db, settings)
            finally:
                db.dispose()


def _banner(env: Mapping[str, str], mode: str) -> str:
    gateway = f"http://127.0.0.1:{env['CRM_GATEWAY_PORT']}"
    return (
        f"\n  CRM is running ({mode}).\n"
        f"  Console: {gateway}/  (sign in as admin)\n"
        f"  API:     {gateway}/api/v1/...\n"
        f"  OpenAPI: {gateway}/api/v1/openapi.json\n"
        f'  Sign in: POST {gateway}/api/v1/auth/token {{"username": "admin", "password": ...}}\n'
        "  Stop with Ctrl-C.\n"
    )


def run_embedded(argv: list[str] | None = None) -> int:
    """``crm-run``: the whole system in this process on SQLite and the in-memory bus."""
    parser = argparse.ArgumentParser(prog="crm-run", description=run_embedded.__doc__)
    parser.add_argument("--data-dir", default=os.environ.get("CRM_DATA_DIR", "var"))
    parser.add_argument("--port-offset", type=int, default=0)
    args = parser.parse_args(argv)

    from werkzeug.serving import make_server

    from .worker import Worker

    specs = discover()
    data_dir = Path(args.data_dir).resolve()
    os.environ.update(
        local_environment(specs, embedded=True, data_dir=data_dir, port_offset=args.port_offset)
    )
    ordered = _ordered(specs)
    _migrate_all(ordered)

    from .web import create_service_app

    servers = []
    workers = []
    for spec in ordered:
        port = (
            int(os.environ["CRM_GATEWAY_PORT"])
            if spec.name == "gateway"
            else _port(spec, os.environ)
        )
        server = make_server("127.0.0.1", port, create_service_app(spec), threaded=True)
        threading.Thread(target=server.serve_forever, name=f"{spec.name}-web", daemon=True).start()
        servers.append(server)
        worker = Worker(spec)
        worker.start()
        workers.append(worker)

    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    gateway = f"http://127.0.0.1:{os.environ['CRM_GATEWAY_PORT']}"
    if _wait_ready(f"{gateway}/readyz", 30):
        print(_banner(os.environ, f"embedded, data in {data_dir}"), file=sys.stderr, flush=True)
    stop.wait()
    for server in servers:
        server.shutdown()
    for worker in workers:
        worker.stop()
    return 0


def process_table(specs: Mapping[str, ServiceSpec], env: Mapping[str, str]) -> dict[str, str]:
    """Name → command of every process ``crm-up`` starts."""
    python = sys.executable
    web_workers = env.get("CRM_WEB_WORKERS", "2")
    threads = env.get("CRM_WEB_THREADS", "8")
    table: dict[str, str] = {}
    for spec in _ordered(specs):
        port = (
            env["CRM_GATEWAY_PORT"]
            if spec.name == "gateway"
            else env[f"{env_prefix(spec.name)}_PORT"]
        )
        table[f"{spec.name}-web"] = (
            f"{python} -m gunicorn --config python:crm_shared.gunicorn_config"
            f" --bind 127.0.0.1:{port} --workers {web_workers}"
            f" --worker-class {GUNICORN_WORKER} --threads {threads} --graceful-timeout 10"
            f" --timeout 60 '{spec.import_name}.app:create_app()'"
        )
        worker = f"{python} -m {spec.import_name} worker"
        if spec.jobs_apart:
            health = int(env[f"{env_prefix(spec.name)}_WORKER_HEALTH_PORT"]) + WORKER_PORT_OFFSET
            table[f"{spec.name}-worker"] = f"{worker} --roles relay,consumer"
            table[f"{spec.name}-jobs"] = f"{worker} --roles jobs --health-port {health}"
        else:
            table[f"{spec.name}-worker"] = worker
    return table


def connection_budget(specs: Mapping[str, ServiceSpec], env: Mapping[str, str]) -> dict[str, int]:
    """Name → the most PostgreSQL connections each ``crm-up`` process can hold.

    A web process is ``CRM_WEB_WORKERS`` gunicorn workers, each with its own
    pool; a worker process has one pool.
    """
    from .config import Env, load_pool_settings

    reader = Env(env)
    web_workers = int(env.get("CRM_WEB_WORKERS", "2"))
    budget: dict[str, int] = {}
    for name in process_table(specs, env):
        service, _, kind = name.rpartition("-")
        if kind == "web":
            pool = load_pool_settings(reader, service, "web")
            budget[name] = web_workers * pool.max_connections
        else:
            budget[name] = load_pool_settings(reader, service, "worker").max_connections
    reader.check()
    return budget


def local_key_encryption_key(data_dir: Path) -> Path:
    """The file holding the gateway's key-encryption key: made on first start, then reused."""
    from cryptography.fernet import Fernet

    path = data_dir / "gateway-key-encryption.key"
    if not path.exists():
        # Created readable by the owner only; the gateway's keys cannot be
        # opened without it, so it lives with the data it protects.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(Fernet.generate_key().decode() + "\n")
    return path


def run_processes(argv: list[str] | None = None) -> int:
    """``crm-up``: every service, worker and the gateway as processes on PostgreSQL and RabbitMQ."""
    parser = argparse.ArgumentParser(prog="crm-up", description=run_processes.__doc__)
    parser.add_argument("--data-dir", default=os.environ.get("CRM_DATA_DIR", "var"))
    parser.add_argument("--port-offset", type=int, default=0)
    args = parser.parse_args(argv)

    from honcho.manager import Manager

    specs = discover()
    data_dir = Path(args.data_dir).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    env = local_environment(specs, embedded=False, data_dir=data_dir, port_offset=args.port_offset)
    if not env.get("CRM_GATEWAY_KEY_ENCRYPTION_KEY"):
        env.setdefault(
            "CRM_GATEWAY_KEY_ENCRYPTION_KEY_FILE", str(local_key_encryption_key(data_dir))
        )
    os.environ.update(env)
    _migrate_all(_ordered(specs))

    budget = connection_budget(specs, env)
    print(
        f"crm-up: at most {sum(budget.values())} PostgreSQL connections across"
        f" {len(budget)} processes (see docs/operations.md to change the pools)",
        file=sys.stderr,
        flush=True,
    )
    # Optional on this machine (off by default): each service on its own
    # RabbitMQ user, provisioned with rabbitmqctl or the management API.
    broker_urls: dict[str, str] = {}
    if env.get("CRM_BROKER_USERS") in ("rabbitmqctl", "http"):
        from .broker_users import provision_local

        broker_urls = provision_local(specs, env, env["CRM_BROKER_USERS"])
    manager = Manager()
    for name, command in process_table(specs, env).items():
        service = name.rpartition("-")[0]
        own = {"CRM_BROKER_URL": broker_urls[service]} if service in broker_urls else {}
        manager.add_process(name, command, env={**env, **own})

    def announce() -> None:
        gateway = f"http://127.0.0.1:{env['CRM_GATEWAY_PORT']}"
        if _wait_ready(f"{gateway}/readyz", 60):
            print(_banner(env, "processes on PostgreSQL and RabbitMQ"), file=sys.stderr, flush=True)

    threading.Thread(target=announce, daemon=True).start()
    manager.loop()
    return manager.returncode or 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run_embedded())
