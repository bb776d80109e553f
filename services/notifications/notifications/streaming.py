"""The live stream of a user's list: server-sent events, resumable from ``Last-Event-ID``.

Each change to one of the user's entries (new, folded, read) has a stream
position; an event's ``id`` is that position, so a reconnecting client that
sends ``Last-Event-ID`` receives every change it missed, in order, once.
The stream ends after a while (the client reconnects, as EventSource does);
a comment every few seconds keeps proxies from timing the connection out.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

from crm_shared.db import Database

from . import bell
from .models import Notification

KEEPALIVE_SECONDS = 10.0


def start_position(db: Database, user_id: uuid.UUID, last_event_id: str | None) -> int:
    """Where the stream starts: after ``Last-Event-ID``, else after the newest change."""
    if last_event_id and last_event_id.strip().isdigit():
        return int(last_event_id.strip())
    with db.reading() as session:
        return bell.latest_position(session, user_id)


def _payload(entry: Notification) -> dict[str, Any]:
    return {
        "id": str(entry.id),
        "event_id": entry.event_id,
        "event_type": entry.event_type,
        "title": entry.title,
        "body": entry.body,
        "link": entry.link,
        "count": entry.count,
        "unread": bool(entry.unread),
        "created_at": entry.created_at.isoformat(),
        "updated_at": entry.updated_at.isoformat(),
    }


def events(
    db: Database,
    user_id: uuid.UUID,
    after: int,
    *,
    poll_seconds: float,
    max_seconds: float,
) -> Iterator[str]:
    """The stream's text: ``retry``, then each change as an SSE event, keep-alives between."""
    yield "retry: 2000\n\n"
    position = after
    started = last_sent = time.monotonic()
    while time.monotonic() - started < max_seconds:
        with db.reading() as session:
            changes = bell.changes_after(session, user_id, position)
            unread = bell.unread_count(session, user_id) if changes else None
            chunks = [
                f"id: {seq}\nevent: notification\ndata: "
                f"{json.dumps({**_payload(entry), 'unread_total': unread}, ensure_ascii=False)}\n\n"
                for seq, entry in changes
            ]
        if changes:
            position = changes[-1][0]
            yield "".join(chunks)
            last_sent = time.monotonic()
            continue
        if time.monotonic() - last_sent >= KEEPALIVE_SECONDS:
            yield ": keep-alive\n\n"
            last_sent = time.monotonic()
        time.sleep(poll_seconds)
