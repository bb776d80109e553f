"""Cleaning lead input: E.164 phones, every problem named, the duplicate key."""

from __future__ import annotations

import pytest

from leads.rules.normalise import FieldProblem, clean_lead, duplicate_key, normalise_phone


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+44 20 7946 0958", "+442079460958"),
        ("(415) 555-2671", "+14155552671"),
        ("415.555.2671", "+14155552671"),
    ],
)
def test_phones_become_e164(raw, expected):
    assert normalise_phone(raw, "US") == expected


def test_bad_phone_names_the_field():
    with pytest.raises(FieldProblem) as problem:
        normalise_phone("12", "US")
    assert problem.value.field == "phone"


def test_clean_lead_collects_every_problem():
    clean, problems = clean_lead({"phone": "1", "company_size": "many"})
    assert {p.field for p in problems} == {"name", "phone", "company_size"}
    clean, problems = clean_lead({"email": "nope"})
    assert {p.field for p in problems} == {"email"}  # the email stands in for a name
    clean, problems = clean_lead({"first_name": "Ada", "last_name": "L", "email": " A@B.COM "})
    assert problems == []
    assert clean["name"] == "Ada L"
    assert clean["email"] == "a@b.com"


def test_duplicate_key_ignores_case_punctuation_and_legal_suffix():
    assert duplicate_key("Ada Lovelace", "Analytical Engines Ltd.") == duplicate_key(
        "ada  lovelace", "ANALYTICAL ENGINES"
    )
    assert duplicate_key("Ada", None) is None


def test_an_import_row_keeps_an_unreadable_phone_with_a_warning():
    warnings: list[FieldProblem] = []
    clean, problems = clean_lead(
        {"name": "Li", "phone": "ext. 12", "mobile": "139 0013 9000", "country": "中国"},
        warnings=warnings,
    )
    assert problems == []
    assert [w.field for w in warnings] == ["phone"]
    assert clean["phone"] == "ext. 12" and clean["mobile"] == "+8613900139000"
    assert clean["phone_verified"] is False
    _strict, refused = clean_lead({"name": "Li", "phone": "ext. 12"})
    assert [p.field for p in refused] == ["phone"]
