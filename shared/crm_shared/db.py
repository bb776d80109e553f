"""Database engine, sessions and portable column types.

Every service owns one database. The same code runs on PostgreSQL (local
services, compose, cluster) and on an SQLite file (embedded mode); the URL
decides. Column types here keep money exact and times in UTC on both.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Engine,
    MetaData,
    Numeric,
    String,
    create_engine,
    event,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from . import metrics
from .config import PoolSettings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Errors that say the database, not the work, is at fault: an event that
# meets one is held and retried rather than counted as a handler failure.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (OperationalError,)


def is_transient(exc: BaseException) -> bool:
    """True when ``exc`` means the database was unreachable, not that the work is wrong."""
    if isinstance(exc, TRANSIENT_ERRORS):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def new_metadata() -> MetaData:
    """A MetaData with stable constraint names, so migrations match on both dialects."""
    return MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def new_id() -> uuid.UUID:
    """A new random identifier."""
    return uuid.uuid4()


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python.

    SQLite keeps no zone, so values are stored as naive UTC there and given
    their zone back on load; naive input is refused rather than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self) -> type[datetime]:
        return datetime

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Money(TypeDecorator[Decimal]):
    """An exact decimal amount: NUMERIC on PostgreSQL, text on SQLite.

    SQLite's NUMERIC affinity would round-trip through a float, so the
    embedded mode stores the decimal's text instead and parses it back.
    """

    impl = Numeric(20, 4)
    cache_ok = True

    @property
    def python_type(self) -> type[Decimal]:
        return Decimal

    def load_dialect_impl(self, dialect: Any) -> Any:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(48))
        return dialect.type_descriptor(Numeric(20, 4, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if value is None:
            return None
        value = Decimal(value)
        return str(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        if value is None:
            return None
        return Decimal(value)


class JSONType(TypeDecorator[Any]):
    """A JSON document: JSONB on PostgreSQL (compact, indexable), JSON text elsewhere."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> Any:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(JSONB())
        return dialect.type_descriptor(JSON())


def _engine_options(url: str, pool: PoolSettings) -> dict[str, Any]:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return {"connect_args": {"check_same_thread": False, "timeout": 30}}
    return {
        "pool_size": pool.size,
        "max_overflow": pool.max_overflow,
        "pool_timeout": pool.timeout,
        # The round-trip ping is replaced by a socket check on PostgreSQL
        # (_check_alive, installed by make_engine).
        "pool_pre_ping": False,
        "pool_recycle": pool.recycle,
        "connect_args": {"connect_timeout": 5},
    }


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers proceed during a write; busy_timeout waits out short
    # write locks instead of failing when several threads write at once.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    # A deferred transaction that reads and then writes fails at once with
    # "database is locked" if another connection wrote meanwhile; taking the
    # write lock up front queues writers behind each other instead. Readers
    # that never write (marked read-only) begin deferred, so they neither
    # wait for writers nor deadlock a writer on the same thread.
    if conn.get_execution_options().get("crm_readonly"):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _check_alive(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """Pre-ping without a round trip: hand out a pooled connection only if it is alive.

    An idle connection's socket has nothing to read; one the server closed
    (a restart, a blip that cut it) reads as end of file, and psycopg marks a
    connection that failed as broken. Only then is it pinged for real, and
    replaced when that fails. SQLAlchemy's ``pool_pre_ping`` would send a
    query on every checkout instead: a round trip on every request.
    """
    import select

    from sqlalchemy.exc import DisconnectionError

    if getattr(dbapi_connection, "broken", False) or dbapi_connection.closed:
        raise DisconnectionError("the connection is closed")
    try:
        readable, _, _ = select.select([dbapi_connection.fileno()], [], [], 0)
    except (OSError, ValueError) as exc:
        raise DisconnectionError("the connection's socket is gone") from exc
    if not readable:
        return
    # Something arrived while idle: end of file, an error, or a notice. Ask.
    try:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        dbapi_connection.rollback()
    except Exception as exc:
        raise DisconnectionError("the connection failed its ping") from exc


def make_engine(url: str, *, pool: PoolSettings | None = None) -> Engine:
    """Create an engine for ``url``; on SQLite, create the file's folder too.

    ``pool`` bounds the connections it holds (default: a small pool).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    pool = pool or PoolSettings()
    engine = create_engine(url, **_engine_options(url, pool))
    if engine.dialect.name == "postgresql" and pool.pre_ping:
        event.listen(engine, "checkout", _check_alive)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        # Let SQLAlchemy, not pysqlite, emit BEGIN so IMMEDIATE can be used.
        event.listen(
            engine, "connect", lambda dbapi_conn, _r: setattr(dbapi_conn, "isolation_level", None)
        )
        event.listen(engine, "begin", _sqlite_begin)
    return engine


class Database:
    """One service's engine and session factory.

    ``session_info`` is copied into each session's ``info`` so mechanisms
    (the outbox) know which service they write for without globals.
    """

    def __init__(
        self,
        url: str,
        *,
        service: str,
        pool: PoolSettings | None = None,
        pool_size: int | None = None,
    ) -> None:
        self.url = url
        self.service = service
        # ``pool_size`` alone (one-shot commands) means that many and no overflow.
        if pool is None and pool_size is not None:
            pool = PoolSettings(size=pool_size, max_overflow=0)
        self.pool = pool or PoolSettings()
        self.engine = make_engine(url, pool=self.pool)
        metrics.watch_pool(self.engine, service)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)
        self.reader_engine = self.engine.execution_options(crm_readonly=True)
        self.read_sessionmaker = sessionmaker(self.reader_engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        """``postgresql`` or ``sqlite``."""
        return self.engine.dialect.name

    def session(self) -> Session:
        """A new session; the caller commits or rolls back and closes it."""
        session = self.sessionmaker()
        session.info["crm.service"] = self.service
        return session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reads only; on SQLite it takes no write lock."""
        session = self.read_sessionmaker()
        try:
            yield session
        finally:
            # close() ends the transaction without expiring loaded objects.
            session.close()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work commits on success and rolls back on error."""
        session = self.session()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def ping(self) -> None:
        """Raise if the database cannot answer a trivial query."""
        with self.reader_engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    @contextmanager
    def singleton(self, name: str) -> Iterator[bool]:
        """Yield True when this process holds the cluster-wide lock ``name``.

        Scheduled jobs use it so that, with several workers running, each
        run happens once. PostgreSQL uses a transaction advisory lock; an
        SQLite file is only ever used by one process, so it always holds it.
        """
        if self.dialect != "postgresql":
            yield True
            return
        key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        with self.engine.connect() as conn, conn.begin():
            got = conn.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": key}).scalar()
            yield bool(got)

    def dispose(self) -> None:
        """Close pooled connections."""
        self.engine.dispose()


def ensure_database(url: str) -> bool:
    """Create the PostgreSQL database named in ``url`` if it is missing.

    Returns True when it was created. SQLite files are created on first
    connect, so nothing is done for them.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return False
    name = parsed.database
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            ).scalar()
            if exists:
                return False
            try:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
            except Exception as exc:  # another process created it first
                if "already exists" in str(exc):
                    return False
                raise
            return True
    finally:
        admin.dispose()


def drop_database(url: str) -> None:
    """Drop a PostgreSQL database (tests use it to clean up after themselves)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).unlink(missing_ok=True)
        return
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
    finally:
        admin.dispose()
