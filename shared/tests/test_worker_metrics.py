"""A worker's /metrics: outbox lag and the relay's publish count beside the consumer figures."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from crm_shared import metrics, outbox
from crm_shared.outbox import OutboxRelay, pending_stats

from .integration.test_bus import captured


def _value(text: bytes, name: str, **labels: str) -> float | None:
    for family in text_string_to_metric_families(text.decode()):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return None


def _collector(db):
    return metrics.WorkerCollector(
        "probe",
        stats=lambda: None,
        depths=lambda: None,
        outbox_pending=lambda: pending_stats(db),
        connected=lambda: None,
        dead_queue="probe.dead",
    )


def test_outbox_lag_and_relay_rate_are_exported(tmp_path, probe_db):
    db = probe_db(f"sqlite:///{tmp_path / 'w.db'}")
    with db.transaction() as session:
        for i in range(3):
            outbox.publish(session, "lead.captured", captured(f"m{i}"))
    text = metrics.render(_collector(db))
    assert _value(text, "crm_outbox_pending", service="probe") == 3
    assert (_value(text, "crm_outbox_oldest_pending_seconds", service="probe") or 0) >= 0
    before = _value(text, "crm_relay_published_total", service="probe") or 0
    assert OutboxRelay(db, lambda envelope: None).run_once() == 3
    text = metrics.render(_collector(db))
    assert _value(text, "crm_outbox_pending", service="probe") == 0
    assert _value(text, "crm_outbox_oldest_pending_seconds", service="probe") == 0
    assert _value(text, "crm_relay_published_total", service="probe") == before + 3
