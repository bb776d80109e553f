"""Conditional updates: run one and learn how many rows still matched its conditions."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, Executable
from sqlalchemy.orm import Session


def rows_matched(session: Session, statement: Executable) -> int:
    """Run an UPDATE or DELETE and return the rows it matched (0 when a race moved them)."""
    result = cast("CursorResult[Any]", session.execute(statement))
    return result.rowcount
