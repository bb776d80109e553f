"""Opening, reading, listing and editing deals, over the database."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import Float, Select, String, cast, func, literal, select
from sqlalchemy.orm import Session

from crm_shared import outbox
from crm_shared.auth import Principal, can_see, scope_clause
from crm_shared.db import utcnow
from crm_shared.errors import Conflict, NotFound, ValidationFailed
from crm_shared.pagination import SortKey, paginate
from crm_shared.schemas import check_amount, format_amount, minor_units

from . import deal_risk, pipelines
from .models import (
    NO_CLOSE_DATE,
    FieldHistory,
    Opportunity,
    OpportunityContact,
    OpportunityLine,
    Stage,
)
from .rules.lines import line_amount, lines_total
from .rules.stages import close_conflict

# Sort name -> (column or expression, attribute of a row holding its value).
SORTS: dict[str, tuple[Any, str]] = {
    "amount": (Opportunity.amount, "amount"),  # compared as a number on SQLite, see _numeric
    # ISO dates sort as strings; deals without a date go last.
    "expected_close_date": (
        cast(func.coalesce(Opportunity.expected_close_date, NO_CLOSE_DATE), String),
        "close_sort",
    ),
    "probability": (Opportunity.probability, "probability"),
    "updated_at": (Opportunity.updated_at, "updated_at"),
    "created_at": (Opportunity.created_at, "created_at"),
}


def _customer(customer_id: uuid.UUID) -> dict[str, Any]:
    # The customers service is the truth about who may work a customer;
    # asking it with the caller's token applies the caller's scope there.
    status, body = current_app.extensions["crm.customers"].get(f"/api/v1/customers/{customer_id}")
    if status == 200 and isinstance(body, dict):
        return body
    raise ValidationFailed.field("customer_id", "no such customer, or not one you may work")


def _stage_in(session: Session, pipeline_id: uuid.UUID, stage_id: uuid.UUID, field: str) -> Stage:
    stage = session.get(Stage, stage_id)
    if stage is None or stage.pipeline_id != pipeline_id:
        raise ValidationFailed.field(field, "is not a stage of the deal's pipeline")
    return stage


def create(session: Session, principal: Principal, data: dict[str, Any]) -> dict[str, Any]:
    """Open an opportunity owned by the caller, in the first open stage of its pipeline."""
    if data.get("pipeline_id"):
        try:
            pipeline = pipelines.get(session, principal, data["pipeline_id"])
        except NotFound as exc:
            raise ValidationFailed.field("pipeline_id", "no such pipeline") from exc
    else:
        pipeline = pipelines.default(session)
    stages = pipelines.stages_of(session, pipeline.id)
    if data.get("stage_id"):
        stage = _stage_in(session, pipeline.id, data["stage_id"], "stage_id")
        if stage.kind != "open":
            raise ValidationFailed.field("stage_id", "a new deal starts in an open stage")
    else:
        stage = next(s for s in stages if s.kind == "open")
    customer = _customer(data["customer_id"])
    now = utcnow()
    deal = Opportunity(
        id=uuid.uuid4(),
        customer_id=data["customer_id"],
        lead_id=data.get("lead_id")
        or (uuid.UUID(customer["lead_id"]) if customer.get("lead_id") else None),
        campaign_id=data.get("campaign_id"),
        name=data["name"].strip(),
        amount=data["amount"],
        peak_amount=data["amount"],
        currency=data["currency"],
        pipeline_id=pipeline.id,
        stage_id=stage.id,
        status="open",
        expected_close_date=data.get("expected_close_date"),
        first_close_date=data.get("expected_close_date"),
        next_step=data.get("next_step"),
        owner_id=principal.id,
        team_id=principal.team_id,
        created_at=now,
        updated_at=now,
        stage_entered_at=now,
        last_activity_at=now,
        close_date_pushes=0,
        probability=stage.probability,
        risk_level="low",
        risk_reasons=[],
    )
    session.add(deal)
    from .stage_moves import record_entry

    record_entry(session, deal, None, stage, principal.id, now)
    session.flush()
    deal_risk.refresh(session, [deal], now)
    outbox.publish(
        session,
        "opportunity.created",
        {
            "opportunity_id": deal.id,
            "customer_id": deal.customer_id,
            "name": deal.name,
            "amount": format_amount(deal.amount, deal.currency),
            "currency": deal.currency,
            "owner_id": deal.owner_id,
            "team_id": deal.team_id,
            "created_at": now,
        },
        subject=deal.id,
    )
    return present(session, deal)


def get(
    session: Session, principal: Principal, opportunity_id: uuid.UUID, *, lock: bool = False
) -> Opportunity:
    """An opportunity in the caller's scope; 404 otherwise.

    With ``lock`` the row is locked (``SELECT … FOR UPDATE`` on PostgreSQL)
    so two concurrent changes of one deal run one after the other.
    """
    statement = select(Opportunity).where(Opportunity.id == opportunity_id)
    if lock:
        statement = statement.with_for_update()
    deal = session.scalars(statement).first()
    if deal is None or not can_see(principal, deal.owner_id, deal.team_id):
        raise NotFound("no such opportunity")
    return deal


def contacts_of(session: Session, opportunity_id: uuid.UUID) -> list[OpportunityContact]:
    """A deal's contacts with their roles."""
    return list(
        session.scalars(
            select(OpportunityContact)
            .where(OpportunityContact.opportunity_id == opportunity_id)
            .order_by(OpportunityContact.name, OpportunityContact.id)
        )
    )


