"""Contract use cases: create (by hand, from a quote, from a won deal), number,
approve through the shared mechanism, activate into an order, amend, renew, void."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from crm_shared import outbox
from crm_shared.approvals.rules import Facts
from crm_shared.auth import Principal, can_see, scope_clause
from crm_shared.db import utcnow
from crm_shared.errors import Conflict, NotFound, ValidationFailed
from crm_shared.pagination import SortKey, paginate
from crm_shared.schemas import format_amount

from . import credit, quotes
from .approval_kinds import APPROVALS
from .models import Contract, ContractCounter, ContractLine
from .pricing import apply_totals, copy_line, max_discount, price_lines, totals_of
from .rules.contract_numbers import contract_number
from .rules.document_states import CONTRACT_MOVES, EDITABLE_CONTRACT, check_move, ends_within
from .rules.pricing import Buyer
from .rules.totals import compute


def take_number(session: Session, year: int) -> str:
    """The next number of ``year``: the counter row is locked until the transaction ends.

    A contract that rolls back gives its number back with it, so the
    sequence has no gaps; concurrent creators queue on the row lock.
    """
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(ContractCounter).values(year=year, last=0).on_conflict_do_nothing())
    last = session.execute(
        select(ContractCounter.last).where(ContractCounter.year == year).with_for_update()
    ).scalar_one()
    session.execute(
        update(ContractCounter).where(ContractCounter.year == year).values(last=last + 1)
    )
    return contract_number(year, last + 1)


def _new(
    session: Session,
    fields: dict[str, Any],
    lines: list[dict[str, Any]],
    today: date,
    number: str | None = None,
) -> Contract:
    now = utcnow()
    contract = Contract(
        id=uuid.uuid4(),
        number=number or take_number(session, today.year),
        version=fields.pop("version", 1),
        status="draft",
        created_at=now,
        updated_at=now,
        **fields,
    )
    session.add(contract)
    session.flush()  # its lines refer to it
    for line in lines:
        session.add(ContractLine(id=uuid.uuid4(), contract_id=contract.id, **line))
    session.flush()
    return contract


def _header(data: dict[str, Any]) -> dict[str, Any]:
    keys = ("title", "our_signatory", "their_signatory", "signed_on", "start_on", "end_on", "terms")
    out = {k: data.get(k) for k in keys}
    out["title"] = out["title"] or ""
    if out["start_on"] and out["end_on"] and out["end_on"] < out["start_on"]:
        raise ValidationFailed.field("end_on", "must not be before start_on")
    return out


def create_by_hand(
    session: Session, principal: Principal, data: dict[str, Any], today: date
) -> Contract:
    """A draft contract with lines priced from the catalog."""
    currency = data["currency"]
    buyer = Buyer(data["customer_id"], data.get("customer_tier"), data.get("region"))
    lines = price_lines(session, data["lines"], currency, buyer, today)
    discount = data.get("document_discount") or Decimal(0)
    totals = totals_of(lines, discount, currency)
    holder = Contract()
    priced = apply_totals(holder, lines, totals)
    fields = {
        **_header(data),
        "customer_id": data["customer_id"],
        "opportunity_id": data.get("opportunity_id"),
        "owner_id": principal.id,
        "team_id": principal.team_id,
        "currency": currency,
        "document_discount": discount,
        "subtotal": holder.subtotal,
        "discount_amount": holder.discount_amount,
        "tax_amount": holder.tax_amount,
        "total": holder.total,
    }
    return _new(session, fields, priced, today)


def from_quote(
    session: Session, principal: Principal, quote_id: uuid.UUID, data: dict[str, Any], today: date
) -> Contract:
    """A draft contract from an accepted quote: its lines and totals, unchanged."""
    quote = quotes.get(session, principal, quote_id)
    if quote.status != "accepted":
        raise Conflict(f"only an accepted quote becomes a contract; this one is {quote.status}")
    if session.scalar(select(Contract.id).where(Contract.quote_id == quote.id)):
        raise Conflict("a contract was already made from this quote")
    fields = {
        **_header({"title": quote.title, **data}),
        "quote_id": quote.id,
        "customer_id": quote.customer_id,
        "opportunity_id": quote.opportunity_id,
        "owner_id": quote.owner_id,
        "team_id": quote.team_id,
        "currency": quote.currency,
        "document_discount": quote.document_discount,
        "subtotal": quote.subtotal,
        "discount_amount": quote.discount_amount,
        "tax_amount": quote.tax_amount,
        "total": quote.total,
    }
    return _new(session, fields, quotes.copyable_lines(session, quote.id), today)


def from_deal(session: Session, data: dict[str, Any], today: date) -> Contract | None:
    """A draft contract with a won deal's lines (None when the deal already has one)."""
    opportunity_id = uuid.UUID(data["opportunity_id"])
    if session.scalar(select(Contract.id).where(Contract.opportunity_id == opportunity_id)):
        return None
    currency = data["currency"]
    raw = data.get("lines") or [
        {"name": data.get("name") or "Deal", "quantity": "1", "unit_price": data["amount"]}
    ]
    lines = []
    for i, line in enumerate(raw):
        lines.append(
            {
                "position": i + 1,
                "product_id": uuid.UUID(line["product_id"]) if line.get("product_id") else None,
                "sku": line.get("sku"),
                "name": line["name"],
                "unit": "unit",
                "quantity": Decimal(line["quantity"]),
                "list_price": None,
                "unit_price": Decimal(line["unit_price"]),
                "price_list_id": None,
                "discount": Decimal(line.get("discount") or 0),
                "tax_rate": Decimal(line.get("tax_rate") or 0),
            }
        )
    totals = compute_lines(lines, currency)
    holder = Contract()
    priced = apply_totals(holder, lines, totals)
    fields = {
        "title": data.get("name") or "",
        "customer_id": uuid.UUID(data["customer_id"]),
        "opportunity_id": opportunity_id,
        "owner_id": uuid.UUID(data["owner_id"]),
        "team_id": uuid.UUID(data["team_id"]) if data.get("team_id") else None,
        "currency": currency,
        "document_discount": Decimal(0),
        "subtotal": holder.subtotal,
        "discount_amount": holder.discount_amount,
        "tax_amount": holder.tax_amount,
        "total": holder.total,
    }
    return _new(session, fields, priced, today)


