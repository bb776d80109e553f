"""A batch of events goes through the inbox in one transaction; a bad one spends only its own."""

from __future__ import annotations

from sqlalchemy import func, select

from crm_shared.events import new_event
from crm_shared.inbox import HANDLED, SKIPPED, handle_batch

from ..conftest import probe_items, record_item


def captured(name: str):
    import uuid

    data = {"lead_id": str(uuid.uuid4()), "name": name, "captured_at": "2026-11-20T10:00:00Z"}
    return new_event("lead.captured", data, source="test")


def names(db) -> list[str]:
    with db.engine.connect() as conn:
        return sorted(conn.scalars(select(probe_items.c.name)))


def test_a_batch_is_handled_once_each(tmp_path, probe_db):
    db = probe_db(f"sqlite:///{tmp_path / 'b.db'}")
    events = [captured(f"李{i}") for i in range(5)]
    assert handle_batch(db, events, lambda _e: record_item) == [HANDLED] * 5
    again = handle_batch(db, [events[0], captured("new"), events[0]], lambda _e: record_item)
    assert again == [SKIPPED, HANDLED, SKIPPED]
    assert len(names(db)) == 6


def test_a_repeat_inside_one_batch_is_skipped(tmp_path, probe_db):
    db = probe_db(f"sqlite:///{tmp_path / 'b.db'}")
    event = captured("twice")
    assert handle_batch(db, [event, event], lambda _e: record_item) == [HANDLED, SKIPPED]
    assert names(db) == ["twice"]


def test_a_failing_event_neither_blocks_nor_double_applies_the_others(tmp_path, probe_db):
    db = probe_db(f"sqlite:///{tmp_path / 'b.db'}")
    events = [captured("a"), captured("poison"), captured("b")]
    outcomes = handle_batch(db, events, lambda _e: record_item)
    assert outcomes[0] == HANDLED and outcomes[2] == HANDLED
    assert isinstance(outcomes[1], RuntimeError)
    assert names(db) == ["a", "b"]
    with db.engine.connect() as conn:
        from crm_shared.tables import inbox

        recorded = conn.scalar(select(func.count()).select_from(inbox))
    assert recorded == 2, "the failed event is not recorded as handled"
    # Delivered again, the good ones are skipped and the bad one fails alone.
    retry = handle_batch(db, events, lambda _e: record_item)
    assert retry[0] == SKIPPED and retry[2] == SKIPPED
    assert isinstance(retry[1], RuntimeError)


def batched_recorder(calls: list[int]):
    """``record_item`` with a batch form that inserts every row in one statement."""
    from crm_shared.inbox import handles_batches

    from ..conftest import probe_items as items

    def many(session, events) -> None:
        calls.append(len(events))
        if any(e.data["name"] == "poison" for e in events):
            raise RuntimeError("a poison event in the batch")
        session.execute(items.insert(), [{"id": uuid4(), "name": e.data["name"]} for e in events])

    @handles_batches(many)
    def one(session, event) -> None:
        record_item(session, event)

    return one


def uuid4():
    import uuid

    return uuid.uuid4()


def test_a_batch_form_gets_every_fresh_event_of_the_batch_in_one_call(tmp_path, probe_db):
    db = probe_db(f"sqlite:///{tmp_path / 'b.db'}")
    calls: list[int] = []
    handler = batched_recorder(calls)
    first = [captured(f"王{i}") for i in range(4)]
    assert handle_batch(db, first, lambda _e: handler) == [HANDLED] * 4
    assert calls == [4]
    # Repeats (already handled, or twice in the batch) never reach the batch form.
    again = handle_batch(db, [first[0], captured("新"), first[1], first[1]], lambda _e: handler)
    assert again == [SKIPPED, HANDLED, SKIPPED, SKIPPED]
    assert calls == [4, 1]
    assert names(db) == sorted([*(f"王{i}" for i in range(4)), "新"])


def test_a_failing_batch_form_falls_back_to_one_event_at_a_time(tmp_path, probe_db):
    db = probe_db(f"sqlite:///{tmp_path / 'b.db'}")
    calls: list[int] = []
    handler = batched_recorder(calls)
    events = [captured("a"), captured("poison"), captured("b")]
    outcomes = handle_batch(db, events, lambda _e: handler)
    assert calls == [3], "the batch form ran once, then each event alone by the handler itself"
    assert outcomes[0] == HANDLED and outcomes[2] == HANDLED
    assert isinstance(outcomes[1], RuntimeError)
    assert names(db) == ["a", "b"], "nothing of the failed batch attempt stays"
