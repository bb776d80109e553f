"""``dead-letters --replay`` sends each dead-lettered event back once per run and reports."""

from __future__ import annotations

import dataclasses

import pytest

from crm_shared import cli, outbox
from crm_shared.bus import Topology
from crm_shared.dead_letters import (
    dead_letter_count,
    follow,
    handled_ids,
    replay_dead_letters,
    returned_ids,
)
from crm_shared.worker import Worker

from ..conftest import PROBE, record_item
from .test_bus import captured, count_items, wait_for

pytestmark = pytest.mark.integration

LIMIT = 2


@pytest.fixture
def fixable(pg_database, probe_db, probe_settings, amqp_url, bus_namespace):
    """A probe worker whose "fixable" events fail until the test repairs the handler."""
    broken = {"on": True}

    def handle(session, event):
        if event.data["name"].startswith("fixable") and broken["on"]:
            raise RuntimeError("a bug, fixed in the next release")
        record_item(session, event)

    spec = dataclasses.replace(PROBE, handlers=lambda: {"lead.captured": handle})
    url = pg_database("probe")
    db = probe_db(url)
    settings = probe_settings(url, amqp_url, bus_namespace, delivery_limit=LIMIT)
    worker = Worker(spec, settings)
    worker.start()
    assert worker.consumer.ready.wait(10)
    yield db, worker, broken
    worker.stop()


def dead_letter(db, worker, names):
    with db.transaction() as session:
        for name in names:
            outbox.publish(session, "lead.captured", captured(name))
    topology = worker.topology
    wait_for(lambda: dead_letter_count(worker.settings.broker_url, topology, "probe") == len(names))


def test_each_message_is_replayed_once_and_the_outcome_reported(fixable):
    db, worker, broken = fixable
    url, topology = worker.settings.broker_url, worker.topology
    dead_letter(db, worker, ["poison"] * 3 + ["fixable 1", "fixable 2"])
    broken["on"] = False

    run = replay_dead_letters(url, topology, "probe")
    assert len(run.replayed) == len(set(run.replayed)) == 5
    follow(
        run,
        handled=lambda ids: handled_ids(db, ids),
        returned=lambda: returned_ids(url, topology, "probe", run.run_id),
        timeout=30,
        interval=0.2,
    )
    assert (len(run.handled), len(run.failed_again), run.pending) == (2, 3, 0)
    assert count_items(db) == 2
    assert dead_letter_count(url, topology, "probe") == 3

    again = replay_dead_letters(url, topology, "probe")
    assert len(again.replayed) == 3, "the poison events are replayed once, not in a loop"


def test_replay_selects_by_type_and_by_id(fixable):
    db, worker, _broken = fixable
    url, topology = worker.settings.broker_url, worker.topology
    dead_letter(db, worker, ["poison", "poison"])
    assert returned_ids(url, topology, "probe", run_id="none") == set()

    none = replay_dead_letters(url, topology, "probe", event_type="lead.qualified")
    assert (none.replayed, none.skipped) == ([], 2)
    assert dead_letter_count(url, topology, "probe") == 2

    everything = replay_dead_letters(url, topology, "probe", event_type="lead.captured")
    assert len(everything.replayed) == 2
    wait_for(lambda: dead_letter_count(url, topology, "probe") == 2)
    chosen = everything.replayed[0]
    one = replay_dead_letters(url, topology, "probe", event_id=chosen)
    assert (one.replayed, one.skipped) == ([chosen], 1)


def test_the_command_reports_replayed_handled_and_failed_again(fixable, monkeypatch, capsys):
    db, worker, broken = fixable
    dead_letter(db, worker, ["poison", "fixable 3"])
    broken["on"] = False
    monkeypatch.setenv("CRM_PROBE_DATABASE_URL", worker.settings.database_url)
    monkeypatch.setenv("CRM_BROKER_URL", worker.settings.broker_url)
    monkeypatch.setenv("CRM_BUS_NAMESPACE", worker.settings.bus_namespace)
    monkeypatch.setenv("CRM_DELIVERY_LIMIT", str(LIMIT))
    status = cli.main(PROBE, ["dead-letters", "--replay", "--wait", "30"])
    out = capsys.readouterr().out
    assert "replayed 2: handled 1, failed again 1, still pending 0" in out
    assert status == 1, "a replay that leaves failures exits non-zero"
    assert count_items(db) == 1
    status = cli.main(PROBE, ["dead-letters"])
    assert f"{Topology(worker.settings.bus_namespace).name('probe.dead')}: 1" in (
        capsys.readouterr().out
    )
