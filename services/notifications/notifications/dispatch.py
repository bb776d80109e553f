"""The delivery job: due deliveries become messages, messages are sent, retried, logged.

Runs once across all workers (a :class:`~crm_shared.service.Job`), in two steps:

1. **compose**: the pending deliveries whose time has come (the batching
   window, quiet hours or the digest hour) are grouped per recipient and
   channel into one message each: a flood of 10,000 events is one email;
2. **send**: each due message goes out through its channel outside any
   transaction; the answer is logged as an attempt. A failure is retried
   with exponential backoff up to a limit; a channel failing many messages
   in a row is paused and the admins are told in-app.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_shared.config import Settings
from crm_shared.db import Database, utcnow
from crm_shared.directory import SqlDirectory

from . import bell, profiles
from .channels import OutboundMessage, registry
from .models import Attempt, ChannelState, Delivery, Message, ReceivedEvent
from .rendering import render_event
from .rules.catalog import IN_APP
from .rules.delivery import Rendered, backoff, combine, gives_up, should_pause

COMPOSE_LIMIT = 20_000
SEND_LIMIT = 200


def paused_channels(session: Session) -> set[str]:
    """Channels an admin must resume before anything more goes out on them."""
    return set(session.scalars(select(ChannelState.channel).where(ChannelState.paused.is_(True))))


def compose(session: Session, settings: dict[str, Any], now: datetime | None = None) -> int:
    """Group due deliveries into messages, one per recipient and channel; how many made."""
    now = now or utcnow()
    paused = paused_channels(session)
    due = list(
        session.scalars(
            select(Delivery)
            .where(Delivery.status == "pending", Delivery.due_at <= now)
            .order_by(Delivery.created_at, Delivery.id)
            .limit(COMPOSE_LIMIT)
        )
    )
    groups: dict[tuple[uuid.UUID, str], list[Delivery]] = defaultdict(list)
    for delivery in due:
        if delivery.channel != IN_APP and delivery.channel not in paused:
            groups[(delivery.recipient_id, delivery.channel)].append(delivery)
    events = _events(session, {d.event_id for ds in groups.values() for d in ds})
    made = 0
    for (recipient, channel), deliveries in groups.items():
        mine = profiles.choices(session, recipient, settings)
        rendered: list[Rendered] = []
        for delivery in deliveries:
            stored = events.get(delivery.event_id)
            data = stored.data if stored is not None else {}
            rendered.append(render_event(session, delivery.event_type, data, mine.language))
        kind = (
            "digest"
            if any(d.held == "digest" for d in deliveries)
            else ("batch" if len(deliveries) > 1 else "single")
        )
        message = combine(rendered, mine.language, kind)
        row = Message(
            id=uuid.uuid4(),
            recipient_id=recipient,
            channel=channel,
            address=profiles.address(session, recipient, channel),
            event_type=message.event_type or None,
            language=mine.language,
            subject=message.subject,
            text=message.text,
            html=message.html,
            items=len(deliveries),
            kind=kind,
            status="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        session.add(row)
        for delivery in deliveries:
            delivery.status = "queued"
            delivery.message_id = row.id
        made += 1
    session.flush()
    return made


def _events(session: Session, ids: set[str]) -> dict[str, ReceivedEvent]:
    found: dict[str, ReceivedEvent] = {}
    chunk = list(ids)
    for start in range(0, len(chunk), 500):
        for row in session.scalars(
            select(ReceivedEvent).where(ReceivedEvent.id.in_(chunk[start : start + 500]))
        ):
            found[row.id] = row
    return found


def _outbound(row: Message) -> OutboundMessage:
    return OutboundMessage(
        id=row.id,
        recipient_id=row.recipient_id,
        channel=row.channel,
        language=row.language,
        subject=row.subject,
        text=row.text,
        html=row.html,
        event_type=row.event_type,
        items=row.items,
        kind=row.kind,
    )


def send_due(db: Database, settings: dict[str, Any], now: datetime | None = None) -> int:
    """Send the messages due now; each answer is an attempt in the log. How many tried."""
    channels = registry(settings)
    with db.transaction() as session:
        paused = paused_channels(session)
        rows = list(
            session.scalars(
                select(Message)
                .where(Message.status == "pending", Message.next_attempt_at <= (now or utcnow()))
                .order_by(Message.next_attempt_at, Message.id)
                .limit(SEND_LIMIT)
            )
        )
        work = [(r.id, _outbound(r), r.address) for r in rows if r.channel not in paused]
    tried = 0
    for message_id, outbound, address in work:
        channel = channels.get(outbound.channel)
        if channel is None:
            result_ok, answer, retryable = (
                False,
                f"channel {outbound.channel} is not configured",
                True,
            )
        elif not address:
            result_ok, answer, retryable = (
                False,
                "the recipient has no address on this channel",
                False,
            )
        else:
            result = channel.deliver(outbound, address)
            result_ok, answer, retryable = result.ok, result.answer, result.retryable
        with db.transaction() as session:
            _record(session, message_id, result_ok, answer, retryable, settings)
        tried += 1
    return tried


def _record(
    session: Session,
    message_id: uuid.UUID,
    ok: bool,
    answer: str,
    retryable: bool,
    settings: dict[str, Any],
) -> None:
    row = session.get(Message, message_id)
    if row is None or row.status != "pending":
        return
    now = utcnow()
    row.attempts += 1
    row.last_answer = answer[:2000]
    session.add(
        Attempt(message_id=row.id, number=row.attempts, at=now, ok=ok, answer=answer[:2000])
    )
    state = session.get(ChannelState, row.channel)
    if state is None:
        state = ChannelState(channel=row.channel, paused=False, failures_in_row=0, updated_at=now)
        session.add(state)
    if ok:
        row.status = "sent"
        row.sent_at = now
        state.failures_in_row = 0
    else:
        limit = int(settings.get("retry_limit", 6))
        if gives_up(row.attempts, limit, retryable):
            row.status = "failed"
        else:
            row.next_attempt_at = now + backoff(
                row.attempts,
                float(settings.get("retry_base_seconds", 30)),
                float(settings.get("retry_cap_seconds", 3600)),
            )
        # A permanent refusal is the recipient's problem, not the channel's.
        if retryable:
            state.failures_in_row += 1
            threshold = int(settings.get("pause_after_failures", 20))
            if not state.paused and should_pause(state.failures_in_row, threshold):
                state.paused = True
                state.paused_at = now
                state.reason = answer[:1000]
                _tell_admins(session, row.channel, answer, settings, now)
    state.updated_at = now


def _tell_admins(
    session: Session, channel: str, reason: str, settings: dict[str, Any], now: datetime
) -> None:
    event_type = "notifications.channel_paused"
    data = {"channel": channel, "reason": reason[:300]}
    for admin in SqlDirectory(session).users_with_role("admin"):
        language = profiles.choices(session, admin, settings).language
        bell.add(
            session,
            admin,
            f"channel-paused:{channel}:{now.isoformat()}",
            event_type,
            render_event(session, event_type, data, language),
            "/admin/notifications/channels",
            language=language,
            fold_seconds=0,
            now=now,
        )


def run(db: Database, settings: Settings) -> dict[str, int]:
    """The job's body: compose, then send."""
    extra = settings.extra
    with db.transaction() as session:
        made = compose(session, extra)
    sent = send_due(db, extra)
    return {"composed": made, "tried": sent}


