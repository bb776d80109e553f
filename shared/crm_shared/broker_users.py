"""Each service's own RabbitMQ user, allowed to publish only its own event types.

``crm-provision-broker`` creates (or updates) one user per service and sets
its permissions from the service's :class:`~crm_shared.service.ServiceSpec`:

- configure/write/read on the platform's exchanges and on the service's own
  two queues only (``<service>.events``, ``<service>.dead``), plus writing to
  the default exchange, through which a consumer re-queues a failed event;
- a topic permission on ``crm.events`` whose write pattern is exactly the
  types the service ``publishes``, so a compromised service cannot forge
  another's event (``payment.received`` from leads is refused by the broker).

It talks to the management HTTP API (``--management-url``, with an
administrator from ``CRM_BROKER_ADMIN_USER`` / ``CRM_BROKER_ADMIN_PASSWORD``)
or runs ``rabbitmqctl`` (``--via rabbitmqctl``) where the management plugin
is not enabled. Each service's password comes from
``CRM_<SERVICE>_BROKER_PASSWORD``; services then connect with
``amqp://crm-<service>:<password>@host/``.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

from .config import env_prefix
from .service import ServiceSpec, discover


@dataclass(frozen=True)
class BrokerUser:
    """One service's user and the patterns of what it may touch."""

    name: str
    password_variable: str
    configure: str
    write: str
    read: str
    topic_exchange: str
    topic_write: str
    topic_read: str = ".*"


def _any_of(names: Iterable[str]) -> str:
    return "|".join(re.escape(n) for n in sorted(names))


def user_for(spec: ServiceSpec, namespace: str = "") -> BrokerUser:
    """The user ``spec``'s processes connect as, in bus ``namespace``."""
    prefix = f"{re.escape(namespace)}\\." if namespace else ""
    exchanges = ["crm.events", "crm.dead"]
    queues = [f"{spec.name}.events", f"{spec.name}.dead"]
    own = f"^{prefix}({_any_of(exchanges + queues)})$"
    published = _any_of(spec.publishes)
    return BrokerUser(
        name=f"crm-{spec.name}",
        password_variable=f"{env_prefix(spec.name)}_BROKER_PASSWORD",
        configure=own,
        write=f"^(amq\\.default|{prefix}({_any_of(exchanges + queues)}))$",
        read=own,
        topic_exchange=f"{namespace}.crm.events" if namespace else "crm.events",
        # A service that publishes nothing may publish no routing key at all.
        topic_write=f"^({published})$" if published else "^$",
    )


def users(specs: Mapping[str, ServiceSpec], namespace: str = "") -> list[BrokerUser]:
    """Every service's user, in name order."""
    return [user_for(spec, namespace) for _name, spec in sorted(specs.items())]


def _http(base: str, admin: tuple[str, str], vhost: str) -> Callable[[BrokerUser, str], None]:
    import requests

    session = requests.Session()
    session.auth = admin
    v = quote(vhost, safe="")

    def put(path: str, body: dict[str, str]) -> None:
        answer = session.put(f"{base.rstrip('/')}/api/{path}", json=body, timeout=10)
        if answer.status_code not in (200, 201, 204):
            raise RuntimeError(f"PUT /api/{path}: {answer.status_code} {answer.text[:200]}")

    def apply(user: BrokerUser, password: str) -> None:
        name = quote(user.name, safe="")
        put(f"users/{name}", {"password": password, "tags": ""})
        put(
            f"permissions/{v}/{name}",
            {"configure": user.configure, "write": user.write, "read": user.read},
        )
        put(
            f"topic-permissions/{v}/{name}",
            {"exchange": user.topic_exchange, "write": user.topic_write, "read": user.topic_read},
        )

    return apply


