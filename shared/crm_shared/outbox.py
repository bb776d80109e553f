"""The transactional outbox: events are written with the state they describe.

:func:`publish` adds an event row in the caller's session, so the change and
its event commit or vanish together. :class:`OutboxRelay` (run by the
service's worker) moves pending rows to the broker in batches with publisher
confirms and marks them sent; rows it could not publish stay pending and are
retried, so a relay that crashes or loses the broker resumes where it
stopped. Delivery is at-least-once; consumers are idempotent.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from . import metrics
from .bus import PublishFailed
from .db import Database, utcnow
from .events import (
    DATA_CONTENT_TYPE,
    SPECVERSION,
    Event,
    current_automation,
    new_event,
    schema_uri,
)
from .tables import outbox
from .telemetry import current_traceparent

log = logging.getLogger(__name__)


def prepare(
    session: Session,
    event_type: str,
    data: dict[str, Any],
    *,
    subject: str | uuid.UUID | None = None,
    version: int = 1,
) -> dict[str, Any]:
    """The outbox row of an event, checked against its contract, not yet written.

    For a service that writes the row itself as part of a larger statement
    (a capture's single round trip); everyone else calls :func:`publish`.
    """
    event = new_event(
        event_type,
        data,
        source=session.info.get("crm.service", "crm"),
        subject=str(subject) if subject is not None else None,
        version=version,
        traceparent=current_traceparent(),
        automation=current_automation(),
    )
    return {
        "event_id": uuid.UUID(event.id),
        "event_type": event.type,
        "envelope": event.to_envelope(),
        "created_at": event.time,
    }


def publish(
    session: Session,
    event_type: str,
    data: dict[str, Any],
    *,
    subject: str | uuid.UUID | None = None,
    version: int = 1,
) -> dict[str, Any]:
    """Record an event in the outbox as part of ``session``'s transaction.

    The data is checked against the event's contract here, so a change that
    would emit a malformed event fails before anything is committed.
    Returns the outbox row (its ``envelope`` is the CloudEvents document).
    """
    row = prepare(session, event_type, data, subject=subject, version=version)
    # Values as parameters (not literals) keep the compiled INSERT cached.
    session.execute(insert(outbox), row)
    return row


def pending_stats(db: Database) -> dict[str, Any]:
    """How many events wait to be published and how old the oldest is (seconds)."""
    with db.engine.connect() as conn:
        count, oldest = conn.execute(
            select(func.count(), func.min(outbox.c.created_at)).where(
                outbox.c.published_at.is_(None)
            )
        ).one()
    lag = 0.0
    if oldest is not None:
        if not isinstance(oldest, datetime) or oldest.tzinfo is None:
            # SQLite's MIN() bypasses the column type and answers text.
            oldest = datetime.fromisoformat(str(oldest)).replace(tzinfo=UTC)
        lag = max(0.0, (utcnow() - oldest).total_seconds())
    return {"pending": int(count or 0), "lag_seconds": round(lag, 3)}


class OutboxRelay:
    """Moves pending outbox rows to the bus, oldest first.

    Several relays may run against one PostgreSQL database: each batch is
    claimed with ``FOR UPDATE SKIP LOCKED``, so no row is published by two
    relays at once.
    """

    def __init__(
        self,
        db: Database,
        send: Callable[[dict[str, Any]], None],
        *,
        send_many: Callable[[list[dict[str, Any]]], None] | None = None,
        batch_size: int = 200,
        idle_seconds: float = 0.05,
        retention: timedelta = timedelta(days=7),
        derive: Callable[[Database], int] | None = None,
    ) -> None:
        self.db = db
        # Rows that are their own outbox entry become outbox rows first
        # (ServiceSpec.derive_events), so their events go out in this batch.
        self.derive = derive
        self.send = send
        self.send_many = send_many
        self.batch_size = batch_size
        self.idle_seconds = idle_seconds
        self.retention = retention
        self._last_prune = 0.0
        # Failed rounds since start: health checks and tests see the relay trying.
        self.failures = 0

    def run_once(self) -> int:
        """Publish one batch; return how many rows were sent.

        When the broker fails mid-batch the rows already confirmed are still
        marked sent and the error is raised for the caller to back off.
        """
        if self.derive is not None:
            self.derive(self.db)
        with self.db.engine.connect() as conn, conn.begin():
            rows = conn.execute(
                select(outbox.c.seq, outbox.c.envelope)
                .where(outbox.c.published_at.is_(None))
                .order_by(outbox.c.seq)
                .limit(self.batch_size)
                .with_for_update(skip_locked=True)
            ).all()
            sent: list[int] = []
            error: BaseException | None = None
            if self.send_many is not None:
                try:
                    self.send_many([envelope for _seq, envelope in rows])
                    sent = [seq for seq, _envelope in rows]
                except PublishFailed as exc:  # the confirmed prefix counts as sent
                    sent = [seq for seq, _envelope in rows[: exc.confirmed]]
                    error = exc
            else:
                for seq, envelope in rows:
                    try:
                        self.send(envelope)
                    except Exception as exc:  # broker gone or nacked: keep the rest pending
                        error = exc
                        break
                    sent.append(seq)
            if sent:
                conn.execute(
                    update(outbox).where(outbox.c.seq.in_(sent)).values(published_at=utcnow())
                )
        if sent:
            metrics.RELAY_PUBLISHED.labels(self.db.service).inc(len(sent))
        if error is not None:
            raise error
        return len(sent)

    def prune(self) -> int:
        """Delete rows published longer ago than the retention period."""
        cutoff = utcnow() - self.retention
        with self.db.engine.begin() as conn:
            result = conn.execute(
                delete(outbox).where(
                    outbox.c.published_at.is_not(None), outbox.c.published_at < cutoff
                )
            )
        return result.rowcount or 0

    def run(self, stop: threading.Event) -> None:
        """Relay until ``stop`` is set, backing off while the broker or database is down."""
        backoff = 0.5
        while not stop.is_set():
            try:
                sent = self.run_once()
                backoff = 0.5
                if time.monotonic() - self._last_prune > 3600:
                    self._last_prune = time.monotonic()
                    self.prune()
            except Exception:
                self.failures += 1
                log.warning("outbox relay failed; retrying in %.1fs", backoff, exc_info=True)
                stop.wait(backoff)
                backoff = min(backoff * 2, 10.0)
                continue
            if sent < self.batch_size:
                stop.wait(self.idle_seconds)


def envelope_sql(
    event_type: str,
    data: Mapping[str, Any],
    *,
    event_id: Any,
    subject: Any,
    time: Any,
    source: str,
    traceparent: str | None = None,
    version: int = 1,
) -> Any:
    """A PostgreSQL expression building an event's CloudEvents envelope from SQL values.

    For bulk writes (imports) where building each event in Python would cost
    more than inserting the rows: ``data`` maps each contract field to a SQL
    expression, and the envelope is assembled by the database in the same
    statement that inserts the rows. The shape matches :func:`publish`'s;
    ``tests`` check SQL-built envelopes against the contract, since they do
    not pass through Python validation one by one.
    """
    from sqlalchemy import cast, func, literal
    from sqlalchemy.dialects.postgresql import JSONB
    from sqlalchemy.types import String, Text

    def text_of(expression: Any) -> Any:
        return cast(expression, Text)

    fields: list[Any] = []
    for name, expression in data.items():
        fields += [literal(name, String), expression]
    stamp = func.to_char(func.timezone("UTC", time), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
    parts: list[Any] = [
        literal("specversion", String), literal(SPECVERSION, String),
        literal("id", String), text_of(event_id),
        literal("source", String), literal(f"crm/{source}", String),
        literal("type", String), literal(event_type, String),
        literal("time", String), stamp,
        literal("datacontenttype", String), literal(DATA_CONTENT_TYPE, String),
        literal("subject", String), text_of(subject),
        literal("dataschema", String), literal(schema_uri(event_type, version), String),
        literal("data", String), func.jsonb_build_object(*fields),
    ]  # fmt: skip
    if traceparent:
        parts += [literal("traceparent", String), literal(traceparent, String)]
    return cast(func.jsonb_build_object(*parts), JSONB)


def publish_many(
    session: Session,
    event_type: str,
    items: list[tuple[dict[str, Any], str | uuid.UUID | None]],
    *,
    version: int = 1,
) -> list[Event]:
    """Record many events of one type in ``session``'s transaction, in one statement.

    Like :func:`publish` for each ``(data, subject)``, every event checked
    against its contract, but written as one multi-row insert: a batch
    capture or an import chunk pays one round trip, not one per event.
    """
    if not items:
        return []
    source = session.info.get("crm.service", "crm")
    traceparent = current_traceparent()
    automation = current_automation()
    events = [
        new_event(
            event_type,
            data,
            source=source,
            subject=str(subject) if subject is not None else None,
            version=version,
            traceparent=traceparent,
            automation=automation,
        )
        for data, subject in items
    ]
    rows = [
        {
            "event_id": uuid.UUID(event.id),
            "event_type": event.type,
            "envelope": event.to_envelope(),
            "created_at": event.time,
        }
        for event in events
    ]
    if len(rows) >= 50 and session.get_bind().dialect.name == "postgresql":
        copy_rows(session, "outbox", list(rows[0]), rows, json_columns={"envelope"})
    else:
        session.execute(insert(outbox), rows)
    return events


def copy_rows(
    session: Session,
    table: str,
    columns: list[str],
    rows: list[dict[str, Any]],
    *,
    json_columns: set[str] = frozenset(),  # type: ignore[assignment]
) -> None:
    """Append ``rows`` to ``table`` with PostgreSQL's COPY, in ``session``'s transaction.

    For bulk writes (imports, batches): COPY skips the per-parameter work a
    multi-row INSERT costs in Python, several times faster for thousands of
    rows. Values are adapted by psycopg; ``json_columns`` are sent as JSONB.
    """
    from psycopg.types.json import Jsonb

    raw = session.connection().connection.driver_connection
    assert raw is not None, "a checked-out connection has its driver connection"
    names = ", ".join(f'"{c}"' for c in columns)
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(
                [
                    Jsonb(row[c]) if c in json_columns and row[c] is not None else row[c]
                    for c in columns
                ]
            )
