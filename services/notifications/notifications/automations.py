"""Automation rules at work: saved by admins, fired by events, run by the worker.

The rules themselves (parsing, matching, delays, cancelling, loop protection,
dry runs) are pure functions in ``rules/automations``; this module stores
rules and runs and performs actions:

- an event that matches an enabled rule schedules a run (one per rule and
  event, by a unique key) with one step per action, due after the delays;
- a later event named in the rule's ``unless`` cancels the run's pending
  steps (found by a key ``type|field|value`` stored with the run);
- the ``notifications-automations`` job performs each due step: ``notify``
  writes the bell or queues a message for the channel's sender (retries, the
  log and pausing as for every message), ``create_task`` asks the customers
  service through the gateway with the service credential an admin set
  (an API key), ``call_webhook`` queues the triggering CloudEvent for a
  webhook endpoint (signed, SSRF-checked, retried by the webhook sender).

Every event an action causes carries the chain of rule ids
(``crmautomation``): on the webhook's CloudEvent, and as the
``CRM-Automation`` header of the task call, which the customers service's
outbox copies onto what it publishes.
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

import requests
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from crm_shared.calendars.business_time import BusinessCalendar, day_hours
from crm_shared.calendars.public_holidays import year_of_holidays
from crm_shared.config import Env, Settings
from crm_shared.db import Database, utcnow
from crm_shared.directory import SqlDirectory
from crm_shared.errors import NotFound, ValidationFailed
from crm_shared.events import AUTOMATION_ATTRIBUTE, AUTOMATION_HEADER, Event, parse_time
from crm_shared.pagination import SortKey, paginate

from . import bell, profiles
from .channels import channel_names
from .models import Message, ReceivedEvent
from .models_hooks import (
    AutomationCancelKey,
    AutomationRule,
    AutomationRun,
    AutomationSetting,
    AutomationStep,
    WebhookDelivery,
    WebhookEndpoint,
)
from .rendering import render_event
from .rules import automations as au
from .rules.catalog import IN_APP, link
from .rules.delivery import backoff

log = logging.getLogger(__name__)

STEP_LIMIT = 100
NOTICE = "automation.notice"
CREDENTIAL = "service_api_key"
RUN_KEYS = (
    SortKey(AutomationRun.created_at, "created_at", descending=True),
    SortKey(AutomationRun.id, "id", descending=True),
)


def settings() -> dict[str, Any]:
    """The automation worker's settings from the environment."""
    env = Env()
    gateway_port = env.int("CRM_GATEWAY_PORT", 8000, min=1, max=65535)
    return {
        # The customers API is reached through the gateway, which exchanges the key.
        "gateway_url": env.str("CRM_NOTIFICATIONS_GATEWAY_URL", f"http://127.0.0.1:{gateway_port}"),
        "api_key": env.str("CRM_NOTIFICATIONS_AUTOMATION_API_KEY", ""),
        "timezone": env.str("CRM_NOTIFICATIONS_TIMEZONE", "Asia/Shanghai"),
        "holidays": env.str("CRM_NOTIFICATIONS_HOLIDAYS_COUNTRY", "CN"),
        "retry_limit": env.int("CRM_NOTIFICATIONS_AUTOMATION_RETRY_LIMIT", 6, min=1, max=50),
        "retry_base_seconds": env.float(
            "CRM_NOTIFICATIONS_AUTOMATION_RETRY_BASE_SECONDS", 30.0, min=0.0
        ),
        "timeout": env.float("CRM_NOTIFICATIONS_AUTOMATION_TIMEOUT", 5.0, min=0.1),
    }


# ---------------------------------------------------------------- calendars


@functools.cache
def _default_calendar(timezone: str, country: str, year: int) -> BusinessCalendar:
    # Monday to Friday 09:00-18:00 with a lunch break, the country's public
    # holidays and make-up working days (调休) of this year and the next.
    workday = day_hours([["09:00", "18:00"]], [["12:00", "13:00"]])
    closed = day_hours([])
    days_off: set[date] = set()
    extra: set[date] = set()
    for y in (year, year + 1):
        try:
            found = year_of_holidays(country, y)
        except ValueError:
            continue
        days_off |= set(found.holidays)
        extra |= set(found.extra_workdays)
    return BusinessCalendar(
        timezone,
        (workday,) * 5 + (closed, closed),
        holidays=frozenset(days_off),
        extra_workdays=frozenset(extra),
    )