def lines_of(session: Session, opportunity_id: uuid.UUID) -> list[OpportunityLine]:
    """A deal's line items in order."""
    return list(
        session.scalars(
            select(OpportunityLine)
            .where(OpportunityLine.opportunity_id == opportunity_id)
            .order_by(OpportunityLine.position)
        )
    )


def _row(deal: Opportunity, stage: Stage | None) -> dict[str, Any]:
    values = {c.key: getattr(deal, c.key) for c in Opportunity.__table__.columns}
    values["stage"] = stage.name if stage else None
    values["forecast_category"] = deal.forecast_category_override or (
        stage.forecast_category if stage else None
    )
    return values


def present(session: Session, deal: Opportunity) -> dict[str, Any]:
    """A deal with its stage, contacts and lines, as the API shows it."""
    values = _row(deal, session.get(Stage, deal.stage_id))
    values["contacts"] = contacts_of(session, deal.id)
    values["lines"] = [
        {**_line(line), "currency": deal.currency} for line in lines_of(session, deal.id)
    ]
    return values


def _line(line: OpportunityLine) -> dict[str, Any]:
    return {c.key: getattr(line, c.key) for c in OpportunityLine.__table__.columns}


def list_page(
    session: Session, principal: Principal, args: dict[str, Any]
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of deals in the caller's scope, filtered and sorted (default: newest first)."""
    statement: Select[Any] = select(Opportunity).where(
        scope_clause(principal, Opportunity.owner_id, Opportunity.team_id)
    )
    equal = {
        "customer_id": Opportunity.customer_id,
        "pipeline_id": Opportunity.pipeline_id,
        "stage_id": Opportunity.stage_id,
        "owner_id": Opportunity.owner_id,
        "team_id": Opportunity.team_id,
        "status": Opportunity.status,
        "risk": Opportunity.risk_level,
        "currency": Opportunity.currency,
    }
    for name, column in equal.items():
        if args.get(name) is not None:
            statement = statement.where(column == args[name])
    if args.get("risk"):
        statement = statement.where(Opportunity.status == "open")
    if args.get("close_from"):
        statement = statement.where(Opportunity.expected_close_date >= args["close_from"])
    if args.get("close_to"):
        statement = statement.where(Opportunity.expected_close_date <= args["close_to"])
    amount = _numeric(session, Opportunity.amount)
    if args.get("amount_min") is not None:
        statement = statement.where(amount >= _numeric(session, args["amount_min"]))
    if args.get("amount_max") is not None:
        statement = statement.where(amount <= _numeric(session, args["amount_max"]))
    sort = args.get("sort") or "-created_at"
    descending = sort.startswith("-")
    column, attr = SORTS[sort.lstrip("-")]
    if attr == "amount":
        column = amount
    keys = [
        SortKey(column, attr, descending),
        SortKey(Opportunity.id, "id", descending),
    ]
    deals, cursor = paginate(
        session, statement, keys, limit=args["limit"], cursor=args.get("cursor")
    )
    stages = {s.id: s for s in session.scalars(select(Stage))}
    return [_row(d, stages.get(d.stage_id)) for d in deals], cursor


def _numeric(session: Session, value: Any) -> Any:
    # Embedded mode keeps money as text (exact); order and compare it as a
    # number there. PostgreSQL has NUMERIC and needs nothing.
    if session.get_bind().dialect.name == "sqlite":
        return cast(literal(str(value)) if isinstance(value, Decimal) else value, Float)
    return value


def _check_money(amount: Decimal, currency: str) -> None:
    problem = check_amount(amount, currency)
    if problem:
        raise ValidationFailed.field("amount", problem)
    if amount <= 0:
        raise ValidationFailed.field("amount", "must be greater than zero")


def record_field(
    session: Session,
    deal: Opportunity,
    field: str,
    before: Any,
    after: Any,
    who: uuid.UUID | None,
    now: datetime,
) -> None:
    """Keep one change of a tracked field (amount, currency, close date)."""
    if before == after:
        return
    session.add(
        FieldHistory(
            id=uuid.uuid4(),
            opportunity_id=deal.id,
            field=field,
            from_value=None if before is None else str(before),
            to_value=None if after is None else str(after),
            changed_by=who,
            changed_at=now,
        )
    )


def set_amount(
    session: Session,
    deal: Opportunity,
    amount: Decimal,
    currency: str,
    who: uuid.UUID | None,
    now: datetime,
) -> None:
    """Change the amount (and currency), keeping history and the peak (for "amount cut")."""
    record_field(
        session,
        deal,
        "amount",
        format_amount(deal.amount, deal.currency),
        format_amount(amount, currency),
        who,
        now,
    )
    record_field(session, deal, "currency", deal.currency, currency, who, now)
    if currency != deal.currency:
        deal.peak_amount = amount  # a new currency starts a new comparison
    else:
        deal.peak_amount = max(deal.peak_amount or amount, amount)
    deal.amount, deal.currency = amount, currency


def set_close_date(
    deal: Opportunity, session: Session, day: date | None, who: uuid.UUID | None, now: datetime
) -> None:
    """Change the expected close date; a later date counts as a push."""
    record_field(session, deal, "expected_close_date", deal.expected_close_date, day, who, now)
    if deal.expected_close_date is not None and day is not None and day > deal.expected_close_date:
        deal.close_date_pushes += 1
    deal.expected_close_date = day
    if deal.first_close_date is None:
        deal.first_close_date = day


def _check_line(position: int, data: dict[str, Any], currency: str) -> None:
    where = f"lines.{position}"
    problem = check_amount(data["unit_price"], currency)
    if problem or data["unit_price"] < 0:
        raise ValidationFailed.field(f"{where}.unit_price", problem or "must not be negative")
    if not data["quantity"].is_finite() or data["quantity"] <= 0:
        raise ValidationFailed.field(f"{where}.quantity", "must be greater than zero")
    for name in ("discount", "tax_rate"):
        value = data.get(name)
        if value is not None and not (value.is_finite() and 0 <= value <= 100):
            raise ValidationFailed.field(f"{where}.{name}", "must be a percent from 0 to 100")


def replace_lines(
    session: Session, deal: Opportunity, lines: list[dict[str, Any]], currency: str
) -> Decimal:
    """Replace a deal's line items; returns their total."""
    for old in lines_of(session, deal.id):
        session.delete(old)
    places = minor_units(currency)
    amounts = []
    for position, data in enumerate(lines):
        _check_line(position, data, currency)
        amount = line_amount(
            data["quantity"], data["unit_price"], data.get("discount") or Decimal(0), places
        )
        amounts.append(amount)
        session.add(
            OpportunityLine(
                id=uuid.uuid4(),
                opportunity_id=deal.id,
                position=position,
                product_id=data.get("product_id"),
                sku=data.get("sku"),
                name=data["name"],
                quantity=data["quantity"],
                unit_price=data["unit_price"],
                discount=data.get("discount") or Decimal(0),
                tax_rate=data.get("tax_rate"),
                amount=amount,
            )
        )
    return lines_total(amounts)


def update(
    session: Session, principal: Principal, opportunity_id: uuid.UUID, data: dict[str, Any]
) -> dict[str, Any]:
    """Edit a deal's fields, contacts, lines and attribution; tracked fields keep history."""
    deal = get(session, principal, opportunity_id, lock=True)
    problem = close_conflict(deal.status)
    if problem:
        raise Conflict(problem + "; reopen it first", status=deal.status)
    now = utcnow()
    currency = data.get("currency", deal.currency)
    amount = data.get("amount")
    if "lines" in data:
        total = replace_lines(session, deal, data["lines"], currency)
        if amount is None and data["lines"]:
            amount = total  # the lines say what the deal is worth
    if amount is not None or currency != deal.currency:
        amount = deal.amount if amount is None else amount
        _check_money(amount, currency)
        set_amount(session, deal, amount, currency, principal.id, now)
    if "expected_close_date" in data:
        set_close_date(deal, session, data["expected_close_date"], principal.id, now)
    for name in (
        "name",
        "next_step",
        "probability_override",
        "forecast_category_override",
        "lead_id",
        "campaign_id",
    ):
        if name in data:
            value = data[name]
            setattr(deal, name, value.strip() if isinstance(value, str) else value)
    stage = session.get(Stage, deal.stage_id)
    deal.probability = effective_probability(deal, stage)
    if "contacts" in data:
        for old in contacts_of(session, deal.id):
            session.delete(old)
        seen: set[tuple[uuid.UUID, str]] = set()
        for contact in data["contacts"]:
            key = (contact["contact_id"], contact["role"])
            if key in seen:
                continue
            seen.add(key)
            session.add(
                OpportunityContact(
                    id=uuid.uuid4(),
                    opportunity_id=deal.id,
                    contact_id=contact["contact_id"],
                    name=contact["name"].strip(),
                    role=contact["role"],
                )
            )
    deal.updated_at = now
    deal.last_activity_at = now
    session.flush()
    deal_risk.refresh(session, [deal], now)
    return present(session, deal)


def has_decision_maker(session: Session, opportunity_id: uuid.UUID) -> bool:
    """Whether a deal names a decision-maker contact."""
    return (
        session.scalar(
            select(OpportunityContact.id).where(
                OpportunityContact.opportunity_id == opportunity_id,
                OpportunityContact.role == "decision_maker",
            )
        )
        is not None
    )


def effective_probability(deal: Opportunity, stage: Stage | None) -> int:
    """The deal's probability: its override, else its stage's default."""
    if deal.probability_override is not None:
        return deal.probability_override
    return stage.probability if stage else 0
