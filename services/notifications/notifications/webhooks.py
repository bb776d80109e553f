"""Outbound webhooks: admins subscribe a URL to event types; each event goes out as its
CloudEvent, signed (Standard Webhooks), retried with backoff, logged, replayable.

An endpoint failing for ``webhook_disable_days`` days in a row is disabled and
the admins are told. Every call goes through ``outbound.http_delivery`` (the
SSRF policy is checked when an endpoint is saved and again on every call).
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from crm_shared.config import Env
from crm_shared.db import Database, utcnow
from crm_shared.directory import SqlDirectory
from crm_shared.errors import NotFound, ValidationFailed
from crm_shared.events import Event
from crm_shared.pagination import SortKey, paginate

from . import bell, profiles
from .models_hooks import OutboundAllow, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from .outbound import http_delivery, signing
from .rendering import render_event
from .rules import automations, ssrf
from .rules.delivery import backoff

SEND_LIMIT = 100
DELIVERY_KEYS = (
    SortKey(WebhookDelivery.created_at, "created_at", descending=True),
    SortKey(WebhookDelivery.id, "id", descending=True),
)


def settings() -> dict[str, Any]:
    """Webhook settings from the environment (handlers and jobs read them alike)."""
    env = Env()
    return {
        "retry_limit": env.int("CRM_NOTIFICATIONS_WEBHOOK_RETRY_LIMIT", 8, min=1, max=50),
        "retry_base_seconds": env.float(
            "CRM_NOTIFICATIONS_WEBHOOK_RETRY_BASE_SECONDS", 30.0, min=0.0
        ),
        "retry_cap_seconds": env.float(
            "CRM_NOTIFICATIONS_WEBHOOK_RETRY_CAP_SECONDS", 6 * 3600.0, min=0.0
        ),
        "disable_days": env.float("CRM_NOTIFICATIONS_WEBHOOK_DISABLE_DAYS", 5.0, min=0.0),
        # Entries allowed for every outbound call besides the admins' list (comma separated).
        "allow": [
            e for e in env.str("CRM_NOTIFICATIONS_OUTBOUND_ALLOW", "").split(",") if e.strip()
        ],
        "connect_timeout": env.float("CRM_NOTIFICATIONS_OUTBOUND_CONNECT_TIMEOUT", 3.0, min=0.1),
        "read_timeout": env.float("CRM_NOTIFICATIONS_OUTBOUND_READ_TIMEOUT", 10.0, min=0.1),
        "max_response_bytes": env.int("CRM_NOTIFICATIONS_OUTBOUND_MAX_RESPONSE", 64 * 1024, min=1),
    }


# ---------------------------------------------------------------- the policy


def allow_list(session: Session, config: dict[str, Any] | None = None) -> ssrf.AllowList:
    """The admins' allow-list plus the deployment's."""
    config = config or settings()
    entries = [*config["allow"], *session.scalars(select(OutboundAllow.entry))]
    return ssrf.AllowList.parse(entries)


def policy(session: Session, config: dict[str, Any] | None = None) -> http_delivery.Policy:
    """The outbound policy every webhook and chat robot call runs under."""
    config = config or settings()
    return http_delivery.Policy(
        allow=allow_list(session, config),
        require_https=True,
        connect_timeout=config["connect_timeout"],
        read_timeout=config["read_timeout"],
        max_response_bytes=config["max_response_bytes"],
    )


def check_url(
    url: str,
    allow: ssrf.AllowList,
    resolver: http_delivery.Resolver = http_delivery.system_resolver,
) -> None:
    """Refuse (422 on ``url``) a URL that is not https or resolves to a private address."""
    try:
        target = ssrf.parse_url(url, require_https=True, allow=allow)
        http_delivery.resolve_checked(target, http_delivery.Policy(allow=allow), resolver)
    except (ssrf.Refused, http_delivery.DeliveryRefused) as exc:
        raise ValidationFailed.field("url", exc.args[0]) from None
    except http_delivery.DeliveryFailed as exc:
        raise ValidationFailed.field("url", exc.reason) from None


def allow_entries(session: Session) -> list[OutboundAllow]:
    """The admins' allow-list, by entry."""
    return list(session.scalars(select(OutboundAllow).order_by(OutboundAllow.entry)))


