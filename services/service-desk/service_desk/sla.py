"""SLA over the database: policies, each ticket's clocks on read, and the SLA job."""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import literal, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm_shared import outbox
from crm_shared.calendars.business_time import BusinessCalendar
from crm_shared.config import Settings
from crm_shared.db import Database, utcnow
from crm_shared.directory import SqlDirectory
from crm_shared.errors import NotFound, ValidationFailed

from . import sla_revision
from .calendars import CalendarCache
from .models import (
    Calendar,
    CustomerRef,
    Message,
    Policy,
    SlaNotice,
    StatusChange,
    SupportGroup,
    Ticket,
)
from .rules.escalation import escalation_chain
from .rules.sla_clocks import (
    Clock,
    PublicMessage,
    Targets,
    compute_clocks,
    needs_warning,
)
from .rules.sla_clocks import StatusChange as Change
from .rules.sla_figures import clock_at, clock_figures, figures_from_json, figures_to_json
from .rules.sla_policies import PolicyMatch, choose_policy

log = logging.getLogger(__name__)

POLICY_FIELDS = (
    "name",
    "position",
    "priority",
    "tier",
    "customer_id",
    "first_response_minutes",
    "next_response_minutes",
    "resolution_minutes",
    "warn_before_minutes",
    "calendar_id",
    "escalate_to",
    "active",
)


def _check_calendar(session: Session, data: dict[str, Any]) -> None:
    if data.get("calendar_id") and session.get(Calendar, data["calendar_id"]) is None:
        raise ValidationFailed.field("calendar_id", "no such calendar")


def create_policy(session: Session, data: dict[str, Any]) -> Policy:
    """Keep a new SLA policy."""
    _check_calendar(session, data)
    values = {k: data[k] for k in POLICY_FIELDS if k in data}
    values["escalate_to"] = [str(u) for u in values.get("escalate_to") or []]
    policy = Policy(id=uuid.uuid4(), **values)
    session.add(policy)
    sla_revision.touch(session)
    return policy


def update_policy(session: Session, policy_id: uuid.UUID, data: dict[str, Any]) -> Policy:
    """Change an SLA policy; clocks follow on their next read."""
    policy = session.get(Policy, policy_id)
    if policy is None:
        raise NotFound("no such SLA policy")
    _check_calendar(session, data)
    for name in POLICY_FIELDS:
        if name in data:
            setattr(policy, name, data[name])
    policy.escalate_to = [str(u) for u in policy.escalate_to or []]
    sla_revision.touch(session)
    return policy


def list_policies(session: Session) -> list[Policy]:
    """Every policy in the order they are tried."""
    return list(session.scalars(select(Policy).order_by(Policy.position, Policy.id)))


@dataclass(frozen=True)
class PolicyView:
    """A policy as clocks and notices use it (kept across requests, so not a row)."""

    id: uuid.UUID
    name: str
    position: int
    priority: str | None
    tier: str | None
    customer_id: uuid.UUID | None
    first_response_minutes: int | None
    next_response_minutes: int | None
    resolution_minutes: int | None
    warn_before_minutes: int
    calendar_id: uuid.UUID | None
    escalate_to: tuple[str, ...]

    @classmethod
    def of(cls, policy: Policy) -> PolicyView:
        """The view of a policy row."""
        return cls(
            **{name: getattr(policy, name) for name in ("id", *POLICY_FIELDS) if name != "active"}
            | {"escalate_to": tuple(str(u) for u in policy.escalate_to or [])}
        )


class _Settings:
    """Active policies and calendars at one revision of the SLA settings."""

    def __init__(self, session: Session) -> None:
        self.policies = {p.id: PolicyView.of(p) for p in list_policies(session) if p.active}
        self.matches = [
            PolicyMatch(p.id, p.position, p.priority, p.tier, p.customer_id)
            for p in self.policies.values()
        ]
        # Every customer with a calendar of their own: few, and kept with the revision.
        self.calendars = CalendarCache(session)
        self.calendars.load(everyone=True)


# Settings built per revision (random per edit and per database, so never mixed up).
_SETTINGS: dict[uuid.UUID, _Settings] = {}
_SETTINGS_LIMIT = 64