def calendars(config: Mapping[str, Any] | None = None) -> au.Calendars:
    """The business calendars delays count on (only ``default`` today)."""
    config = config or settings()

    def named(_name: str) -> BusinessCalendar:
        return _default_calendar(config["timezone"], config["holidays"], utcnow().year)

    return named


def _durations(rule: au.Rule) -> list[tuple[str, au.Duration]]:
    found = [("delay", rule.delay)]
    for i, action in enumerate(rule.actions):
        found.append((f"actions[{i}].after", action.after))
        found.append((f"actions[{i}].due_in", action.due_in))
    return found


# ---------------------------------------------------------------- rules


def parse(session: Session, data: Mapping[str, Any], rule_id: str | None = None) -> au.Rule:
    """A rule as an admin wrote it, checked; a 422 naming the field otherwise."""
    try:
        rule = au.parse_rule(data, channels=frozenset(channel_names()), rule_id=rule_id)
    except au.RuleError as exc:
        raise ValidationFailed.field(exc.field, exc.message) from None
    for where, duration in _durations(rule):
        if duration.is_business and duration.calendar != au.DEFAULT_CALENDAR:
            raise ValidationFailed.field(
                f"{where}.calendar", f"unknown business calendar {duration.calendar!r}"
            )
    for i, action in enumerate(rule.actions):
        if (
            action.type == "call_webhook"
            and action.endpoint_id is not None
            and session.get(WebhookEndpoint, uuid.UUID(action.endpoint_id)) is None
        ):
            raise ValidationFailed.field(f"actions[{i}].endpoint_id", "no such webhook endpoint")
    return rule


def view(row: AutomationRule) -> dict[str, Any]:
    """A stored rule as the API shows it."""
    return {
        "id": row.id,
        "enabled": row.enabled,
        "template_key": row.template_key,
        "created_at": row.created_at,
        "created_by": row.created_by,
        "updated_at": row.updated_at,
        **row.definition,
    }


def rules(session: Session) -> list[AutomationRule]:
    """Every rule, newest first."""
    return list(session.scalars(select(AutomationRule).order_by(AutomationRule.created_at.desc())))


def rule(session: Session, rule_id: uuid.UUID) -> AutomationRule:
    """One rule, or 404."""
    row = session.get(AutomationRule, rule_id)
    if row is None:
        raise NotFound("no such automation rule")
    return row


