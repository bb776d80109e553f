"""Configuration from environment variables, validated once at start.

Every process reads its settings through :class:`Env`, which collects every
problem (missing or malformed variable) and raises one :class:`ConfigError`
naming all of them, so an operator fixes the environment in one go.
"""

from __future__ import annotations

import builtins
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

_MISSING: Any = object()


class ConfigError(RuntimeError):
    """Raised when the environment does not describe a runnable process."""


class Env:
    """Typed, validating reader over an environment mapping.

    Readers record problems instead of raising at once; call :meth:`check`
    after reading everything to raise a single error listing them all.
    """

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self.environ = os.environ if environ is None else environ
        self.problems: list[str] = []

    def _raw(self, name: str, default: Any, help: str) -> str | None:
        value = self.environ.get(name)
        if value is None or value == "":
            if default is _MISSING:
                hint = f": {help}" if help else ""
                self.problems.append(f"{name} is missing{hint}")
            return None
        return value

    def str(self, name: str, default: Any = _MISSING, help: str = "") -> Any:
        """A string; ``default`` when unset (required when no default)."""
        value = self._raw(name, default, help)
        return default if value is None and default is not _MISSING else value

    def int(
        self,
        name: builtins.str,
        default: Any = _MISSING,
        *,
        min: int | None = None,
        max: int | None = None,
        help: builtins.str = "",
    ) -> Any:
        """An integer within ``[min, max]``."""
        value = self._raw(name, default, help)
        if value is None:
            return None if default is _MISSING else default
        try:
            number = int(value)
        except ValueError:
            self.problems.append(f"{name}={value!r} is not an integer")
            return default if default is not _MISSING else None
        if (min is not None and number < min) or (max is not None and number > max):
            self.problems.append(f"{name}={number} is outside [{min}, {max}]")
        return number

    def float(
        self,
        name: builtins.str,
        default: Any = _MISSING,
        *,
        min: float | None = None,
        help: builtins.str = "",
    ) -> Any:
        """A float, at least ``min``."""
        value = self._raw(name, default, help)
        if value is None:
            return None if default is _MISSING else default
        try:
            number = float(value)
        except ValueError:
            self.problems.append(f"{name}={value!r} is not a number")
            return default if default is not _MISSING else None
        if min is not None and number < min:
            self.problems.append(f"{name}={number} is below {min}")
        return number

    def bool(self, name: builtins.str, default: bool = False) -> bool:
        """A boolean: 1/true/yes/on or 0/false/no/off."""
        value = self._raw(name, default, "")
        if value is None:
            return default
        lowered = value.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off"}:
            return False
        self.problems.append(f"{name}={value!r} is not a boolean (use true or false)")
        return default

    def url(
        self,
        name: builtins.str,
        default: Any = _MISSING,
        *,
        schemes: tuple[builtins.str, ...],
        help: builtins.str = "",
    ) -> Any:
        """A URL whose scheme (before any ``+driver``) is one of ``schemes``."""
        value = self._raw(name, default, help)
        if value is None:
            return None if default is _MISSING else default
        scheme = urlsplit(value).scheme.split("+", 1)[0]
        if scheme not in schemes:
            allowed = ", ".join(schemes)
            self.problems.append(f"{name}={_redact(value)!r} must be a URL with scheme {allowed}")
        return value

    def check(self) -> None:
        """Raise :class:`ConfigError` listing every problem found so far."""
        if self.problems:
            lines = "\n  - ".join(self.problems)
            raise ConfigError(f"invalid configuration:\n  - {lines}")


def _redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url


def env_prefix(service: str) -> str:
    """``service-desk`` → ``CRM_SERVICE_DESK``: the prefix of a service's own variables."""
    return "CRM_" + service.upper().replace("-", "_")


@dataclass(frozen=True)
class PoolSettings:
    """How many database connections one process may hold, and for how long.

    ``size`` connections stay open; ``max_overflow`` more may open under load
    and close when returned; a thread that finds all of them busy waits up to
    ``timeout`` seconds; a connection older than ``recycle`` seconds is
    replaced (so connections idle across a firewall or server timeout are not
    reused). ``pre_ping`` checks each connection before it is handed out, so
    one cut by a database restart is replaced instead of failing a request.
    """

    size: int = 2
    max_overflow: int = 1
    timeout: float = 10.0
    recycle: int = 1800
    pre_ping: bool = True

    @property
    def max_connections(self) -> int:
        """The most connections this pool can open at once."""
        return self.size + self.max_overflow


# Defaults per process kind, chosen so ``make up`` (every service's web
# processes and workers on one PostgreSQL) stays well under its default 100
# connections; see docs/operations.md for the budget.
POOL_DEFAULTS: dict[str, PoolSettings] = {
    "web": PoolSettings(size=2, max_overflow=0),
    "worker": PoolSettings(size=2, max_overflow=1),
}
POOL_KINDS = tuple(POOL_DEFAULTS)


