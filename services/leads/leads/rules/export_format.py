"""The CSV export format: its columns (also our import preset).

Cells are neutralised by the shared writer, ``crm_shared.csv_export``.
"""

from __future__ import annotations

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