def create(session: Session, actor: uuid.UUID, data: Mapping[str, Any]) -> AutomationRule:
    """Save a new rule (from scratch or from a shipped template's ``template_key``)."""
    template_key = data.get("template_key")
    body = dict(data)
    if template_key is not None:
        shipped = au.template(template_key)
        if shipped is None:
            raise ValidationFailed.field("template_key", f"no shipped template {template_key!r}")
        # What the admin wrote wins over the template's own parts.
        body = {**shipped.rule, **{k: v for k, v in data.items() if k != "template_key"}}
    parsed = parse(session, body)
    now = utcnow()
    row = AutomationRule(
        id=uuid.uuid4(),
        name=parsed.name,
        event_type=parsed.event_type,
        definition=au.rule_as_dict(parsed),
        enabled=bool(body.get("enabled", True)),
        template_key=template_key,
        created_at=now,
        created_by=actor,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    return row


def update(session: Session, rule_id: uuid.UUID, data: Mapping[str, Any]) -> AutomationRule:
    """Change a rule: the parts given replace the stored ones; runs already scheduled stay."""
    row = rule(session, rule_id)
    merged = {**row.definition, **{k: v for k, v in data.items() if k != "enabled"}}
    parsed = parse(session, merged, rule_id=str(row.id))
    row.definition = au.rule_as_dict(parsed)
    row.name, row.event_type = parsed.name, parsed.event_type
    if "enabled" in data:
        row.enabled = bool(data["enabled"])
    row.updated_at = utcnow()
    session.flush()
    return row


def remove(session: Session, rule_id: uuid.UUID) -> None:
    """Delete a rule with its runs (its pending steps never run)."""
    row = rule(session, rule_id)
    runs = select(AutomationRun.id).where(AutomationRun.rule_id == row.id)
    session.execute(delete(AutomationStep).where(AutomationStep.run_id.in_(runs)))
    session.execute(delete(AutomationCancelKey).where(AutomationCancelKey.run_id.in_(runs)))
    session.execute(delete(AutomationRun).where(AutomationRun.rule_id == row.id))
    session.delete(row)


def _stored(row: AutomationRule) -> au.Rule | None:
    # A saved rule was checked when saved; a contract that changed since may
    # refuse it now: that rule stops firing (and says so) instead of failing events.
    try:
        return au.parse_rule(
            row.definition, channels=frozenset(channel_names()), rule_id=str(row.id)
        )
    except au.RuleError as exc:
        log.warning("automation rule %s no longer parses: %s", row.id, exc)
        return None


# ---------------------------------------------------------------- events in


def chain_of(event: Event) -> tuple[str, ...]:
    """The rule ids whose actions caused ``event``."""
    return tuple(part for part in (event.automation or "").split(",") if part)


def event_view(event: Event) -> au.EventView:
    """What a rule sees of a consumed event."""
    return au.EventView(event.id, event.type, event.time, event.data, chain_of(event))


def _enabled(session: Session) -> list[au.Rule]:
    # Read once per transaction: a batch of events (a flood) meets the same rules.
    memo = session.info.get("notifications_automations")
    if memo is None:
        rows = session.scalars(select(AutomationRule).where(AutomationRule.enabled.is_(True)))
        memo = [r for r in (_stored(row) for row in rows) if r is not None]
        session.info["notifications_automations"] = memo
    return memo


def _insert(session: Session, table: Any) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def cancel_key(event_type: str, field: str, value: Any) -> str:
    """The key a run waits under: "an event of this type whose field holds this value"."""
    return f"{event_type}|{field}|{value}"[:400]


def after_event(session: Session, event: Event, recipients: list[uuid.UUID]) -> None:
    """Cancel the runs this event cancels, then schedule the rules it triggers."""
    found = _enabled(session)
    if not found:
        return
    seen = event_view(event)
    _cancel(session, found, seen)
    for candidate in found:
        if candidate.event_type == event.type and au.matches(candidate, seen):
            schedule(session, candidate, seen, event.to_envelope())


def schedule(
    session: Session, rule_: au.Rule, seen: au.EventView, envelope: dict[str, Any]
) -> uuid.UUID | None:
    """A run of ``rule_`` for the event, its steps due per the rule; None if it exists."""
    assert rule_.id is not None
    now = utcnow()
    run_id = uuid.uuid4()
    inserted = session.execute(
        _insert(session, AutomationRun.__table__)
        .values(
            id=run_id,
            rule_id=uuid.UUID(rule_.id),
            trigger_event_id=seen.id,
            trigger_type=seen.type,
            trigger=envelope,
            chain=",".join(seen.chain),
            status="scheduled",
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["rule_id", "trigger_event_id"])
        .returning(AutomationRun.__table__.c.id)
    ).first()
    if inserted is None:
        return None  # this event started this rule's run before
    for planned in au.plan(rule_, seen, calendars()):
        session.add(
            AutomationStep(
                id=uuid.uuid4(),
                run_id=run_id,
                action_index=planned.index,
                action_type=planned.action.type,
                due_at=planned.due_at,
                status="pending",
                attempts=0,
            )
        )
    keys = {
        cancel_key(c.event_type, c.on, seen.data[c.match])
        for c in rule_.unless
        if seen.data.get(c.match) is not None
    }
    for key in keys:
        session.add(AutomationCancelKey(run_id=run_id, key=key))
    session.flush()
    return run_id


def _cancel(session: Session, found: list[au.Rule], later: au.EventView) -> None:
    by_id = {r.id: r for r in found if any(c.event_type == later.type for c in r.unless)}
    keys = {
        cancel_key(later.type, c.on, later.data[c.on])
        for r in by_id.values()
        for c in r.unless
        if c.event_type == later.type and later.data.get(c.on) is not None
    }
    if not keys:
        return
    session.flush()
    runs = session.scalars(
        select(AutomationRun)
        .join(AutomationCancelKey, AutomationCancelKey.run_id == AutomationRun.id)
        .where(AutomationCancelKey.key.in_(keys), AutomationRun.status == "scheduled")
    ).unique()
    now = utcnow()
    for run in runs:
        owner = by_id.get(str(run.rule_id))
        if owner is None:
            continue
        trigger = au.EventView.from_envelope(run.trigger, parse_time(str(run.trigger["time"])))
        if not au.cancels(owner, trigger, later):
            continue
        run.status, run.cancelled_by, run.finished_at = "cancelled", later.id, now
        for step in session.scalars(
            select(AutomationStep).where(
                AutomationStep.run_id == run.id, AutomationStep.status == "pending"
            )
        ):
            step.status, step.done_at = "cancelled", now
            step.answer = f"cancelled by {later.type} {later.id}"


# ---------------------------------------------------------------- the worker


def _recipients(session: Session, action: au.Action, data: Mapping[str, Any]) -> list[uuid.UUID]:
    directory = SqlDirectory(session)
    found: list[uuid.UUID] = []
    for kind, value in au.recipients_of(action, data):
        try:
            if kind == "user":
                people = [uuid.UUID(value)]
            elif kind == "manager_of":
                people = directory.managers_up(uuid.UUID(value), 1)
            else:
                people = directory.users_with_role(value)
        except ValueError:
            continue
        for person in people:
            user = directory.user(person)
            # Users the directory knows as inactive are left out; unknown ones are told.
            if (user is None or user.active) and person not in found:
                found.append(person)
    return found


def _notify(
    session: Session, step: AutomationStep, rule_: au.Rule, trigger: au.EventView
) -> tuple[bool, str]:
    action = rule_.actions[step.action_index]
    people = _recipients(session, action, trigger.data)
    if not people:
        return True, "nobody to tell: the rule's recipients name nobody in this event"
    message = (
        au.render(action.message, trigger)
        if action.message
        else f"{rule_.name or rule_.event_type}: {trigger.type} {trigger.id}"
    )
    notify_settings = _notification_settings()
    now = utcnow()
    for person in people:
        language = profiles.choices(session, person, notify_settings).language
        rendered = render_event(
            session, NOTICE, {"rule": rule_.name or trigger.type, "message": message}, language
        )
        if action.channel == IN_APP:
            bell.add(
                session,
                person,
                f"automation:{step.id}",
                NOTICE,
                rendered,
                link(trigger.type, dict(trigger.data)),
                language=language,
                fold_seconds=0,
                now=now,
            )
            continue
        # Any other channel: a message for the channel's sender (retries, log, pausing).
        session.add(
            Message(
                id=uuid.uuid4(),
                recipient_id=person,
                channel=action.channel,
                address=profiles.address(session, person, action.channel or ""),
                event_type=NOTICE,
                language=language,
                subject=rendered.subject,
                text=rendered.text,
                html=rendered.html,
                items=1,
                kind="single",
                status="pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        )
    return True, f"told {len(people)} on {action.channel}"


def _notification_settings() -> dict[str, Any]:
    from .service import current_settings

    return current_settings()


def _call_webhook(
    session: Session, step: AutomationStep, rule_: au.Rule, run: AutomationRun
) -> tuple[bool, str]:
    action = rule_.actions[step.action_index]
    endpoint = session.get(WebhookEndpoint, uuid.UUID(str(action.endpoint_id)))
    if endpoint is None or not endpoint.enabled:
        return False, "the webhook endpoint is gone or disabled"
    # A CloudEvent of its own (so the receiver's dedupe on webhook-id holds),
    # carrying the trigger's type and data and the chain of rules that led here.
    document = {
        **run.trigger,
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"crm:automation:{step.id}")),
        AUTOMATION_ATTRIBUTE: ",".join((*chain_of_run(run), str(run.rule_id))),
        "crmtrigger": run.trigger_event_id,
    }
    now = utcnow()
    session.execute(
        _insert(session, WebhookDelivery.__table__)
        .values(
            id=uuid.uuid4(),
            endpoint_id=endpoint.id,
            event_id=document["id"],
            event_type=run.trigger_type,
            envelope=document,
            status="pending",
            attempts=0,
            next_at=now,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["endpoint_id", "event_id"])
    )
    return True, f"queued for webhook {endpoint.id}"


def chain_of_run(run: AutomationRun) -> tuple[str, ...]:
    """The chain the run's trigger carried."""
    return tuple(p for p in (run.chain or "").split(",") if p)


def service_key(session: Session, config: Mapping[str, Any]) -> str:
    """The API key the worker calls other services with: an admin's, else the deployment's."""
    row = session.get(AutomationSetting, CREDENTIAL)
    return row.value if row is not None and row.value else str(config.get("api_key") or "")


def set_service_key(session: Session, actor: uuid.UUID, key: str) -> AutomationSetting:
    """An admin sets the API key (role admin or manager, resource ``tasks``) tasks are made with."""
    if not key.startswith("crmk_") or len(key) < 20:
        raise ValidationFailed.field("api_key", "must be an API key made at /api/v1/api-keys")
    row = session.get(AutomationSetting, CREDENTIAL)
    if row is None:
        row = AutomationSetting(name=CREDENTIAL, value=key, updated_at=utcnow(), updated_by=actor)
        session.add(row)
    else:
        row.value, row.updated_at, row.updated_by = key, utcnow(), actor
    session.flush()
    return row


def credential_view(session: Session, config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Whether a service credential is set (its first characters only), and whose."""
    config = config or settings()
    row = session.get(AutomationSetting, CREDENTIAL)
    key = service_key(session, config)
    return {
        "configured": bool(key),
        "source": "admin" if row is not None else ("environment" if key else None),
        "prefix": key[:11] if key else None,
        "updated_at": row.updated_at if row is not None else None,
    }


def task_request(
    rule_: au.Rule,
    step_index: int,
    trigger: au.EventView,
    owner_id: uuid.UUID,
    now: datetime,
    calendars_: au.Calendars,
) -> dict[str, Any]:
    """The customers API's task body for a ``create_task`` action of ``rule_``."""
    action = rule_.actions[step_index]
    title = au.render(action.title or rule_.name, trigger).strip()[:200] or rule_.name[:200]
    return {
        "title": title or trigger.type,
        "owner_id": str(owner_id),
        "due_at": au.add(action.due_in, now, calendars_).astimezone(UTC).isoformat(),
        "notes": f"Created by the automation rule {rule_.name!r} on {trigger.type} {trigger.id}.",
    }


def _create_task(
    session: Session,
    step: AutomationStep,
    rule_: au.Rule,
    run: AutomationRun,
    trigger: au.EventView,
    config: Mapping[str, Any],
) -> tuple[dict[str, Any], dict[str, str]] | tuple[bool, str]:
    """What to send (body and headers), or an outcome when there is nothing to send."""
    action = rule_.actions[step.action_index]
    people = _recipients(session, action, trigger.data)
    if not people:
        return False, "the task's assignee names nobody in this event"
    body = task_request(rule_, step.action_index, trigger, people[0], utcnow(), calendars(config))
    key = service_key(session, config)
    if not key:
        return False, "no service credential: an admin sets one at /api/v1/automations/credential"
    headers = {
        "X-Api-Key": key,
        "Idempotency-Key": f"automation-{step.id}",
        AUTOMATION_HEADER: ",".join((*chain_of_run(run), str(run.rule_id))),
        "Content-Type": "application/json",
    }
    return body, headers


def _post_task(
    config: Mapping[str, Any], body: dict[str, Any], headers: dict[str, str]
) -> tuple[bool, bool, str]:
    """(ok, retryable, answer) of the task call."""
    url = str(config["gateway_url"]).rstrip("/") + "/api/v1/tasks"
    try:
        answer = requests.post(url, json=body, headers=headers, timeout=float(config["timeout"]))
    except requests.RequestException as exc:
        return False, True, f"the gateway cannot be reached: {exc.__class__.__name__}"
    text = answer.text[:500]
    if answer.status_code == 201:
        try:
            task_id = answer.json().get("id")
        except ValueError:
            task_id = None
        return True, False, f"task {task_id} created"
    # 5xx and 429 are the other side's trouble: tried again. Other answers are final.
    retryable = answer.status_code >= 500 or answer.status_code in (408, 429)
    return False, retryable, f"HTTP {answer.status_code}: {text}"


def _finish(session: Session, run_id: uuid.UUID, now: datetime) -> None:
    run = session.get(AutomationRun, run_id)
    if run is None or run.status != "scheduled":
        return
    states = set(
        session.scalars(select(AutomationStep.status).where(AutomationStep.run_id == run_id))
    )
    if "pending" in states:
        return
    run.status = "failed" if "failed" in states else "done"
    run.finished_at = now


def _record(
    session: Session,
    step_id: uuid.UUID,
    ok: bool,
    retryable: bool,
    answer: str,
    config: Mapping[str, Any],
) -> None:
    step = session.get(AutomationStep, step_id)
    if step is None or step.status != "pending":
        return
    now = utcnow()
    step.attempts += 1
    step.answer = answer[:2000]
    if ok:
        step.status, step.done_at = "done", now
    elif retryable and step.attempts < int(config["retry_limit"]):
        step.due_at = now + backoff(step.attempts, float(config["retry_base_seconds"]), 3600.0)
    else:
        step.status, step.done_at = "failed", now
    _finish(session, step.run_id, now)


def run_due(db: Database, now: datetime | None = None) -> int:
    """Perform every step whose time has come; how many were tried."""
    config = settings()
    now = now or utcnow()
    with db.transaction() as session:
        due = [
            (s.id, s.run_id)
            for s in session.scalars(
                select(AutomationStep)
                .where(AutomationStep.status == "pending", AutomationStep.due_at <= now)
                .order_by(AutomationStep.due_at, AutomationStep.id)
                .limit(STEP_LIMIT)
            )
        ]
    for step_id, run_id in due:
        calls: tuple[dict[str, Any], dict[str, str]] | None = None
        with db.transaction() as session:
            step = session.get(AutomationStep, step_id)
            run = session.get(AutomationRun, run_id)
            if step is None or run is None or step.status != "pending":
                continue
            row = session.get(AutomationRule, run.rule_id)
            found = _stored(row) if row is not None and row.enabled else None
            if found is None or step.action_index >= len(found.actions):
                step.status, step.done_at = "cancelled", utcnow()
                step.answer = "the rule was disabled, deleted or changed"
                _finish(session, run_id, utcnow())
                continue
            trigger = au.EventView.from_envelope(run.trigger, parse_time(str(run.trigger["time"])))
            try:
                if step.action_type == "notify":
                    ok, answer = _notify(session, step, found, trigger)
                    _record(session, step_id, ok, False, answer, config)
                elif step.action_type == "call_webhook":
                    ok, answer = _call_webhook(session, step, found, run)
                    _record(session, step_id, ok, False, answer, config)
                else:
                    prepared = _create_task(session, step, found, run, trigger, config)
                    if isinstance(prepared[0], bool):
                        _record(session, step_id, prepared[0], False, str(prepared[1]), config)
                    else:
                        calls = prepared
            except Exception as exc:  # a template that fails on this event's data
                _record(session, step_id, False, False, f"failed: {exc}", config)
        if calls is not None:
            # Outside any transaction: the other side may be slow.
            ok, retryable, answer = _post_task(config, *calls)
            with db.transaction() as session:
                _record(session, step_id, ok, retryable, answer, config)
    return len(due)


def job(db: Database, _settings: Settings) -> dict[str, int]:
    """The ``notifications-automations`` job's body."""
    return {"automation_steps_tried": run_due(db)}


# ---------------------------------------------------------------- the log and dry runs


def runs(
    session: Session, rule_id: uuid.UUID, args: Mapping[str, Any]
) -> tuple[list[dict[str, Any]], str | None]:
    """A rule's run log, newest first: each run with its steps and their answers."""
    rule(session, rule_id)
    statement = select(AutomationRun).where(AutomationRun.rule_id == rule_id)
    if args.get("status"):
        statement = statement.where(AutomationRun.status == args["status"])
    rows, cursor = paginate(
        session, statement, RUN_KEYS, limit=args.get("limit", 50), cursor=args.get("cursor")
    )
    steps: dict[uuid.UUID, list[AutomationStep]] = {}
    if rows:
        for step in session.scalars(
            select(AutomationStep)
            .where(AutomationStep.run_id.in_([r.id for r in rows]))
            .order_by(AutomationStep.action_index)
        ):
            steps.setdefault(step.run_id, []).append(step)
    return [
        {
            "id": r.id,
            "trigger_event_id": r.trigger_event_id,
            "trigger_type": r.trigger_type,
            "chain": list(chain_of_run(r)),
            "status": r.status,
            "created_at": r.created_at,
            "finished_at": r.finished_at,
            "cancelled_by": r.cancelled_by,
            "steps": [
                {
                    "action_index": s.action_index,
                    "type": s.action_type,
                    "due_at": s.due_at,
                    "status": s.status,
                    "attempts": s.attempts,
                    "answer": s.answer,
                    "done_at": s.done_at,
                }
                for s in steps.get(r.id, [])
            ],
        }
        for r in rows
    ], cursor


def _stored_events(
    session: Session, types: set[str], limit: int, event_id: str | None
) -> list[au.EventView]:
    statement = select(ReceivedEvent).where(ReceivedEvent.type.in_(types))
    if event_id is not None:
        trigger = session.get(ReceivedEvent, event_id)
        if trigger is None:
            raise ValidationFailed.field("event_id", "no stored event with this id")
        # The event itself and what came after it (which may cancel its run).
        statement = statement.where(ReceivedEvent.time >= trigger.time)
        rows = list(session.scalars(statement.order_by(ReceivedEvent.time).limit(limit)))
    else:
        rows = list(session.scalars(statement.order_by(ReceivedEvent.time.desc()).limit(limit)))
        rows.reverse()
    return [au.EventView(r.id, r.type, r.time, r.data) for r in rows]


def dry_run(session: Session, rule_id: uuid.UUID, args: Mapping[str, Any]) -> dict[str, Any]:
    """What the rule would do with real past events: matched or why not, when, cancelled by."""
    row = rule(session, rule_id)
    found = parse(session, row.definition, rule_id=str(row.id))
    types = {found.event_type, *(c.event_type for c in found.unless)}
    event_id = args.get("event_id")
    events = _stored_events(session, types, int(args.get("limit", 50)), event_id)
    now = utcnow()
    results = au.dry_run(found, events, calendars(), now=now)
    if event_id is not None:
        results = [r for r in results if r.event_id == event_id]
    by_id = {e.id: e for e in events}
    return {
        "rule_id": row.id,
        "events": len(results),
        "results": [_dry_result(session, found, r, by_id[r.event_id], now) for r in results],
    }


def _dry_result(
    session: Session, found: au.Rule, result: au.DryRunResult, event: au.EventView, now: datetime
) -> dict[str, Any]:
    actions = []
    for planned in result.planned:
        action = planned.action
        entry: dict[str, Any] = {
            "index": planned.index,
            "type": action.type,
            "due_at": planned.due_at,
        }
        try:
            if action.type == "notify":
                entry["channel"] = action.channel
                entry["recipients"] = [str(p) for p in _recipients(session, action, event.data)]
                entry["message"] = au.render(action.message, event) if action.message else None
            elif action.type == "create_task":
                people = _recipients(session, action, event.data)
                entry["task"] = (
                    task_request(found, planned.index, event, people[0], now, calendars())
                    if people
                    else None
                )
            else:
                entry["endpoint_id"] = action.endpoint_id
        except Exception as exc:  # a template that fails on this event's data
            entry["error"] = str(exc)
        actions.append(entry)
    return {
        "event_id": result.event_id,
        "event_type": result.event_type,
        "matched": result.matched,
        "reason": result.reason,
        "cancelled_by": result.cancelled_by,
        "actions": actions,
    }


def templates() -> list[dict[str, Any]]:
    """The shipped rule templates admins start from."""
    return [
        {"key": t.key, "name": t.name, "description": t.description, "rule": dict(t.rule)}
        for t in au.TEMPLATES
    ]
