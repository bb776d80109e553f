"""Which facts a lead has, in one place: every list of lead fields is derived from here.

The API schemas, the web form, the import, the merge and the
``lead.qualified`` event all name lead fields; they take them from these
tuples, so a new field is added once.
"""

from __future__ import annotations

# Text facts and their longest length, read by the API schemas and the cleaner alike.
LIMITS: dict[str, int] = {
    "name": 200,
    "first_name": 100,
    "last_name": 100,
    "email": 320,
    "phone": 40,
    "mobile": 40,
    "company": 200,
    "title": 150,
    "industry": 100,
    "region": 100,
    "country": 100,
    "state": 100,
    "city": 100,
    "website": 300,
    "source": 100,
    "channel": 50,
    "product_interest": 100,
    "notes": 5000,
}
TEXT_FIELDS = tuple(LIMITS)

# Where a lead came from: set by the channel that captured it, not by the prospect.
ORIGIN_FIELDS = ("source", "channel")

# The facts about a lead any channel may supply (a web form, the API, a file).
FACT_FIELDS: tuple[str, ...] = tuple(
    name
    for field in TEXT_FIELDS
    if field not in ORIGIN_FIELDS
    for name in ((field, "company_size") if field == "industry" else (field,))
)

# What a merge fills on the surviving lead from the other, when the survivor lacks it.
FILLABLE_FIELDS: tuple[str, ...] = (
    *(f for f in FACT_FIELDS if f not in ("name", "notes")),
    "campaign_id",
    *ORIGIN_FIELDS,
)

# What an imported row may carry: the text facts, the size, and a status.
IMPORT_FIELDS = frozenset({*TEXT_FIELDS, "company_size", "status"})

# What identifies the person: blanked when an admin erases a lead on request
# (``name`` becomes ERASED_NAME, the rest empty). Company facts stay.
PERSONAL_FIELDS: tuple[str, ...] = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "mobile",
    "title",
    "notes",
    "website",
    "utm",
    "next_step",
)
ERASED_NAME = "(erased)"
