"""The consumer: every routed event becomes deliveries, one per recipient and channel.

Idempotent twice over: the inbox skips an event seen before, and each
(event id, recipient, channel) is a unique delivery, so a replay under
another path never doubles a message. Order does not matter: each event
is routed on its own data, and the contacts copy keeps the newest event.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.event import listen
from sqlalchemy.orm import Session

from crm_shared.db import utcnow
from crm_shared.directory import SqlDirectory
from crm_shared.events import Event, parse_time

from . import bell, erasure, extensions, profiles
from .channels import channel_names
from .models import Contact, Delivery, ReceivedEvent, Route
from .rendering import render_event
from .rules.catalog import EVENTS, IN_APP, actors, link
from .rules.delivery import Rendered
from .rules.erasure import ERASE_EVENTS, ERASED_TEXT, refers_to, scrubbed
from .rules.preferences import channels_for, due_at
from .rules.routing import resolve


def _settings() -> dict[str, Any]:
    from .service import current_settings

    return current_settings()


def _insert(session: Session, table: Any) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def _earlier(session: Session) -> Callable[[str, str, Any, str], Any]:
    def lookup(event_type: str, match: str, value: Any, wanted: str) -> Any:
        # This batch's events are written at commit: look at them first, newest first.
        for row in reversed(_pending(session)["events"]):
            if row["type"] == event_type and str(row["data"].get(match)) == str(value):
                return row["data"].get(wanted)
        rows = session.scalars(
            select(ReceivedEvent)
            .where(ReceivedEvent.type == event_type)
            .order_by(ReceivedEvent.time.desc())
            .limit(200)
        )
        for row in rows:
            if str(row.data.get(match)) == str(value):
                return row.data.get(wanted)
        return None

    return lookup


class _MemoDirectory(SqlDirectory):
    """The directory copy, each user and team read once per transaction (a batch of events)."""

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self._users: dict[uuid.UUID, Any] = {}
        self._teams: dict[uuid.UUID, Any] = {}

    def user(self, user_id: uuid.UUID) -> Any:
        if user_id not in self._users:
            self._users[user_id] = super().user(user_id)
        return self._users[user_id]

    def _team(self, team_id: uuid.UUID) -> Any:
        if team_id not in self._teams:
            self._teams[team_id] = super()._team(team_id)
        return self._teams[team_id]


def _memo(session: Session) -> dict[str, Any]:
    # What a batch of events reads again and again (routes, directory, choices),
    # kept for the transaction only: the consumer handles a batch in one.
    memo = session.info.get("notifications_memo")
    if memo is None:
        memo = {"routes": {}, "choices": {}, "directory": _MemoDirectory(session)}
        session.info["notifications_memo"] = memo
    return memo


def recipients_of(session: Session, event: Event) -> list[uuid.UUID]:
    """Who the routing table says is told about ``event`` (none when its route is off)."""
    routes = _memo(session)["routes"]
    if event.type not in routes:
        found = session.get(Route, event.type)
        routes[event.type] = (
            list(found.recipients or []) if found is not None and found.enabled else None
        )
    rules = routes[event.type]
    if not rules:
        return []
    return resolve(
        rules,
        event.data,
        _memo(session)["directory"],
        earlier=_earlier(session),
        exclude=actors(event.type, event.data),
    )


def _pending(session: Session) -> dict[str, list[Any]]:
    pending = session.info.get("notifications_pending")
    if pending is None:
        pending = {"events": [], "deliveries": [], "in_app": []}
        session.info["notifications_pending"] = pending
        # Written in a few statements when the batch's transaction commits,
        # instead of several per event: a flood is thousands of events.
        listen(session, "before_commit", _write_pending, once=True)
    return pending


def _write_pending(session: Session) -> None:
    pending = session.info.pop("notifications_pending", None)
    if not pending:
        return
    # An erase later in this batch reaches the rows not written yet too.
    erased = session.info.get("notifications_erased") or set()
    gone: set[str] = set()
    if erased:
        for row in pending["events"]:
            if refers_to(row["data"], erased):
                gone.add(row["id"])
                row["data"] = scrubbed(row["data"])
        for row in pending["deliveries"]:
            if row["event_id"] in gone and row["status"] == "pending":
                row["status"] = "skipped"
    if pending["events"]:
        session.execute(
            _insert(session, ReceivedEvent.__table__).on_conflict_do_nothing(index_elements=["id"]),
            pending["events"],
        )
    inserted: set[tuple[str, uuid.UUID, str]] = set()
    rows = pending["deliveries"]
    for start in range(0, len(rows), 500):
        result = session.execute(
            _insert(session, Delivery.__table__)
            .values(rows[start : start + 500])
            .on_conflict_do_nothing(index_elements=["event_id", "recipient_id", "channel"])
            .returning(
                Delivery.__table__.c.event_id,
                Delivery.__table__.c.recipient_id,
                Delivery.__table__.c.channel,
            )
        )
        inserted.update((str(e), r, c) for e, r, c in result)
    settings = session.info.get("notifications_memo", {}).get("settings") or _settings()
    for event, user_id, language, now in pending["in_app"]:
        if (event.id, user_id, IN_APP) not in inserted:
            continue  # delivered before: at most once per event, recipient and channel
        bell.add(
            session,
            user_id,
            event.id,
            event.type,
            (
                Rendered(event.type, ERASED_TEXT, ERASED_TEXT, ERASED_TEXT)
                if event.id in gone
                else render_event(session, event.type, event.data, language)
            ),
            link(event.type, event.data),
            language=language,
            fold_seconds=float(settings.get("fold_seconds", 60)),
            now=now,
        )


def on_event(session: Session, event: Event) -> None:
    """Route a "for notifiers" event and queue one delivery per recipient and channel."""
    memo = _memo(session)
    if "settings" not in memo:
        memo["settings"] = _settings()
    settings = memo["settings"]
    pending = _pending(session)
    now = utcnow()
    if refers_to(event.data, erasure.known_erased(session)):
        _store_erased(session, event, now)
        return
    pending["events"].append(
        {
            "id": event.id,
            "type": event.type,
            "source": event.source,
            "data": event.data,
            "time": event.time,
            "received_at": now,
        }
    )
    recipients = recipients_of(session, event)
    available = channel_names()
    known = memo["choices"]
    batch_seconds = float(settings.get("batch_seconds", 30))
    for user_id in recipients:
        if user_id not in known:
            known[user_id] = profiles.choices(session, user_id, settings)
        mine = known[user_id]
        for channel in channels_for(mine, event.type, available):
            at, held = due_at(mine, channel, now, batch_seconds)
            pending["deliveries"].append(
                {
                    "id": uuid.uuid4(),
                    "event_id": event.id,
                    "event_type": event.type,
                    "recipient_id": user_id,
                    "channel": channel,
                    "status": "sent" if channel == IN_APP else "pending",
                    "due_at": at,
                    "held": held,
                    "created_at": now,
                }
            )
            if channel == IN_APP:
                pending["in_app"].append((event, user_id, mine.language, now))
    for hook in extensions.after_event_hooks():
        hook(session, event, recipients)


def _without_personal_data(event: Event) -> Event:
    return dataclasses.replace(event, data=scrubbed(event.data))


def _store_erased(session: Session, event: Event, now: Any) -> None:
    # A late or redelivered event about an erased person: kept for dedup without
    # its personal data, and nobody is told about the person again.
    event = _without_personal_data(event)
    pending = _pending(session)
    pending["events"].append(
        {
            "id": event.id,
            "type": event.type,
            "source": event.source,
            "data": event.data,
            "time": event.time,
            "received_at": now,
        }
    )
    for hook in extensions.after_event_hooks():
        hook(session, event, [])


def on_erased(session: Session, event: Event) -> None:
    """``customer.erased`` / ``lead.erased``: tombstones, then every stored copy scrubbed.

    Replays change nothing more (tombstones once, scrubbed data stays scrubbed).
    The erase event itself still goes to webhook subscribers: integrations erase too.
    """
    data = event.data
    ids = erasure.record(session, event.type, data, parse_time(str(data["erased_at"])))
    erasure.scrub(session, ids)
    for hook in extensions.after_event_hooks():
        hook(session, event, [])


def on_extension_event(session: Session, event: Event) -> None:
    """An event only extensions asked for: no routing, just their hooks.

    It is stored too (pruned like the others), so an automation rule's dry
    run and a cancelled run's log can point at the real event.
    """
    if refers_to(event.data, erasure.known_erased(session)):
        event = _without_personal_data(event)
    _pending(session)["events"].append(
        {
            "id": event.id,
            "type": event.type,
            "source": event.source,
            "data": event.data,
            "time": event.time,
            "received_at": utcnow(),
        }
    )
    for hook in extensions.after_event_hooks():
        hook(session, event, [])


def on_user_event(session: Session, event: Event) -> None:
    """``user.created`` / ``user.updated``: keep the user's email and name, newest wins."""
    data = event.data
    user_id = uuid.UUID(str(data["user_id"]))
    row = session.get(Contact, user_id)
    if row is None:
        session.add(
            Contact(
                user_id=user_id,
                email=data.get("email"),
                display_name=data.get("display_name"),
                updated_at=event.time,
            )
        )
    elif row.updated_at <= event.time:
        row.email = data.get("email")
        row.display_name = data.get("display_name")
        row.updated_at = event.time


def handlers() -> Mapping[str, Callable[[Session, Event], None]]:
    """Every event type the consumer subscribes to, and its handler."""
    found: dict[str, Callable[[Session, Event], None]] = {t: on_event for t in EVENTS}
    for event_type in extensions.event_types():
        found.setdefault(event_type, on_extension_event)
    for event_type in ERASE_EVENTS:
        found[event_type] = on_erased
    found["user.created"] = on_user_event
    found["user.updated"] = on_user_event
    return found
