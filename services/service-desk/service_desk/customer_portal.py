"""The customer's own page of a ticket, through a signed link and without an account:
status, the public thread, the SLA promise and a reply box."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from crm_shared.db import Database, utcnow
from crm_shared.errors import Conflict, NotFound
from crm_shared.ratelimit import Limit, RateLimiter

from .models import Ticket
from .rules import signed_links
from .satisfaction import link_key
from .sla import SlaReader
from .threads import add_message, thread

PURPOSE = "ticket"
LINK_DAYS = 365


def _settings() -> dict[str, Any]:
    return current_app.extensions["crm"].settings.extra


def link_for(session: Session, ticket: Ticket) -> str:
    """The customer's link to ``ticket`` (valid a year from opening), on the public URL."""
    token = signed_links.sign(
        link_key(session), ticket.id, ticket.opened_at + timedelta(days=LINK_DAYS), PURPOSE
    )
    return f"{_settings()['public_base_url'].rstrip('/')}/api/v1/tickets/portal/{token}"


def _ticket(session: Session, token: str, now: datetime) -> Ticket:
    try:
        ticket_id = signed_links.verify(link_key(session, create=False), token, now, PURPOSE)
    except signed_links.BadToken as exc:
        raise NotFound(str(exc)) from exc
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(f"this {PURPOSE} link is not valid")
    return ticket


def view(session: Session, token: str, now: datetime | None = None) -> dict[str, Any]:
    """What the customer sees: nothing internal, nothing about anyone else."""
    now = now or utcnow()
    ticket = _ticket(session, token, now)
    _, clocks = SlaReader(session).clocks_for([ticket], now)[ticket.id]
    return {
        "subject": ticket.subject,
        "status": ticket.status,
        "opened_at": ticket.opened_at,
        "promise": [
            {"name": c.name, "due_at": c.due_at, "state": c.state}
            for c in clocks
            if c.state in ("running", "paused")
        ],
        "thread": [
            {"from": m.author_kind, "body": m.body, "created_at": m.created_at}
            for m in thread(session, ticket.id, public_only=True)
        ],
    }


def reply(db: Database, session: Session, token: str, body: str) -> dict[str, Any]:
    """The customer writes on their ticket (a few a minute per ticket)."""
    now = utcnow()
    # Check the link and count the hit before the request's transaction: the
    # limiter commits on its own and must not wait behind our writes.
    with db.reading() as reader:
        ticket_id = _ticket(reader, token, now).id
    RateLimiter(db).check(
        f"portal:{ticket_id}", Limit(_settings()["portal_replies_per_minute"], 60), what="replies"
    )
    ticket = _ticket(session, token, now)
    if ticket.status == "closed":
        raise Conflict("this ticket is closed; please open a new one")
    add_message(
        session,
        ticket,
        visibility="public",
        author_kind="customer",
        author_id=None,
        body=body,
        attachments=[],
        max_bytes=0,
        now=now,
    )
    return view(session, token, now)
