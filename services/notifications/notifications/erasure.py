"""Erasure (``customer.erased`` / ``lead.erased``): every stored copy of the person goes.

In the erase event's own transaction:

- a tombstone per erased id (``erased_subjects``), so a late or redelivered
  event about the person is stored without personal data (see ``events``);
- stored events about the person keep their row (dedup, previews, routing's
  "earlier event" lookups) but their data is cut to ids and times plus
  ``"erased": true`` (``rules.erasure.scrubbed``);
- in-app entries of those events read "(erased)" and keep their row, so unread
  counts stay honest;
- messages rendered from them read "(erased)"; one not yet sent is not sent;
  deliveries still waiting are skipped;
- webhook deliveries' payloads carry the scrubbed data (still sent when pending:
  integrations learn the event happened, not who it was about).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Text, cast, or_, select, update
from sqlalchemy.orm import Session

from crm_shared.db import utcnow

from .models import Delivery, ErasedSubject, Message, Notification, ReceivedEvent
from .models_hooks import WebhookDelivery
from .rules.erasure import ERASE_EVENTS, ERASED_TEXT, erased_ids, is_scrubbed, refers_to, scrubbed

NOT_SENT = "not sent: the personal data was erased"


def known_erased(session: Session) -> set[str]:
    """Every erased id, read once per transaction (a batch); erase handlers add to it."""
    memo = session.info.get("notifications_erased")
    if memo is None:
        memo = set(session.scalars(select(ErasedSubject.subject_id)))
        session.info["notifications_erased"] = memo
    return memo


def record(
    session: Session, event_type: str, data: dict[str, Any], erased_at: datetime
) -> set[str]:
    """Write the erase event's tombstones (once each); the ids it names."""
    ids: set[str] = set()
    erased = known_erased(session)
    for kind, subject_id in erased_ids(event_type, data):
        ids.add(subject_id)
        if subject_id not in erased and session.get(ErasedSubject, subject_id) is None:
            session.add(
                ErasedSubject(
                    subject_id=subject_id, kind=kind, erased_at=erased_at, received_at=utcnow()
                )
            )
        erased.add(subject_id)
    session.flush()
    return ids


def _mentioning(column: Any, ids: set[str]) -> Any:
    # A cheap pre-filter on the JSON's text; rules.erasure.refers_to decides.
    return or_(*(cast(column, Text).contains(i) for i in sorted(ids)))


def scrub(session: Session, ids: set[str]) -> set[str]:
    """Remove the personal data of ``ids`` from every stored copy; the events it touched."""
    if not ids:
        return set()
    events: set[str] = set()
    for row in session.scalars(select(ReceivedEvent).where(_mentioning(ReceivedEvent.data, ids))):
        if refers_to(row.data, ids):
            events.add(row.id)
            if not is_scrubbed(row.data):
                row.data = scrubbed(row.data)
    for hook in session.scalars(
        select(WebhookDelivery).where(
            WebhookDelivery.event_type.not_in(ERASE_EVENTS),
            _mentioning(WebhookDelivery.envelope, ids),
        )
    ):
        data = (hook.envelope or {}).get("data")
        if data and refers_to(data, ids) and not is_scrubbed(data):
            hook.envelope = {**hook.envelope, "data": scrubbed(data)}
    if not events:
        session.flush()
        return events
    chunk = sorted(events)
    for start in range(0, len(chunk), 500):
        part = chunk[start : start + 500]
        session.execute(
            update(Notification)
            .where(Notification.event_id.in_(part))
            .values(title=ERASED_TEXT, body=ERASED_TEXT)
        )
        session.execute(
            update(Delivery)
            .where(Delivery.event_id.in_(part), Delivery.status == "pending")
            .values(status="skipped")
        )
        messages = select(Delivery.message_id).where(
            Delivery.event_id.in_(part), Delivery.message_id.is_not(None)
        )
        session.execute(
            update(Message)
            .where(Message.id.in_(messages), Message.status == "pending")
            .values(status="failed", last_answer=NOT_SENT)
        )
        session.execute(
            update(Message)
            .where(Message.id.in_(messages))
            .values(subject=ERASED_TEXT, text=ERASED_TEXT, html=ERASED_TEXT)
        )
    session.flush()
    return events
