"""Phone numbers read in the record's country, kept as given when unreadable, searchable."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm_shared import phones


@pytest.mark.parametrize(
    ("country", "region"),
    [
        ("China", "CN"),
        ("中国", "CN"),
        ("CN", "CN"),
        ("cn", "CN"),
        ("PRC", "CN"),
        ("People's Republic of China", "CN"),
        ("中华人民共和国", "CN"),
        ("CHN", "CN"),
        ("United Kingdom", "GB"),
        ("UK", "GB"),
        ("香港", "HK"),
        ("Narnia", None),
        ("", None),
        (None, None),
    ],
)
def test_country_names_in_english_and_chinese_become_regions(country, region):
    assert phones.region_for_country(country) == region


def test_the_records_country_wins_over_the_default_region():
    assert phones.pick_region("中国", "US") == "CN"
    assert phones.pick_region(None, "us") == "US"
    assert phones.pick_region("Narnia", None) is None


@pytest.mark.parametrize(
    "typed", ["138 0013 8000", "138-0013-8000", "13800138000", "+86 138 0013 8000"]
)
def test_a_national_chinese_mobile_parses_in_cn(typed):
    assert phones.clean(typed, "CN") == phones.Phone("+8613800138000", True)


def test_an_unreadable_phone_is_kept_as_given_and_unverified():
    assert phones.clean("  call  me ", "CN") == phones.Phone("call me", False)
    assert phones.clean("   ", "CN") is None


def test_search_forms_match_the_stored_e164():
    assert phones.search_forms("(415) 555-2671", "US")[0] == "+14155552671"
    assert phones.looks_like_phone("+1 415-555-2671")
    assert not phones.looks_like_phone("Ada 2024")
    assert not phones.looks_like_phone("123")


@given(st.text(max_size=40))
def test_cleaning_never_raises_and_verified_means_e164(text):
    cleaned = phones.clean(text, "CN")
    if cleaned is None:
        assert not text.split()
    elif cleaned.verified:
        assert cleaned.value.startswith("+") and cleaned.value[1:].isdigit()
    else:
        assert cleaned.value == " ".join(text.split())


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_every_spelling_of_a_number_searches_to_the_same_form(digits):
    stored = phones.clean(digits, "CN")
    if stored is None or not stored.verified:
        return
    spaced = f"{digits[:3]} {digits[3:7]} {digits[7:]}"
    dashed = f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"
    for typed in (spaced, dashed, stored.value):
        assert stored.value in phones.search_forms(typed, "CN")