def set_allow_entries(
    session: Session, actor: uuid.UUID, items: list[dict[str, Any]]
) -> list[OutboundAllow]:
    """Replace the admins' allow-list; an entry that is no host, address or network is a 422."""
    for i, item in enumerate(items):
        try:
            ssrf.AllowList.parse([item["entry"]])
        except ssrf.Refused as exc:
            raise ValidationFailed.field(f"items[{i}].entry", exc.reason) from None
    session.execute(delete(OutboundAllow))
    now = utcnow()
    seen: set[str] = set()
    for item in items:
        entry = item["entry"].strip().lower()
        if entry in seen:
            continue
        seen.add(entry)
        session.add(
            OutboundAllow(entry=entry, note=item.get("note", ""), created_at=now, created_by=actor)
        )
    session.flush()
    return allow_entries(session)


# ---------------------------------------------------------------- endpoints


def _check_subscription(
    event_types: list[str], conditions: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    known = automations.webhook_event_types()
    if not event_types:
        raise ValidationFailed.field("event_types", "subscribe to at least one event type")
    for i, name in enumerate(event_types):
        if name not in known:
            raise ValidationFailed.field(f"event_types[{i}]", f"unknown event type {name!r}")
    checked: list[dict[str, Any]] = []
    for name in event_types:
        fields = automations.event_fields(name) or frozenset()
        try:
            parsed = automations.parse_rule(
                {
                    "event_type": name,
                    "conditions": conditions,
                    "actions": [
                        {
                            "type": "notify",
                            "recipients": ["user:00000000-0000-0000-0000-000000000000"],
                        }
                    ],
                },
                fields_of=lambda t, f=fields, n=name: f if t == n else None,  # type: ignore[misc]
            )
        except automations.RuleError as exc:
            field = exc.field.replace("conditions", "filter", 1)
            raise ValidationFailed.field(field, exc.message) from None
        checked = [{"field": c.field, "op": c.op, "value": c.value} for c in parsed.conditions]
    return checked


def endpoints(session: Session) -> list[WebhookEndpoint]:
    """Every endpoint, newest first."""
    return list(
        session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.created_at.desc()))
    )


def endpoint(session: Session, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    """One endpoint, or 404."""
    row = session.get(WebhookEndpoint, endpoint_id)
    if row is None:
        raise NotFound("no such webhook endpoint")
    return row


def create(
    session: Session,
    actor: uuid.UUID,
    data: dict[str, Any],
    resolver: http_delivery.Resolver = http_delivery.system_resolver,
) -> tuple[WebhookEndpoint, str]:
    """Subscribe a URL; return the endpoint and its secret (shown this once)."""
    check_url(data["url"], allow_list(session), resolver)
    conditions = _check_subscription(data["event_types"], data.get("filter") or [])
    secret = signing.new_secret()
    now = utcnow()
    row = WebhookEndpoint(
        id=uuid.uuid4(),
        url=data["url"],
        description=data.get("description", ""),
        event_types=sorted(set(data["event_types"])),
        filter=conditions,
        secret=secret,
        enabled=True,
        created_at=now,
        created_by=actor,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    return row, secret


def update(
    session: Session,
    endpoint_id: uuid.UUID,
    data: dict[str, Any],
    resolver: http_delivery.Resolver = http_delivery.system_resolver,
) -> WebhookEndpoint:
    """Change an endpoint's URL, subscription, filter or state (re-enabling clears the failures)."""
    row = endpoint(session, endpoint_id)
    if "url" in data:
        check_url(data["url"], allow_list(session), resolver)
        row.url = data["url"]
    if "event_types" in data or "filter" in data:
        types = data.get("event_types", row.event_types)
        row.filter = _check_subscription(types, data.get("filter", row.filter))
        row.event_types = sorted(set(types))
    if "description" in data:
        row.description = data["description"]
    if "enabled" in data:
        if data["enabled"] and not row.enabled:
            row.failing_since = None
            row.disabled_reason = None
        row.enabled = data["enabled"]
    row.updated_at = utcnow()
    session.flush()
    return row


def remove(session: Session, endpoint_id: uuid.UUID) -> None:
    """Unsubscribe an endpoint; its delivery log goes with it."""
    row = endpoint(session, endpoint_id)
    ids = select(WebhookDelivery.id).where(WebhookDelivery.endpoint_id == row.id)
    session.execute(delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(ids)))
    session.execute(delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == row.id))
    session.delete(row)


