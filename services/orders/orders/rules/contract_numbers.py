"""Contract numbers: ``HT-<year>-<6-digit sequence>``, one gap-free sequence per year."""

from __future__ import annotations

PREFIX = "HT"


def contract_number(year: int, sequence: int) -> str:
    """The number of the ``sequence``-th contract of ``year`` (``HT-2026-000123``)."""
    return f"{PREFIX}-{year:04d}-{sequence:06d}"