class SlaReader:
    """Computes clocks for many tickets: from each ticket's running figures when
    they hold for its current targets and calendar (arithmetic only), else from
    its history. Policies and calendars are built once per revision of the SLA
    settings, which the ticket query itself can load (``sla_revision.with_revision``):
    then a ticket list costs that one query."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._settings: _Settings | None = None
        # Tickets whose figures did not hold at the last clocks_for (the job refreshes them).
        self.stale: list[Ticket] = []

    def settings(self, tickets: Sequence[Ticket] = ()) -> _Settings:
        """The settings at the revision the tickets were loaded with (else read now)."""
        if self._settings is None:
            loaded = [t.sla_revision for t in tickets if t.sla_revision is not None]
            # The revision is read before the settings, so a cache entry is never older
            # than its key (an edit in between only costs an extra build).
            revision = loaded[0] if loaded else sla_revision.read(self.session)
            found = _SETTINGS.get(revision) if revision is not None else None
            if found is None:
                found = _Settings(self.session)
                if revision is not None:
                    if len(_SETTINGS) >= _SETTINGS_LIMIT:
                        _SETTINGS.clear()
                    _SETTINGS[revision] = found
            self._settings = found
        return self._settings

    @property
    def policies(self) -> dict[uuid.UUID, PolicyView]:
        """The active policies by id."""
        return self.settings().policies

    def policy_for(self, ticket: Ticket) -> PolicyView | None:
        """The first policy matching the ticket, or None."""
        settings = self.settings([ticket])
        chosen = choose_policy(settings.matches, ticket.priority, ticket.tier, ticket.customer_id)
        return settings.policies.get(chosen) if chosen else None

    def _setups(self, tickets: Sequence[Ticket]) -> dict[uuid.UUID, _Setup | None]:
        """Each ticket's policy, targets, calendar and the key its figures must carry."""
        calendars = self.settings(tickets).calendars
        setups: dict[uuid.UUID, _Setup | None] = {}
        for ticket in tickets:
            policy = self.policy_for(ticket)
            if policy is None:
                setups[ticket.id] = None
                continue
            # The customer's own calendar first, then the group's, then the policy's.
            calendar_key, calendar = calendars.keyed(
                calendars.of_customer.get(ticket.customer_id)
                or (calendars.of_group.get(ticket.group_id) if ticket.group_id else None)
                or policy.calendar_id,
                self.session,
            )
            targets = Targets(
                policy.first_response_minutes,
                policy.next_response_minutes,
                policy.resolution_minutes,
            )
            key = "|".join(
                (
                    f"{targets.first_response},{targets.next_response},{targets.resolution}",
                    calendar_key,
                    ticket.opened_at.isoformat(),
                )
            )
            setups[ticket.id] = _Setup(policy, targets, calendar, key)
        return setups

    def _histories(
        self, ids: list[uuid.UUID]
    ) -> tuple[dict[uuid.UUID, list[Change]], dict[uuid.UUID, list[PublicMessage]]]:
        history: dict[uuid.UUID, list[Change]] = defaultdict(list)
        messages: dict[uuid.UUID, list[PublicMessage]] = defaultdict(list)
        for chunk in _chunks(ids) if ids else []:
            # Status changes and public messages together: one query per 500 tickets.
            rows = self.session.execute(
                union_all(
                    select(
                        StatusChange.ticket_id,
                        StatusChange.at,
                        StatusChange.status.label("value"),
                        literal("status").label("kind"),
                    ).where(StatusChange.ticket_id.in_(chunk)),
                    select(
                        Message.ticket_id,
                        Message.created_at,
                        Message.author_kind,
                        literal("message"),
                    ).where(Message.ticket_id.in_(chunk), Message.visibility == "public"),
                )
            )
            for ticket_id, at, value, kind in rows:
                if kind == "status":
                    history[ticket_id].append(Change(at, value))
                else:
                    messages[ticket_id].append(PublicMessage(at, value == "agent"))
        return history, messages

    def clocks_for(
        self, tickets: Sequence[Ticket], now: datetime
    ) -> dict[uuid.UUID, tuple[PolicyView | None, list[Clock]]]:
        """Each ticket's policy and clocks at ``now``."""
        setups = self._setups(tickets)
        result: dict[uuid.UUID, tuple[PolicyView | None, list[Clock]]] = {}
        stale = self.stale = []
        for ticket in tickets:
            setup = setups[ticket.id]
            if setup is None:
                result[ticket.id] = (None, [])
            elif ticket.sla_figures and ticket.sla_figures.get("key") == setup.key:
                result[ticket.id] = (
                    setup.policy,
                    [
                        clock_at(f, setup.calendar, now)
                        for f in figures_from_json(ticket.sla_figures["clocks"])
                    ],
                )
            else:
                stale.append(ticket)
        # No figures, or a policy or calendar edited since: from the history.
        history, messages = self._histories([t.id for t in stale])
        for ticket in stale:
            setup = setups[ticket.id]
            assert setup is not None
            clocks = compute_clocks(
                opened_at=ticket.opened_at,
                history=history[ticket.id],
                messages=messages[ticket.id],
                targets=setup.targets,
                calendar=setup.calendar,
                now=now,
            )
            result[ticket.id] = (setup.policy, clocks)
        return result

    def refresh(self, tickets: Sequence[Ticket]) -> int:
        """Fold each ticket's history into its running figures (None without a
        policy); returns how many changed. The caller commits."""
        setups = self._setups(tickets)
        history, messages = self._histories([t.id for t in tickets])
        changed = 0
        for ticket in tickets:
            setup = setups[ticket.id]
            figures = (
                {
                    "key": setup.key,
                    "clocks": figures_to_json(
                        clock_figures(
                            opened_at=ticket.opened_at,
                            history=history[ticket.id],
                            messages=messages[ticket.id],
                            targets=setup.targets,
                            calendar=setup.calendar,
                        )
                    ),
                }
                if setup is not None
                else None
            )
            if figures != ticket.sla_figures:
                ticket.sla_figures = figures
                changed += 1
        return changed


