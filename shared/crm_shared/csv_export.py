"""CSV a user downloads: one writer, safe to open in a spreadsheet.

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
is a formula to Excel, LibreOffice and Google Sheets (OWASP "CSV
injection"): an exported lead named ``=HYPERLINK(...)`` would run when the
file is opened. Such cells are prefixed with ``'`` so they show as text.
Exports are UTF-8 with a byte-order mark so spreadsheets read Chinese text.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
# A signed number or a phone number written with spaces, dots, dashes and
# brackets ("-12.50", "+86 138 0013 8000", "+1 (415) 555-2671") calls no
# function; it is kept as is so amounts and phones survive a round trip.
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9][0-9 ().-]*")


def safe_cell(value: Any) -> str:
    """``value`` as text a spreadsheet shows rather than evaluates."""
    if value is None:
        return ""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_rows(header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """Stream ``header`` then ``rows`` as CSV text, BOM first, every cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(c) for c in header])
    yield BOM + buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([safe_cell(c) for c in row])
        yield buffer.getvalue()