def compute_lines(lines: list[dict[str, Any]], currency: str) -> Any:
    """Totals of already-priced lines with no document discount."""
    from crm_shared.schemas import minor_units

    from .rules.totals import LineIn

    return compute(
        [LineIn(ln["quantity"], ln["unit_price"], ln["discount"], ln["tax_rate"]) for ln in lines],
        Decimal(0),
        minor_units(currency),
    )


def get(
    session: Session, principal: Principal, contract_id: uuid.UUID, *, lock: bool = False
) -> Contract:
    """A contract in the caller's scope; 404 otherwise."""
    statement = select(Contract).where(Contract.id == contract_id)
    if lock:
        statement = statement.with_for_update()
    contract = session.scalars(statement).first()
    if contract is None or not can_see(principal, contract.owner_id, contract.team_id):
        raise NotFound("no such contract")
    return contract


def lines_of(session: Session, contract_id: uuid.UUID) -> list[ContractLine]:
    """A contract's lines in order."""
    return list(
        session.scalars(
            select(ContractLine)
            .where(ContractLine.contract_id == contract_id)
            .order_by(ContractLine.position)
        )
    )


def list_page(
    session: Session, principal: Principal, args: dict[str, Any]
) -> tuple[list[Contract], str | None]:
    """A page of contracts in the caller's scope, newest first."""
    statement = select(Contract).where(scope_clause(principal, Contract.owner_id, Contract.team_id))
    for key in ("customer_id", "opportunity_id", "status", "number"):
        if args.get(key):
            statement = statement.where(getattr(Contract, key) == args[key])
    keys = [SortKey(Contract.created_at, "created_at", True), SortKey(Contract.id, "id", True)]
    return paginate(session, statement, keys, limit=args["limit"], cursor=args.get("cursor"))


