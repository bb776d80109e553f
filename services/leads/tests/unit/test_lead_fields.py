"""The one list of lead fields, and what each channel derives from it."""

from __future__ import annotations

from leads.rules.form_keys import FORM_FIELDS
from leads.rules.lead_fields import (
    FACT_FIELDS,
    FILLABLE_FIELDS,
    IMPORT_FIELDS,
    LIMITS,
    ORIGIN_FIELDS,
    TEXT_FIELDS,
)
from leads.schemas.leads import LeadFieldsSchema


def test_facts_are_the_text_fields_and_the_size_without_where_the_lead_came_from():
    assert set(FACT_FIELDS) == (set(TEXT_FIELDS) - set(ORIGIN_FIELDS)) | {"company_size"}
    assert FACT_FIELDS.index("company_size") == FACT_FIELDS.index("industry") + 1


def test_every_channel_takes_its_fields_from_the_one_list():
    assert set(LeadFieldsSchema._declared_fields) == set(FACT_FIELDS)
    assert frozenset(FACT_FIELDS) == FORM_FIELDS
    assert {*TEXT_FIELDS, "company_size", "status"} == IMPORT_FIELDS


def test_a_merge_fills_facts_and_origin_but_never_the_name_or_notes():
    assert "name" not in FILLABLE_FIELDS and "notes" not in FILLABLE_FIELDS
    assert {"campaign_id", "source", "channel"} <= set(FILLABLE_FIELDS)
    assert len(set(FILLABLE_FIELDS)) == len(FILLABLE_FIELDS)


def test_every_text_field_has_a_limit():
    assert all(LIMITS[name] > 0 for name in TEXT_FIELDS)