def deliveries(
    session: Session, endpoint_id: uuid.UUID, args: dict[str, Any]
) -> tuple[list[dict[str, Any]], str | None]:
    """One endpoint's delivery log, newest first, each with its attempts."""
    endpoint(session, endpoint_id)
    statement = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
    if args.get("status"):
        statement = statement.where(WebhookDelivery.status == args["status"])
    if args.get("event_type"):
        statement = statement.where(WebhookDelivery.event_type == args["event_type"])
    rows, cursor = paginate(
        session, statement, DELIVERY_KEYS, limit=args.get("limit", 50), cursor=args.get("cursor")
    )
    tries: dict[uuid.UUID, list[WebhookAttempt]] = {}
    if rows:
        for attempt in session.scalars(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id.in_([r.id for r in rows]))
            .order_by(WebhookAttempt.number)
        ):
            tries.setdefault(attempt.delivery_id, []).append(attempt)
    return [_delivery_view(r, tries.get(r.id, [])) for r in rows], cursor


def _delivery_view(row: WebhookDelivery, attempts: list[WebhookAttempt]) -> dict[str, Any]:
    return {
        "id": row.id,
        "endpoint_id": row.endpoint_id,
        "event_id": row.event_id,
        "event_type": row.event_type,
        "status": row.status,
        "attempts": row.attempts,
        "next_at": row.next_at,
        "last_status": row.last_status,
        "last_answer": row.last_answer,
        "created_at": row.created_at,
        "delivered_at": row.delivered_at,
        "tries": [
            {
                "number": a.number,
                "at": a.at,
                "ok": a.ok,
                "status_code": a.status_code,
                "answer": a.answer,
                "elapsed_ms": a.elapsed_ms,
            }
            for a in attempts
        ],
    }


def replay(session: Session, endpoint_id: uuid.UUID, delivery_id: uuid.UUID) -> dict[str, Any]:
    """Send a delivery again now (a sent one too); the log keeps every attempt."""
    row = session.get(WebhookDelivery, delivery_id)
    if row is None or row.endpoint_id != endpoint_id:
        raise NotFound("no such delivery")
    row.status = "pending"
    row.next_at = utcnow()
    session.flush()
    return _delivery_view(row, [])


# ---------------------------------------------------------------- events in


def _matches(row: WebhookEndpoint, event: Event) -> bool:
    if event.type not in (row.event_types or []):
        return False
    return all(
        automations.condition_holds(
            automations.Condition(c["field"], c["op"], c.get("value")), event.data
        )
        for c in row.filter or []
    )


def envelope(event: Event) -> dict[str, Any]:
    """The CloudEvent the bus carried, as the receiver gets it."""
    return event.to_envelope()


def after_event(session: Session, event: Event, recipients: list[uuid.UUID]) -> None:
    """Queue one delivery per subscribed, matching, enabled endpoint (once per event)."""
    rows = [
        r
        for r in session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.enabled.is_(True)))
        if _matches(r, event)
    ]
    if not rows:
        return
    now = utcnow()
    document = envelope(event)
    for row in rows:
        exists = session.scalar(
            select(WebhookDelivery.id).where(
                WebhookDelivery.endpoint_id == row.id, WebhookDelivery.event_id == event.id
            )
        )
        if exists is None:
            session.add(
                WebhookDelivery(
                    id=uuid.uuid4(),
                    endpoint_id=row.id,
                    event_id=event.id,
                    event_type=event.type,
                    envelope=document,
                    status="pending",
                    attempts=0,
                    next_at=now,
                    created_at=now,
                )
            )
    session.flush()


# ---------------------------------------------------------------- sending