def edit(
    session: Session,
    principal: Principal,
    contract_id: uuid.UUID,
    data: dict[str, Any],
    today: date,
) -> Contract:
    """Change a draft or rejected contract; an approved one is refused (409): amend it."""
    contract = get(session, principal, contract_id, lock=True)
    if contract.status not in EDITABLE_CONTRACT:
        raise Conflict(
            f"a {contract.status} contract cannot be edited; amend it instead",
            status_now=contract.status,
        )
    for key, value in _header(
        {
            **{
                k: getattr(contract, k)
                for k in (
                    "title",
                    "our_signatory",
                    "their_signatory",
                    "signed_on",
                    "start_on",
                    "end_on",
                    "terms",
                )
            },
            **data,
        }
    ).items():
        setattr(contract, key, value)
    if "lines" in data or "document_discount" in data:
        raw = data.get("lines") or [
            {"product_id": ln.product_id, "quantity": ln.quantity, "discount": ln.discount}
            if ln.product_id
            else {
                "name": ln.name,
                "quantity": ln.quantity,
                "unit_price": ln.unit_price,
                "discount": ln.discount,
                "tax_rate": ln.tax_rate,
            }
            for ln in lines_of(session, contract.id)
        ]
        discount = data.get("document_discount", contract.document_discount)
        lines = price_lines(session, raw, contract.currency, Buyer(contract.customer_id), today)
        priced = apply_totals(contract, lines, totals_of(lines, discount, contract.currency))
        contract.document_discount = discount
        for old in lines_of(session, contract.id):
            session.delete(old)
        session.flush()
        for line in priced:
            session.add(ContractLine(id=uuid.uuid4(), contract_id=contract.id, **line))
    contract.updated_at = utcnow()
    return contract


def submit(session: Session, principal: Principal, contract_id: uuid.UUID) -> Contract:
    """Send a draft (or rejected) contract for approval under the ``contract`` flow."""
    contract = get(session, principal, contract_id, lock=True)
    check_move("contract", CONTRACT_MOVES, contract.status, "pending_approval")
    contract.status = "pending_approval"
    contract.updated_at = utcnow()
    lines = [copy_line(ln) for ln in lines_of(session, contract.id)]
    facts = Facts(
        amount=contract.total,
        currency=contract.currency,
        discount=max_discount(contract.document_discount, lines),
        credit_risk=credit.risk_of(
            session, contract.customer_id, contract.currency, contract.updated_at.date()
        ),
    )
    amount = format_amount(contract.total, contract.currency)
    title = f"合同 {contract.number} v{contract.version} · {amount} {contract.currency}"
    APPROVALS.submit(session, "contract", contract.id, facts, principal.id, title)
    session.flush()
    return contract


def approval_closed(session: Session, contract_id: uuid.UUID, status: str, at: datetime) -> None:
    """The approval request closed: the contract follows (callback of the mechanism)."""
    contract = session.get(Contract, contract_id)
    if contract is None or contract.status != "pending_approval":
        return
    contract.status, contract.updated_at = status, at
    if status != "approved":
        return
    contract.approved_at = at
    outbox.publish(
        session,
        "contract.approved",
        {
            "contract_id": contract.id,
            "number": contract.number,
            "version": contract.version,
            "quote_id": contract.quote_id,
            "opportunity_id": contract.opportunity_id,
            "customer_id": contract.customer_id,
            "owner_id": contract.owner_id,
            "team_id": contract.team_id,
            "currency": contract.currency,
            "total": format_amount(contract.total, contract.currency),
            "approved_at": at,
        },
        subject=contract.id,
    )


