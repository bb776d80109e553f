"""Breach prediction over the database: open tickets likely to breach, with reasons,
and how often the prediction was right on the tickets already decided."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_shared.auth import Principal
from crm_shared.db import utcnow

from .models import Ticket
from .rules.breach_prediction import Situation, hit_rate, predict
from .sla import SlaReader
from .tickets import visible

LEARN_FROM = 500  # most recent decided tickets the estimate learns from


def _past(
    session: Session, reader: SlaReader, now: datetime
) -> tuple[
    dict[tuple[str, str, str], list[float]], list[tuple[tuple[str, str, str], float, int, str]]
]:
    done = list(
        session.scalars(
            select(Ticket)
            .where(Ticket.status.in_(("resolved", "closed")), Ticket.merged_into_id.is_(None))
            .order_by(Ticket.opened_at.desc())
            .limit(LEARN_FROM)
        )
    )
    learned: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    decided: list[tuple[tuple[str, str, str], float, int, str]] = []
    clocks = reader.clocks_for(done, now)
    for ticket in done:
        for clock in clocks[ticket.id][1]:
            if clock.state in ("met", "breached"):
                key = (ticket.category or "", ticket.priority, clock.name)
                learned[key].append(clock.elapsed_minutes)
                decided.append((key, clock.elapsed_minutes, clock.target_minutes, clock.state))
    return learned, decided


def at_risk(session: Session, principal: Principal, now: datetime | None = None) -> dict[str, Any]:
    """Running clocks of open tickets the caller may see, riskiest first, and the hit rate."""
    now = now or utcnow()
    reader = SlaReader(session)
    learned, decided = _past(session, reader, now)
    tickets = list(
        session.scalars(
            select(Ticket).where(Ticket.status.in_(("new", "open")), visible(principal))
        )
    )
    everyone_open = list(
        session.execute(
            select(Ticket.id, Ticket.group_id, Ticket.assignee_id, Ticket.opened_at).where(
                Ticket.status.in_(("new", "open", "pending"))
            )
        )
    )
    load = Counter(row.assignee_id for row in everyone_open if row.assignee_id)
    clocks = reader.clocks_for(tickets, now)
    items: list[dict[str, Any]] = []
    for ticket in tickets:
        ahead = sum(
            1
            for row in everyone_open
            if ticket.group_id is not None
            and ticket.assignee_id is None
            and row.group_id == ticket.group_id
            and row.assignee_id is None
            and row.opened_at < ticket.opened_at
        )
        for clock in clocks[ticket.id][1]:
            if clock.state not in ("running", "breached") or clock.stopped_at is not None:
                continue
            prediction = predict(
                Situation(
                    remaining_minutes=clock.remaining_minutes,
                    elapsed_minutes=clock.elapsed_minutes,
                    queue_ahead=ahead,
                    assignee_open=max(0, load[ticket.assignee_id] - 1) if ticket.assignee_id else 0,
                    past_minutes=learned[(ticket.category or "", ticket.priority, clock.name)],
                )
            )
            items.append(
                {
                    "ticket_id": ticket.id,
                    "clock": clock.key,
                    "due_at": clock.due_at,
                    "assignee_id": ticket.assignee_id,
                    "chance": prediction.chance,
                    "likely": prediction.likely,
                    "reasons": list(prediction.reasons),
                }
            )
    items.sort(key=lambda item: -item["chance"])
    return {"items": items, "accuracy": accuracy(learned, decided)}


def accuracy(
    learned: dict[tuple[str, str, str], list[float]],
    decided: list[tuple[tuple[str, str, str], float, int, str]],
) -> dict[str, Any]:
    """Replay on decided clocks: predict at half the target (learning from the others),
    compare with what happened."""
    outcomes = []
    for key, elapsed, target, state in decided:
        if elapsed < target / 2 and state == "met":
            continue  # it was done before the halfway check: nothing to predict
        others = list(learned[key])
        others.remove(elapsed)
        prediction = predict(
            Situation(
                remaining_minutes=target / 2,
                elapsed_minutes=target / 2,
                queue_ahead=0,
                assignee_open=0,
                past_minutes=others,
            )
        )
        outcomes.append((prediction.likely, state == "breached"))
    return hit_rate(outcomes)