def body_of(document: dict[str, Any]) -> bytes:
    """The exact bytes sent (and signed)."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def send_due(
    db: Database,
    now: datetime | None = None,
    resolver: http_delivery.Resolver = http_delivery.system_resolver,
) -> int:
    """Send every due delivery once; record the answers; how many were tried."""
    config = settings()
    now = now or utcnow()
    with db.transaction() as session:
        due = [
            (d.id, d.endpoint_id, d.event_id, d.envelope)
            for d in session.scalars(
                select(WebhookDelivery)
                .where(WebhookDelivery.status == "pending", WebhookDelivery.next_at <= now)
                .order_by(WebhookDelivery.next_at)
                .limit(SEND_LIMIT)
            )
        ]
        ends = (
            {
                e.id: (e.url, e.secret, e.enabled)
                for e in session.scalars(
                    select(WebhookEndpoint).where(WebhookEndpoint.id.in_({d[1] for d in due}))
                )
            }
            if due
            else {}
        )
        outbound = policy(session, config)
    for delivery_id, endpoint_id, event_id, document in due:
        url, secret, enabled = ends.get(endpoint_id, (None, None, False))
        if not enabled or url is None or secret is None:
            with db.transaction() as session:
                row = session.get(WebhookDelivery, delivery_id)
                if row is not None:
                    row.status, row.last_answer = "failed", "the endpoint is disabled"
            continue
        body = body_of(document)
        stamp = int(utcnow().timestamp())
        headers = {
            "Content-Type": "application/cloudevents+json; charset=utf-8",
            **signing.headers([secret], event_id, stamp, body),
        }
        ok, retryable, status_code, answer, elapsed = False, True, None, "", None
        try:
            got = http_delivery.send(
                "POST", url, body=body, headers=headers, policy=outbound, resolver=resolver
            )
            ok, status_code, elapsed = got.ok, got.status, got.elapsed_ms
            answer = f"HTTP {got.status}: {got.text(500)}"
            # Any non-2xx answer is retried up to the limit; only a refused URL is final.
        except http_delivery.DeliveryRefused as exc:
            retryable, answer = False, f"refused: {exc.reason}"
        except http_delivery.DeliveryFailed as exc:
            answer = exc.reason
        _record(db, delivery_id, endpoint_id, ok, retryable, status_code, answer, elapsed, config)
    return len(due)


def _record(
    db: Database,
    delivery_id: uuid.UUID,
    endpoint_id: uuid.UUID,
    ok: bool,
    retryable: bool,
    status_code: int | None,
    answer: str,
    elapsed: int | None,
    config: dict[str, Any],
) -> None:
    now = utcnow()
    with db.transaction() as session:
        row = session.get(WebhookDelivery, delivery_id)
        end = session.get(WebhookEndpoint, endpoint_id)
        if row is None or end is None:
            return
        row.attempts += 1
        session.add(
            WebhookAttempt(
                id=uuid.uuid4(),
                delivery_id=row.id,
                number=row.attempts,
                at=now,
                ok=ok,
                status_code=status_code,
                answer=answer[:2000],
                elapsed_ms=elapsed,
            )
        )
        row.last_status, row.last_answer = status_code, answer[:2000]
        if ok:
            row.status, row.delivered_at, row.next_at = "sent", now, None
            end.failing_since = None
            return
        if not retryable or row.attempts >= config["retry_limit"]:
            row.status, row.next_at = "failed", None
        else:
            row.next_at = now + backoff(
                row.attempts, config["retry_base_seconds"], config["retry_cap_seconds"]
            )
        if end.failing_since is None:
            end.failing_since = now
        elif end.enabled and now - end.failing_since >= timedelta(days=config["disable_days"]):
            end.enabled = False
            end.disabled_reason = f"failing since {end.failing_since.isoformat()}: {answer[:300]}"
            _tell_admins(session, end, now)


def _tell_admins(session: Session, end: WebhookEndpoint, now: datetime) -> None:
    event_type = "notifications.channel_paused"
    data = {"channel": f"webhook {end.url}", "reason": end.disabled_reason or ""}
    notify_settings: dict[str, Any] = {}
    for admin in SqlDirectory(session).users_with_role("admin"):
        language = profiles.choices(session, admin, notify_settings).language
        bell.add(
            session,
            admin,
            f"webhook-disabled:{end.id}:{now.isoformat()}",
            event_type,
            render_event(session, event_type, data, language),
            f"/admin/webhooks/{end.id}",
            language=language,
            fold_seconds=0,
            now=now,
        )