@dataclass(frozen=True)
class _Setup:
    policy: PolicyView
    targets: Targets
    calendar: BusinessCalendar
    key: str


def refresh_figures(session: Session, *tickets: Ticket) -> None:
    """Keep the tickets' running SLA figures up to date after a status change or a
    public message (written in the same transaction)."""
    session.flush()
    # Lock the rows before reading their history: a concurrent event on the same
    # ticket then commits first and is seen here (or waits and folds ours in).
    session.execute(
        select(Ticket.id).where(Ticket.id.in_([t.id for t in tickets])).with_for_update()
    ).all()
    SlaReader(session).refresh(tickets)


def _chunks(values: list[Any], size: int = 500) -> list[list[Any]]:
    return [values[i : i + size] for i in range(0, len(values), size)] or [[]]


def sla_view(policy: PolicyView | None, clocks: list[Clock]) -> dict[str, Any]:
    """The SLA part of a ticket as the API shows it."""
    return {
        "policy_id": policy.id if policy else None,
        "policy_name": policy.name if policy else None,
        "clocks": [
            {
                "name": c.name,
                "key": c.key,
                "target_minutes": c.target_minutes,
                "started_at": c.started_at,
                "due_at": c.due_at,
                "elapsed_minutes": c.elapsed_minutes,
                "remaining_minutes": c.remaining_minutes,
                "state": c.state,
                "stopped_at": c.stopped_at,
            }
            for c in clocks
        ],
    }


def run_sla_job(db: Database, settings: Settings) -> int:
    """Publish ``ticket.sla_warning`` / ``ticket.sla_breached`` once per clock; escalate.

    Returns how many notices were published. Notices are unique per (ticket,
    clock, kind) in the table, so a second run (or a racing worker) adds none.
    """
    now = utcnow()
    published = 0
    with db.session() as session:
        tickets = list(
            session.scalars(select(Ticket).where(Ticket.status.in_(("new", "open", "pending"))))
        )
        seen = (
            {
                (n.ticket_id, n.clock, n.kind)
                for n in session.scalars(
                    select(SlaNotice).where(SlaNotice.ticket_id.in_([t.id for t in tickets]))
                )
            }
            if tickets
            else set()
        )
        reader = SlaReader(session)
        by_id = {t.id: t for t in tickets}
        for ticket_id, (policy, clocks) in reader.clocks_for(tickets, now).items():
            assert policy is not None or not clocks
            for clock in clocks:
                kind = (
                    "breached"
                    if clock.state == "breached"
                    else "warning"
                    if policy and needs_warning(clock, policy.warn_before_minutes)
                    else None
                )
                if kind is None or (ticket_id, clock.key, kind) in seen:
                    continue
                assert policy is not None
                published += _notify(session, by_id[ticket_id], policy, clock, kind, now)
        # After a calendar or policy edit: fold the open tickets' figures afresh,
        # so the lists read them with arithmetic again.
        if reader.stale:
            refresh_figures(session, *reader.stale)
        session.commit()
    return published


def _notify(
    session: Session, ticket: Ticket, policy: PolicyView, clock: Clock, kind: str, now: datetime
) -> int:
    try:
        # The unique notice row is the "once": a racing job's insert fails here.
        with session.begin_nested():
            session.add(
                SlaNotice(id=uuid.uuid4(), ticket_id=ticket.id, clock=clock.key, kind=kind, at=now)
            )
    except IntegrityError:
        return 0
    ref = session.get(CustomerRef, ticket.customer_id)
    data: dict[str, Any] = {
        "ticket_id": ticket.id,
        "customer_id": ticket.customer_id,
        "customer_owner_id": ref.owner_id if ref else None,
        "assignee_id": ticket.assignee_id,
        "policy_id": policy.id,
        "clock": clock.name,
        "clock_key": clock.key,
        "priority": ticket.priority,
        "due_at": clock.due_at,
        "remaining_minutes": clock.remaining_minutes,
    }
    if kind == "breached":
        data["breached_at"] = clock.due_at
        group = session.get(SupportGroup, ticket.group_id) if ticket.group_id else None
        data["escalate_to"] = [
            str(u)
            for u in escalation_chain(
                [uuid.UUID(str(u)) for u in policy.escalate_to or []],
                group.lead_id if group else None,
                ticket.assignee_id,
                SqlDirectory(session),
            )
        ]
        outbox.publish(session, "ticket.sla_breached", data, subject=ticket.id)
    else:
        data["warned_at"] = now
        outbox.publish(session, "ticket.sla_warning", data, subject=ticket.id)
    return 1


def presented(
    session: Session, tickets: Sequence[Ticket], now: datetime | None = None
) -> list[dict[str, Any]]:
    """Tickets as dictionaries with their SLA (policy and clocks) computed now."""
    clocks = SlaReader(session).clocks_for(tickets, now or utcnow())
    columns = [c.key for c in Ticket.__table__.columns]
    return [
        {name: getattr(t, name) for name in columns} | {"sla": sla_view(*clocks[t.id])}
        for t in tickets
    ]