def resume(session: Session, channel: str) -> ChannelState:
    """An admin resumes a paused channel: its held messages go at the next run."""
    state = session.get(ChannelState, channel)
    if state is None:
        state = ChannelState(channel=channel, paused=False, failures_in_row=0, updated_at=utcnow())
        session.add(state)
    state.paused = False
    state.failures_in_row = 0
    state.reason = None
    state.updated_at = utcnow()
    session.flush()
    return state


def prune(db: Database, settings: Settings) -> dict[str, int]:
    """Forget what nobody reads any more: old stream positions and stored events.

    Stream positions older than a day only serve a client that was away that
    long (it reloads the list instead); events are kept
    ``CRM_NOTIFICATIONS_KEEP_EVENTS_DAYS`` for previews and claim lookups.
    """
    from datetime import timedelta

    from sqlalchemy import delete

    from .models import StreamEntry

    now = utcnow()
    days = float(settings.extra.get("keep_events_days", 90))
    with db.transaction() as session:
        streams: Any = session.execute(
            delete(StreamEntry).where(StreamEntry.at < now - timedelta(days=1))
        )
        events: Any = session.execute(
            delete(ReceivedEvent).where(ReceivedEvent.received_at < now - timedelta(days=days))
        )
    return {"stream_entries": int(streams.rowcount or 0), "events": int(events.rowcount or 0)}
