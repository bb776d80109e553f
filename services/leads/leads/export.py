"""Export: the caller's leads as CSV in our own import format, streamed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_shared.auth import Principal
from crm_shared.csv_export import csv_rows

from .access import visible
from .models import Lead
from .rules.export_format import EXPORT_COLUMNS


def export_csv(session: Session, principal: Principal, args: dict[str, Any]) -> Iterator[str]:
    """The caller's leads as CSV (UTF-8 with BOM, our import format), streamed."""
    statement = (
        select(Lead)
        .where(visible(principal), Lead.merged_into_id.is_(None))
        .order_by(Lead.created_at, Lead.id)
        .execution_options(yield_per=1000)
    )
    if args.get("status"):
        statement = statement.where(Lead.status == args["status"])
    if args.get("campaign_id"):
        statement = statement.where(Lead.campaign_id == args["campaign_id"])
    # One shared writer neutralises every cell a spreadsheet would execute.
    rows = ([getattr(lead, c) for c in EXPORT_COLUMNS] for lead in session.scalars(statement))
    yield from csv_rows(EXPORT_COLUMNS, rows)
