"""The CSV export format: its columns (also our import preset) and safe cells."""

from __future__ import annotations

from typing import Any

# Columns of our own export (and of its import preset): the round trip format.
EXPORT_COLUMNS = (
    "id",
    "name",
    "first_name",
    "last_name",
    "email",
    "phone",
    "mobile",
    "company",
    "title",
    "industry",
    "company_size",
    "region",
    "country",
    "state",
    "city",
    "website",
    "source",
    "channel",
    "product_interest",
    "status",
    "score",
    "owner_id",
    "campaign_id",
    "notes",
    "created_at",
)


def cell(value: Any) -> str:
    """A value as a CSV cell; text a spreadsheet would run as a formula is neutralised."""
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    text = str(value)
    # Cells starting with these run as formulas in spreadsheets: neutralise.
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not text[1:2].isdigit() else text
