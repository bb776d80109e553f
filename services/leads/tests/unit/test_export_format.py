"""The export's cells: what a spreadsheet would run as a formula is neutralised."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from crm_shared.csv_export import safe_cell as cell
from leads.rules.export_format import EXPORT_COLUMNS
from leads.rules.lead_fields import FACT_FIELDS


def test_formulas_are_neutralised_and_numbers_kept():
    assert cell("=cmd()") == "'=cmd()"
    assert cell("@SUM(A1)") == "'@SUM(A1)"
    assert cell("+1 415 555 2671") == "+1 415 555 2671"
    assert cell("-5") == "-5"
    assert cell(None) == ""
    assert cell(datetime(2026, 1, 2, tzinfo=UTC)) == "2026-01-02T00:00:00+00:00"
    some = uuid.uuid4()
    assert cell(some) == str(some)


def test_the_export_carries_every_fact_of_a_lead():
    assert set(FACT_FIELDS) <= set(EXPORT_COLUMNS)
