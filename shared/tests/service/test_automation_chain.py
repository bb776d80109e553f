"""The automation chain (loop protection) travels: HTTP header or handled event -> outbox -> bus."""

from __future__ import annotations

import uuid

from flask import Flask
from sqlalchemy import select

from crm_shared.events import AUTOMATION_ATTRIBUTE, AUTOMATION_HEADER, Event, new_event
from crm_shared.inbox import HANDLED, handle_batch
from crm_shared.outbox import publish
from crm_shared.tables import outbox

RULE = str(uuid.uuid4())


def captured(automation: str | None = None) -> Event:
    data = {"lead_id": str(uuid.uuid4()), "name": "李四", "captured_at": "2026-11-20T10:00:00Z"}
    return new_event("lead.captured", data, source="test", automation=automation)


def envelopes(db) -> list[dict]:
    with db.engine.connect() as conn:
        return list(conn.scalars(select(outbox.c.envelope).order_by(outbox.c.seq)))


def republish(session, event: Event) -> None:
    publish(session, "lead.captured", {**event.data, "lead_id": str(uuid.uuid4())})


def test_an_event_published_while_handling_a_caused_one_carries_its_chain(tmp_path, probe_db):
    db = probe_db(f"sqlite:///{tmp_path / 'c.db'}")
    caused, plain = captured(automation=RULE), captured()
    assert handle_batch(db, [caused, plain], lambda _e: republish) == [HANDLED, HANDLED]
    first, second = envelopes(db)
    assert first[AUTOMATION_ATTRIBUTE] == RULE
    assert AUTOMATION_ATTRIBUTE not in second
    # And it survives the trip: the consumer reads it back.
    assert Event.from_envelope(first).automation == RULE


def test_a_request_with_the_header_publishes_with_the_chain(tmp_path, probe_db):
    db = probe_db(f"sqlite:///{tmp_path / 'h.db'}")
    app = Flask("chain")
    with (
        app.test_request_context(headers={AUTOMATION_HEADER: f"{RULE},{RULE}"}),
        db.transaction() as session,
    ):
        republish(session, captured())
    with (
        app.test_request_context(headers={AUTOMATION_HEADER: "not a chain; drop table"}),
        db.transaction() as session,
    ):
        republish(session, captured())
    good, refused = envelopes(db)
    assert good[AUTOMATION_ATTRIBUTE] == f"{RULE},{RULE}"
    assert AUTOMATION_ATTRIBUTE not in refused