def load_pool_settings(env: Env, service: str, kind: str) -> PoolSettings:
    """Pool settings of ``kind`` (web or worker) processes of ``service``.

    ``CRM_<SERVICE>_<KIND>_DB_POOL_SIZE`` overrides ``CRM_<KIND>_DB_POOL_SIZE``,
    which overrides the default; likewise ``_DB_MAX_OVERFLOW``,
    ``_DB_POOL_TIMEOUT`` and ``_DB_POOL_RECYCLE``.
    """
    default = POOL_DEFAULTS[kind]
    own = f"{env_prefix(service)}_{kind.upper()}_DB_"
    common = f"CRM_{kind.upper()}_DB_"

    def name(suffix: str) -> str:
        return own + suffix if env.environ.get(own + suffix) else common + suffix

    return PoolSettings(
        size=env.int(name("POOL_SIZE"), default.size, min=1, max=100),
        max_overflow=env.int(name("MAX_OVERFLOW"), default.max_overflow, min=0, max=100),
        timeout=env.float(name("POOL_TIMEOUT"), default.timeout, min=0.1),
        recycle=env.int(name("POOL_RECYCLE"), default.recycle, min=1),
        pre_ping=env.bool(name("POOL_PRE_PING"), default.pre_ping),
    )


DATABASE_SCHEMES = ("postgresql", "sqlite")
BROKER_SCHEMES = ("amqp", "pyamqp", "memory")


@dataclass(frozen=True)
class Settings:
    """What every process of a service needs; service-specific values go in ``extra``."""

    service: str
    database_url: str
    broker_url: str
    jwks_url: str
    jwt_issuer: str
    jwt_audience: str
    bus_namespace: str = ""
    delivery_limit: int = 5
    queue_delivery_limit: int = 1000
    consumer_batch_size: int = 100
    relay_batch_size: int = 500
    relay_idle_seconds: float = 0.05
    prefetch: int = 200
    health_port: int | None = None
    data_dir: Path = Path("var")
    log_level: str = "INFO"
    trace_file: str | None = None
    max_body_bytes: int = 2 * 1024 * 1024
    web_pool: PoolSettings = POOL_DEFAULTS["web"]
    worker_pool: PoolSettings = POOL_DEFAULTS["worker"]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_sqlite(self) -> bool:
        """True when the service runs on an SQLite file (embedded mode)."""
        return self.database_url.startswith("sqlite")


def load_settings(
    service: str,
    environ: Mapping[str, str] | None = None,
    extra: Any = None,
) -> Settings:
    """Read and validate a service's settings from the environment.

    ``extra`` is an optional callable ``(Env) -> dict`` reading the service's
    own variables with the same validation and error reporting.
    """
    env = Env(environ)
    prefix = env_prefix(service)
    database_url = env.url(
        f"{prefix}_DATABASE_URL",
        schemes=DATABASE_SCHEMES,
        help="this service's database, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/"
        f"crm_{service.replace('-', '_')} or sqlite:///var/{service}.db",
    )
    broker_url = env.url(
        "CRM_BROKER_URL",
        schemes=BROKER_SCHEMES,
        help="the event bus, e.g. amqp://guest:guest@127.0.0.1:5672// or memory://",
    )
    jwks_url = env.url(
        "CRM_JWKS_URL",
        "http://127.0.0.1:8000/api/v1/auth/jwks.json",
        schemes=("http", "https", "file"),
    )
    settings = Settings(
        service=service,
        database_url=database_url,
        broker_url=broker_url,
        jwks_url=jwks_url,
        jwt_issuer=env.str("CRM_JWT_ISSUER", "crm-gateway"),
        jwt_audience=env.str("CRM_JWT_AUDIENCE", "crm"),
        bus_namespace=env.str("CRM_BUS_NAMESPACE", ""),
        delivery_limit=env.int("CRM_DELIVERY_LIMIT", 5, min=1, max=100),
        queue_delivery_limit=env.int("CRM_QUEUE_DELIVERY_LIMIT", 1000, min=10),
        consumer_batch_size=env.int("CRM_CONSUMER_BATCH_SIZE", 100, min=1, max=1000),
        relay_batch_size=env.int("CRM_RELAY_BATCH_SIZE", 500, min=1, max=5000),
        relay_idle_seconds=env.float("CRM_RELAY_IDLE_SECONDS", 0.05, min=0.001),
        prefetch=env.int("CRM_PREFETCH", 200, min=1, max=5000),
        health_port=env.int(f"{prefix}_WORKER_HEALTH_PORT", None, min=0, max=65535),
        data_dir=Path(env.str("CRM_DATA_DIR", "var")),
        log_level=env.str("CRM_LOG_LEVEL", "INFO").upper(),
        trace_file=env.str("CRM_TRACE_FILE", None),
        max_body_bytes=env.int("CRM_MAX_BODY_BYTES", 2 * 1024 * 1024, min=1024),
        web_pool=load_pool_settings(env, service, "web"),
        worker_pool=load_pool_settings(env, service, "worker"),
        extra=extra(env) if extra else {},
    )
    env.check()
    return settings


# Where each process listens unless told otherwise; the gateway's routing,
# the services' own defaults and the local runners all read this one table.
DEFAULT_PORTS: dict[str, int] = {
    "gateway": 8000,
    "leads": 8101,
    "customers": 8102,
    "opportunities": 8103,
    "orders": 8104,
    "service-desk": 8105,
    "compensation": 8106,
    "notifications": 8107,
}


def service_url(env: Env, service: str) -> str:
    """Base URL of another service (``CRM_<SERVICE>_URL``, default: its local port)."""
    return env.url(
        f"{env_prefix(service)}_URL",
        f"http://127.0.0.1:{DEFAULT_PORTS[service]}",
        schemes=("http", "https"),
    )