def activate(session: Session, principal: Principal, contract_id: uuid.UUID) -> Contract:
    """An approved contract takes effect: it becomes (or, amended, updates) its order."""
    from . import ordering

    contract = get(session, principal, contract_id, lock=True)
    check_move("contract", CONTRACT_MOVES, contract.status, "active")
    if contract.previous_id is not None:
        previous = session.get(Contract, contract.previous_id)
        if previous is not None and previous.status == "active":
            ordering.amend_order(session, previous, contract, lines_of(session, contract.id))
            previous.status = "superseded"
    else:
        ordering.order_from_contract(session, contract, lines_of(session, contract.id))
    contract.status, contract.updated_at = "active", utcnow()
    return contract


def amend(session: Session, principal: Principal, contract_id: uuid.UUID, today: date) -> Contract:
    """A new draft version of an approved or active contract (same number); approve it again."""
    old = get(session, principal, contract_id, lock=True)
    if old.status not in ("approved", "active"):
        raise Conflict(f"only an approved or active contract is amended; this one is {old.status}")
    newer = session.scalar(
        select(Contract.id).where(
            Contract.previous_id == old.id, Contract.status.not_in(("void", "superseded"))
        )
    )
    if newer:
        raise Conflict("this contract already has an amendment in progress")
    fields = {
        k: getattr(old, k)
        for k in (
            "title",
            "our_signatory",
            "their_signatory",
            "signed_on",
            "start_on",
            "end_on",
            "terms",
            "customer_id",
            "opportunity_id",
            "owner_id",
            "team_id",
            "currency",
            "document_discount",
            "subtotal",
            "discount_amount",
            "tax_amount",
            "total",
            "quote_id",
        )
    }
    fields.update(version=old.version + 1, previous_id=old.id)
    return _new(
        session,
        fields,
        [copy_line(ln) for ln in lines_of(session, old.id)],
        today,
        number=old.number,
    )


def void(session: Session, principal: Principal, contract_id: uuid.UUID, reason: str) -> Contract:
    """Void a contract that has not taken effect (draft, rejected or approved)."""
    contract = get(session, principal, contract_id, lock=True)
    if contract.status == "active":
        raise Conflict("an active contract is ended by cancelling its order, not voided")
    check_move("contract", CONTRACT_MOVES, contract.status, "void")
    if not reason.strip():
        raise ValidationFailed.field("reason", "say why the contract is void")
    contract.status, contract.terms = "void", (contract.terms or "") + f"\n[void] {reason}"
    contract.updated_at = utcnow()
    return contract


def renewals(session: Session, principal: Principal, days: int, today: date) -> list[Contract]:
    """Active contracts in the caller's scope ending within ``days``, soonest first."""
    rows = session.scalars(
        select(Contract)
        .where(
            scope_clause(principal, Contract.owner_id, Contract.team_id),
            Contract.status == "active",
            Contract.end_on >= today,
            Contract.end_on <= today + timedelta(days=days),
        )
        .order_by(Contract.end_on, Contract.id)
    )
    return [c for c in rows if ends_within(c.end_on, today, days)]


def renew(session: Session, principal: Principal, contract_id: uuid.UUID, today: date) -> Contract:
    """A new draft contract (new number) continuing an active one, linked to it."""
    old = get(session, principal, contract_id)
    if old.status not in ("active", "completed"):
        raise Conflict(f"only an active or completed contract is renewed; this one is {old.status}")
    start = (old.end_on + timedelta(days=1)) if old.end_on else today
    length = (old.end_on - old.start_on) if old.end_on and old.start_on else timedelta(days=365)
    fields = {
        k: getattr(old, k)
        for k in (
            "title",
            "our_signatory",
            "their_signatory",
            "terms",
            "customer_id",
            "opportunity_id",
            "owner_id",
            "team_id",
            "currency",
            "document_discount",
            "subtotal",
            "discount_amount",
            "tax_amount",
            "total",
        )
    }
    fields.update(
        renewed_from_id=old.id, start_on=start, end_on=start + length, opportunity_id=None
    )
    return _new(session, fields, [copy_line(ln) for ln in lines_of(session, old.id)], today)