def rabbitmqctl_commands(user: BrokerUser, password: str, vhost: str) -> list[list[str]]:
    """The ``rabbitmqctl`` invocations that give ``user`` its password and permissions."""
    return [
        ["rabbitmqctl", "add_user", user.name, password],
        ["rabbitmqctl", "change_password", user.name, password],
        [
            "rabbitmqctl",
            "set_permissions",
            "-p",
            vhost,
            user.name,
            user.configure,
            user.write,
            user.read,
        ],
        [
            "rabbitmqctl",
            "set_topic_permissions",
            "-p",
            vhost,
            user.name,
            user.topic_exchange,
            user.topic_write,
            user.topic_read,
        ],
    ]


def _ctl(vhost: str) -> Callable[[BrokerUser, str], None]:
    def apply(user: BrokerUser, password: str) -> None:
        for index, command in enumerate(rabbitmqctl_commands(user, password, vhost)):
            result = subprocess.run(command, capture_output=True, text=True, check=False)
            # add_user fails when the user exists; change_password then sets it.
            if result.returncode != 0 and index != 0:
                raise RuntimeError(f"{' '.join(command[:3])}: {result.stderr.strip()}")

    return apply


def own_broker_url(broker_url: str, service: str, password: str) -> str:
    """``broker_url`` with the credentials replaced by ``service``'s own user."""
    parts = urlsplit(broker_url)
    host = parts.netloc.rsplit("@", 1)[-1]
    user = quote(f"crm-{service}", safe="")
    return urlunsplit(parts._replace(netloc=f"{user}:{quote(password, safe='')}@{host}"))


def provision_local(
    specs: Mapping[str, ServiceSpec], env: dict[str, str], via: str
) -> dict[str, str]:
    """For ``crm-up``: provision every service's user; service name → its broker URL.

    Passwords not given as ``CRM_<SERVICE>_BROKER_PASSWORD`` are generated for
    this run. Raises when provisioning fails.
    """
    for spec in specs.values():
        variable = user_for(spec).password_variable
        env.setdefault(variable, secrets.token_urlsafe(18))
    if main(["--via", via], environ=env) != 0:
        raise RuntimeError("broker provisioning failed (see above)")
    return {
        name: own_broker_url(env["CRM_BROKER_URL"], name, env[user_for(spec).password_variable])
        for name, spec in specs.items()
    }


def main(argv: list[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """``crm-provision-broker``: create every service's RabbitMQ user and permissions."""
    env = os.environ if environ is None else environ
    parser = argparse.ArgumentParser(prog="crm-provision-broker", description=__doc__)
    parser.add_argument("--via", choices=("http", "rabbitmqctl"), default="http")
    parser.add_argument(
        "--management-url", default=env.get("CRM_BROKER_MANAGEMENT_URL", "http://127.0.0.1:15672")
    )
    parser.add_argument("--vhost", default=env.get("CRM_BROKER_VHOST", "/"))
    parser.add_argument("--namespace", default=env.get("CRM_BUS_NAMESPACE", ""))
    parser.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
    args = parser.parse_args(argv)

    plan = users(discover(), args.namespace)
    missing = [u.password_variable for u in plan if not env.get(u.password_variable)]
    if args.dry_run:
        for user in plan:
            print(f"{user.name}: publishes {user.topic_write} on {user.topic_exchange}")
        return 0
    if missing:
        print(f"crm-provision-broker: set {', '.join(missing)}", file=sys.stderr)
        return 2
    if args.via == "http":
        admin = (env.get("CRM_BROKER_ADMIN_USER", ""), env.get("CRM_BROKER_ADMIN_PASSWORD", ""))
        if not all(admin):
            print("crm-provision-broker: set CRM_BROKER_ADMIN_USER and _PASSWORD", file=sys.stderr)
            return 2
        apply = _http(args.management_url, admin, args.vhost)
    else:
        apply = _ctl(args.vhost)
    for user in plan:
        apply(user, env[user.password_variable])
        print(f"{user.name}: may publish {user.topic_write}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
