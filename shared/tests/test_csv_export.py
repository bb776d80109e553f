"""Exports a spreadsheet opens as text, never as formulas (OWASP CSV injection)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from crm_shared.csv_export import FORMULA_STARTS, csv_rows, safe_cell
from crm_shared.public_url import public_base_url, public_url


def _read(chunks) -> list[list[str]]:
    text = "".join(chunks)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline="")))


@given(st.text())
def test_no_cell_starts_a_formula(text):
    cell = safe_cell(text)
    if cell.startswith(FORMULA_STARTS):
        # Only a bare signed number may keep its sign.
        float(cell)
    assert cell.removeprefix("'") == text or cell == text


@given(st.lists(st.lists(st.text(), min_size=2, max_size=2), max_size=5))
def test_rows_survive_the_round_trip_apart_from_the_quote(rows):
    read = _read(csv_rows(["a", "b"], rows))
    assert read[0] == ["a", "b"]
    assert len(read) == len(rows) + 1
    for written, got in zip(rows, read[1:], strict=True):
        assert [safe_cell(c) for c in written] == got


def test_the_owasp_cases_are_neutralised():
    for payload in (
        "=1+2",
        '=HYPERLINK("http://evil")',
        "+1+cmd|' /C calc'!A0",
        "-1+1",
        "@SUM(A1)",
        "\tx",
        "\rx",
    ):
        assert safe_cell(payload) == "'" + payload
    assert safe_cell("-12.50") == "-12.50"
    assert safe_cell("+8613800138000") == "+8613800138000"
    assert safe_cell(Decimal("-3")) == "-3"
    assert safe_cell(None) == ""
    assert safe_cell("张三") == "张三"


def test_public_urls_use_the_gateways_public_address():
    env = {"CRM_PUBLIC_BASE_URL": "https://crm.example.cn/", "CRM_GATEWAY_PORT": "9000"}
    assert public_url("/api/v1/x", env) == "https://crm.example.cn/api/v1/x"
    assert public_base_url({"CRM_GATEWAY_PORT": "9000"}) == "http://127.0.0.1:9000"
    assert public_base_url({}) == "http://127.0.0.1:8000"
