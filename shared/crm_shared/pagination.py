"""Keyset (cursor) pagination that stays fast and stable on large tables.

A page is ordered by one or more columns ending in a unique one; the cursor
carries the last row's values, and the next page starts strictly after them,
so rows inserted meanwhile never shift or repeat a page.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import Session

from .errors import ValidationFailed


@dataclass(frozen=True)
class SortKey:
    """One ordering column; ``attr`` reads its value off a result row."""

    column: Any
    attr: str
    descending: bool = False


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    return value


def _decode(value: Any, column: Any) -> Any:
    if value is None:
        return None
    if not isinstance(value, str | int | float | bool) or (
        isinstance(value, str) and "\x00" in value
    ):
        raise ValueError("not a scalar sort value")
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        return value
    if python_type is datetime:
        if not isinstance(value, str):
            raise ValueError("not a timestamp")
        return datetime.fromisoformat(value)
    if python_type in (uuid.UUID, Decimal):
        decoded = python_type(str(value))
        if isinstance(decoded, Decimal) and not decoded.is_finite():
            raise ValueError("not a finite number")
        return decoded
    if python_type in (int, float, str):
        return python_type(value)
    return value


def encode_cursor(values: Sequence[Any]) -> str:
    """An opaque cursor for a row's sort values."""
    raw = json.dumps([_encode(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, keys: Sequence[SortKey]) -> list[Any]:
    """The sort values in ``cursor``; a field error when it is not one of ours."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded))
        if not isinstance(values, list) or len(values) != len(keys):
            raise ValueError
        return [_decode(v, k.column) for v, k in zip(values, keys, strict=True)]
    except (
        ValueError,
        TypeError,
        ArithmeticError,  # decimal.InvalidOperation
        AttributeError,
        RecursionError,
        binascii.Error,
        json.JSONDecodeError,
    ) as exc:
        raise ValidationFailed.field("cursor", "is not a cursor from this list") from exc


def _after(keys: Sequence[SortKey], values: Sequence[Any]) -> Any:
    # (k1 > v1) OR (k1 = v1 AND k2 > v2) OR ... with each key's own direction.
    clauses = []
    for i, key in enumerate(keys):
        equal = [keys[j].column == values[j] for j in range(i)]
        beyond = key.column < values[i] if key.descending else key.column > values[i]
        clauses.append(and_(*equal, beyond))
    return or_(*clauses)


def paginate(
    session: Session,
    statement: Select[Any],
    keys: Sequence[SortKey],
    *,
    limit: int,
    cursor: str | None,
) -> tuple[list[Any], str | None]:
    """Run ``statement`` for one page; return its rows and the next cursor."""
    if cursor:
        statement = statement.where(_after(keys, decode_cursor(cursor, keys)))
    order = [k.column.desc() if k.descending else k.column.asc() for k in keys]
    rows = list(session.scalars(statement.order_by(*order).limit(limit + 1)))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor([getattr(last, k.attr) for k in keys])
    return rows, next_cursor
