"""Opportunity import: the opportunities half of the shared import-job mechanism.

:mod:`crm_shared.imports` decodes the file, finds the header, runs the job in
chunks and keeps the report; this module says which columns mean what (a
Salesforce Opportunity export, or our own names) and turns a chunk of rows
into deals. The account name is matched to a customer through the copy of
customers kept from ``customer.created``; a deal is owned by that customer's
owner, else by the uploader.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm_shared import outbox
from crm_shared.db import utcnow
from crm_shared.errors import ValidationFailed
from crm_shared.imports import ImportRow, ImportSpec, JobInfo, RowOutcome
from crm_shared.schemas import check_amount, currencies, format_amount
from crm_shared.tables import directory_users

from . import funnel_rollup, pipelines
from .models import CustomerState, Opportunity, Stage, StageHistory
from .rules import owner_names
from .rules.imported_rows import parse_amount, parse_date, parse_probability, stage_name

FIELDS = frozenset(
    {"name", "account_name", "amount", "currency", "stage", "close_date", "probability", "owner"}
)
SALESFORCE = {
    "Name": "name",
    "Opportunity Name": "name",
    "Account Name": "account_name",
    "Amount": "amount",
    "Opportunity Currency": "currency",
    "Stage": "stage",
    "Close Date": "close_date",
    "Probability (%)": "probability",
    "Owner": "owner",
    "Opportunity Owner": "owner",
}
OWN = {name: name for name in sorted(FIELDS)}

SPEC = ImportSpec(
    kind="opportunities",
    fields=FIELDS,
    presets={"salesforce": SALESFORCE, "crm": OWN},
    required_any=("name",),
    purpose="opportunity-import",
)


class _Refused(Exception):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field, self.reason = field, reason


class OpportunityImporter:
    """Implements :class:`crm_shared.imports.ImportProcessor` for opportunities."""

    spec = SPEC

    def process(
        self, session: Session, job: JobInfo, rows: Sequence[ImportRow]
    ) -> list[RowOutcome]:
        """Create a deal per good row; a duplicate is the same name for the same customer."""
        pipeline = pipelines.default(session)
        stages = {s.name: s for s in pipelines.stages_of(session, pipeline.id)}
        users = _users(session)
        outcomes = []
        for row in rows:
            try:
                outcomes.append(self._one(session, job, row, pipeline.id, stages, users))
            except _Refused as refused:
                outcomes.append(RowOutcome(row.line, "failed", refused.reason, refused.field))
        return outcomes

    def _customer(self, session: Session, job: JobInfo, name: str) -> CustomerState:
        options = job.options or {}
        matches = list(
            session.scalars(
                select(CustomerState).where(CustomerState.name_key == name.strip().lower())
            )
        )
        if options.get("scope") != "all":
            team = options.get("team_id")
            matches = [
                c
                for c in matches
                if c.owner_id == job.created_by
                or (options.get("scope") == "team" and team and str(c.team_id) == team)
            ]
        if not matches:
            raise _Refused("account_name", f"no customer named {name!r} that you may work")
        if len(matches) > 1:
            raise _Refused("account_name", f"{len(matches)} customers are named {name!r}")
        return matches[0]

    def _one(
        self,
        session: Session,
        job: JobInfo,
        row: ImportRow,
        pipeline_id: uuid.UUID,
        stages: dict[str, Stage],
        users: owner_names.OwnerIndex[Any],
    ) -> RowOutcome:
        values = {k: (v or "").strip() for k, v in row.values.items()}
        name = values.get("name", "")
        if not name:
            raise _Refused("name", "is required")
        if not values.get("account_name"):
            raise _Refused("account_name", "is required")
        customer = self._customer(session, job, values["account_name"])
        currency = (values.get("currency") or (job.options or {}).get("currency") or "CNY").upper()
        if currency not in currencies():
            raise _Refused("currency", "is not an ISO 4217 currency code")
        amount = parse_amount(values.get("amount") or "0")
        if amount is None or amount < 0:
            raise _Refused("amount", "must be a number, not negative")
        problem = check_amount(amount, currency)
        if problem:
            raise _Refused("amount", problem)
        stage = stages[next(n for n, s in stages.items() if s.kind == "open")]
        if values.get("stage"):
            found = stage_name(values["stage"], set(stages))
            if found is None:
                raise _Refused("stage", f"{values['stage']!r} is not a stage of the pipeline")
            stage = stages[found]
        close = None
        if values.get("close_date"):
            close = parse_date(values["close_date"])
            if close is None:
                raise _Refused("close_date", "is not a date")
        override = None
        if values.get("probability"):
            override = parse_probability(values["probability"])
            if override is None:
                raise _Refused("probability", "must be a percent from 0 to 100")
            if override == stage.probability or stage.kind != "open":
                override = None
        duplicate = session.scalar(
            select(Opportunity.id).where(
                Opportunity.customer_id == customer.customer_id,
                func.lower(Opportunity.name) == name.lower()[:200],
            )
        )
        if duplicate is not None:
            return RowOutcome(row.line, "duplicate", "the customer has a deal of this name")
        now = utcnow()
        closed_at = None
        if stage.kind != "open":
            closed_at = datetime.combine(close, time(), tzinfo=UTC) if close else now
        owner, team_id, warning = _owner(job, customer, values.get("owner", ""), users)
        deal = Opportunity(
            id=uuid.uuid4(),
            customer_id=customer.customer_id,
            lead_id=customer.lead_id,
            name=name[:200],
            amount=amount,
            peak_amount=amount,
            currency=currency,
            pipeline_id=pipeline_id,
            stage_id=stage.id,
            status=stage.kind,
            expected_close_date=close,
            first_close_date=close,
            probability_override=override,
            probability=override if override is not None else stage.probability,
            owner_id=owner,
            team_id=team_id,
            created_at=now,
            updated_at=now,
            stage_entered_at=closed_at or now,
            last_activity_at=now,
            closed_at=closed_at,
            close_date_pushes=0,
            risk_level="low",
            risk_reasons=[],
        )
        session.add(deal)
        session.add(
            StageHistory(
                id=uuid.uuid4(),
                opportunity_id=deal.id,
                pipeline_id=pipeline_id,
                from_stage_id=None,
                to_stage_id=stage.id,
                changed_by=job.created_by,
                entered_at=closed_at or now,
                left_at=None,
                note=f"imported ({job.filename})"[:500],
            )
        )
        funnel_rollup.mark_new(session, deal)
        # Customers' 360° view learns of the deal. Imported won deals are
        # history: deal.won only goes out when the upload asks for it
        # (publish_won=true), or orders would ship them again.
        if stage.kind == "won" and (job.options or {}).get("publish_won"):
            from .stage_moves import publish_won

            publish_won(session, deal, closed_at or now)
        outbox.publish(
            session,
            "opportunity.created",
            {
                "opportunity_id": deal.id,
                "customer_id": deal.customer_id,
                "name": deal.name,
                "amount": format_amount(amount, currency),
                "currency": currency,
                "owner_id": deal.owner_id,
                "team_id": deal.team_id,
                "created_at": now,
            },
            subject=deal.id,
        )
        return RowOutcome(
            row.line,
            "imported",
            record_id=str(deal.id),
            warning_field="owner" if warning else None,
            warning=warning,
        )


def _users(session: Session) -> owner_names.OwnerIndex[Any]:
    """Active users of the directory copy, by username, e-mail address and display name."""
    u = directory_users.c
    rows = session.execute(
        select(u.id, u.username, u.team_id, u.email, u.display_name).where(u.active.is_(True))
    )
    return owner_names.index((row, row.username, row.email, row.display_name) for row in rows)


def _owner(
    job: JobInfo, customer: CustomerState, value: str, users: owner_names.OwnerIndex[Any]
) -> tuple[uuid.UUID, uuid.UUID | None, str | None]:
    """Who owns an imported deal: (owner, team, warning).

    The ``Owner`` column names a user of the directory copy (by username,
    e-mail address or display name: :mod:`.rules.owner_names`) whom the uploader
    may give deals to (own scope: themselves; team: their team; all: anyone).
    Without the column, the customer's owner, else the uploader. A name not
    matched, or out of reach, falls back to the uploader with a warning.
    """
    options = job.options or {}
    uploader = job.created_by
    assert uploader is not None
    mine = _uuid(options.get("team_id"))
    if not value:
        if customer.owner_id is not None:
            return customer.owner_id, customer.team_id, None
        return uploader, mine, None
    named = owner_names.match(value, users)
    if len(named) > 1:
        return uploader, mine, f"owner {value!r} names several users; the deal is yours"
    if not named:
        return uploader, mine, f"owner {value!r} is not a user here; the deal is yours"
    user = named[0]
    scope = options.get("scope")
    allowed = (
        user.id == uploader
        or scope == "all"
        or (scope == "team" and mine is not None and user.team_id == mine)
    )
    if not allowed:
        return uploader, mine, f"owner {value!r} is outside your scope; the deal is yours"
    return user.id, user.team_id, None


def options_for(principal: Any, form: dict[str, str]) -> dict[str, Any]:
    """The job options an upload carries: who may be matched, the default currency,
    and whether imported won deals publish ``deal.won`` (``publish_won``, default off)."""
    options: dict[str, Any] = {"scope": principal.scope.value}
    if principal.team_id:
        options["team_id"] = str(principal.team_id)
    if form.get("currency"):
        options["currency"] = form["currency"].strip().upper()
    publish = str(form.get("publish_won", "false")).strip().lower()
    if publish not in ("true", "false", "1", "0", "yes", "no"):
        raise ValidationFailed.field("publish_won", "must be true or false")
    options["publish_won"] = publish in ("true", "1", "yes")
    return options


def _uuid(value: Any) -> uuid.UUID | None:
    return uuid.UUID(str(value)) if value else None
