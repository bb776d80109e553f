"""The command line every service shares: ``python -m <service> <command>``.

Commands: ``migrate`` (create the database if missing, upgrade it),
``worker [--roles relay,consumer,jobs]`` (all three unless told), ``serve``
(a development web server; production uses gunicorn), ``makemigration MESSAGE``, ``dead-letters``
(count or replay the dead-letter queue).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys

from .bus import Topology
from .config import ConfigError, Settings, load_settings
from .service import ServiceSpec


def main(spec: ServiceSpec, argv: list[str] | None = None) -> int:
    """Run one command for ``spec``; return the exit status."""
    parser = argparse.ArgumentParser(prog=f"python -m {spec.import_name}")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="create the database if missing and upgrade it")
    worker = sub.add_parser("worker", help="run the outbox relay, event consumer and jobs")
    worker.add_argument(
        "--roles",
        default="relay,consumer,jobs",
        help="comma-separated: which of relay, consumer, jobs this process runs (default: all)",
    )
    worker.add_argument(
        "--health-port",
        type=int,
        help="port of /healthz and /readyz (default: the service's worker health port; 0: none)",
    )
    serve = sub.add_parser("serve", help="development web server (use gunicorn in production)")
    serve.add_argument("--port", type=int, default=spec.port)
    make = sub.add_parser("makemigration", help="autogenerate a migration")
    make.add_argument("message")
    dead = sub.add_parser("dead-letters", help="count, or replay, dead-lettered events")
    dead.add_argument(
        "--replay", action="store_true", help="send them back to this service, each once"
    )
    dead.add_argument("--type", dest="event_type", help="replay only events of this type")
    dead.add_argument("--id", dest="event_id", help="replay only the event with this id")
    dead.add_argument(
        "--wait",
        type=float,
        default=30.0,
        help="seconds to wait for the replayed events' outcome (default 30; 0: do not wait)",
    )
    args = parser.parse_args(argv)

    try:
        settings = load_settings(spec.name, extra=spec.extra_settings)
    except ConfigError as exc:
        print(f"{spec.name}: {exc}", file=sys.stderr)
        return 2

    if args.command == "migrate":
        from .migrations import upgrade

        upgrade(spec, settings.database_url)
        if spec.bootstrap is not None:
            from .db import Database

            db = Database(settings.database_url, service=spec.name, pool_size=1)
            try:
                spec.bootstrap(db, settings)
            finally:
                db.dispose()
        print(f"{spec.name}: database at newest revision")
    elif args.command == "makemigration":
        from .migrations import revision

        revision(spec, settings.database_url, args.message)
    elif args.command == "worker":
        from .worker import ROLES, Worker

        roles = [r.strip() for r in args.roles.split(",") if r.strip()]
        if not roles or set(roles) - set(ROLES):
            print(f"{spec.name}: --roles takes some of {', '.join(ROLES)}", file=sys.stderr)
            return 2
        if args.health_port is not None:
            settings = dataclasses.replace(settings, health_port=args.health_port or None)
        Worker(spec, settings, roles).run_forever()
    elif args.command == "serve":
        from .web import create_service_app

        create_service_app(spec, settings).run(host="127.0.0.1", port=args.port, threaded=True)
    elif args.command == "dead-letters":
        return _dead_letters(spec, settings, args)
    return 0


def _dead_letters(spec: ServiceSpec, settings: Settings, args: argparse.Namespace) -> int:
    from .dead_letters import (
        follow,
        handled_ids,
        queue_depth,
        replay_dead_letters,
        returned_ids,
    )

    topology = Topology.for_settings(settings)
    if not args.replay:
        if args.event_type or args.event_id:
            print(f"{spec.name}: --type and --id select what --replay sends", file=sys.stderr)
            return 2
        for name, count in queue_depth(settings.broker_url, topology, spec.name).items():
            print(f"{name}: {count}")
        return 0
    run = replay_dead_letters(
        settings.broker_url,
        topology,
        spec.name,
        event_type=args.event_type,
        event_id=args.event_id,
    )
    if run.replayed and args.wait > 0:
        from .db import Database

        db = Database(settings.database_url, service=spec.name, pool_size=1)
        try:
            follow(
                run,
                handled=lambda ids: handled_ids(db, ids),
                returned=lambda: returned_ids(settings.broker_url, topology, spec.name, run.run_id),
                timeout=args.wait,
            )
        finally:
            db.dispose()
    print(f"{spec.name}: {run.summary()}")
    return 1 if run.failed_again else 0
