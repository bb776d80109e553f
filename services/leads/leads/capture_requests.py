"""Capture through the API: one lead or a batch, as the caller may see the result.

Cleans and checks each item, hands the good ones to :func:`leads.capture.capture_many`
(the intake hot path every channel shares), and answers a merge into a lead
the caller may not see without naming that lead.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_shared.auth import Principal
from crm_shared.errors import ValidationFailed, field_errors

from . import access
from .capture import Captured, Context, capture_many
from .models import Campaign, Lead
from .rules.normalise import clean_api_lead, refusal


def _clean(data: dict[str, Any], region: str) -> dict[str, Any]:
    values, problems = clean_api_lead(data, region=region)
    if problems:
        raise refusal(problems)
    return values


def check_campaign(session: Session, campaign_id: uuid.UUID | None) -> None:
    """A field error unless ``campaign_id`` is empty or a known campaign."""
    if campaign_id is not None and session.get(Campaign, campaign_id) is None:
        raise ValidationFailed.field("campaign_id", "is not a known campaign")


def capture_one(
    session: Session, principal: Principal, data: dict[str, Any], region: str
) -> tuple[Any, bool]:
    """Capture one lead through the API: (the lead, whether it is new).

    The caller owns it unless ``auto_assign`` routes it by the rules. A lead
    matching an existing one by email or phone is a touch on that one.
    """
    values = _clean(data, region)
    check_campaign(session, values.get("campaign_id"))
    ctx = Context(
        channel=values.get("channel") or "api",
        actor_id=principal.id,
        owner_id=principal.id,
        team_id=principal.team_id,
        auto_assign=bool(values.get("auto_assign")),
    )
    [result] = capture_many(session, [values], ctx)
    if result.created:
        return result.row, True
    lead = session.get(Lead, result.lead_id)
    if lead is not None and access.may_see(principal, lead):
        return lead, False
    # Someone else's lead: say only that it merged, with what the caller sent.
    return merged_elsewhere(values), False


def merged_elsewhere(values: dict[str, Any]) -> dict[str, Any]:
    """The answer to a capture that merged into a lead the caller may not see.

    Nothing of that lead (its id, owner, status or fields) is told: only
    what the caller submitted, and that it was recorded on an existing lead.
    """
    return {
        "id": None,
        "merged": True,
        **{k: values.get(k) for k in ("name", "email", "phone", "company")},
    }


def _failed(index: int, errors: list[dict[str, Any]]) -> dict[str, Any]:
    return {"index": index, "status": "failed", "id": None, "errors": errors}


def capture_batch(
    session: Session,
    principal: Principal,
    items: list[dict[str, Any]],
    *,
    auto_assign: bool,
    region: str,
    load_item: Callable[[Any], dict[str, Any]],
) -> dict[str, Any]:
    """Capture up to 1,000 leads; a result per item, good ones kept when others fail."""
    results: list[dict[str, Any] | None] = [None] * len(items)
    good: list[tuple[int, dict[str, Any]]] = []
    campaigns: set[uuid.UUID] = set()
    for index, raw in enumerate(items):
        try:
            values = _clean(load_item(raw), region)
        except ValidationFailed as problem:
            results[index] = _failed(index, problem.errors or [])
            continue
        except Exception as problem:  # marshmallow ValidationError
            results[index] = _failed(
                index, field_errors(getattr(problem, "messages", str(problem)))
            )
            continue
        if values.get("campaign_id"):
            campaigns.add(values["campaign_id"])
        good.append((index, values))
    known = (
        set(session.scalars(select(Campaign.id).where(Campaign.id.in_(campaigns))))
        if campaigns
        else set()
    )
    valid = []
    for index, values in good:
        if values.get("campaign_id") and values["campaign_id"] not in known:
            results[index] = _failed(
                index, [{"field": "campaign_id", "message": "is not a known campaign"}]
            )
        else:
            valid.append((index, values))
    ctx = Context(
        channel="api_batch",
        actor_id=principal.id,
        owner_id=principal.id,
        team_id=principal.team_id,
        auto_assign=auto_assign,
    )
    captured: list[Captured] = capture_many(session, [v for _, v in valid], ctx) if valid else []
    merged_ids = {r.lead_id for r in captured if not r.created}
    visible = (
        {
            lead.id
            for lead in session.scalars(select(Lead).where(Lead.id.in_(merged_ids)))
            if access.may_see(principal, lead)
        }
        if merged_ids
        else set()
    )
    for (index, _), result in zip(valid, captured, strict=True):
        results[index] = {
            "index": index,
            "status": "created" if result.created else "merged",
            # A merge into a lead the caller may not see does not name it.
            "id": result.lead_id if result.created or result.lead_id in visible else None,
            "errors": [],
        }
    final = [r for r in results if r is not None]
    return {
        "created": sum(1 for r in final if r["status"] == "created"),
        "merged": sum(1 for r in final if r["status"] == "merged"),
        "failed": sum(1 for r in final if r["status"] == "failed"),
        "results": final,
    }
