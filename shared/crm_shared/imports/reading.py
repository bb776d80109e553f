"""Reading an upload: its encoding, its header and column mapping, its records."""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, BinaryIO, TextIO

from ..errors import ValidationFailed
from .spec import ImportRow, ImportSpec

_csv_limit_set = False


# Uploads are checked and read a slice at a time: a million-row file is some
# 60 MB, and its text held whole (four bytes a character inside io.StringIO)
# would cost a worker several times that.
_SLICE = 1024 * 1024


def detect_encoding(data: bytes, *, field_name: str = "file") -> str:
    """The encoding an upload is read in, checked slice by slice without keeping its text.

    UTF-8 (with or without BOM), UTF-16 with a BOM, then GB18030; anything
    else is refused naming ``field_name`` and the reason.
    """
    if not data:
        raise ValidationFailed.field(field_name, "is empty")
    attempts: list[str]
    if data.startswith(codecs.BOM_UTF8):
        attempts = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        attempts = ["utf-16"]
    else:
        attempts = ["utf-8", "gb18030"]
    view = memoryview(data)
    for name in attempts:
        decoder = codecs.getincrementaldecoder(name)()
        try:
            for start in range(0, len(view), _SLICE):
                piece = decoder.decode(view[start : start + _SLICE], final=False)
                if "\x00" in piece:
                    raise ValidationFailed.field(
                        field_name, "contains NUL bytes: it is not a CSV text file"
                    )
            if "\x00" in decoder.decode(b"", final=True):
                raise ValidationFailed.field(
                    field_name, "contains NUL bytes: it is not a CSV text file"
                )
        except UnicodeDecodeError:
            continue
        return name
    if len(attempts) == 1:
        raise ValidationFailed.field(
            field_name,
            f"starts with a {attempts[0]} byte-order mark but is not valid {attempts[0]}",
        )
    raise ValidationFailed.field(
        field_name, "is not text in UTF-8, UTF-16 (with a byte-order mark) or GB18030"
    )


def decode(data: bytes, *, field_name: str = "file") -> tuple[str, str]:
    """The whole text of an upload and the encoding it was read in (see :func:`detect_encoding`).

    For small uploads; imports read theirs with :func:`open_text` instead.
    """
    encoding = detect_encoding(data, field_name=field_name)
    return decode_as(data, encoding), encoding


def decode_as(data: bytes, encoding: str) -> str:
    """The text of a stored upload, in the encoding found when it was checked."""
    return data.decode(encoding)  # utf-8-sig drops the byte-order mark


def open_text(data: bytes | BinaryIO, encoding: str) -> TextIO:
    """An upload (its bytes, or a binary stream) as text decoded as it is read."""
    # BytesIO shares the bytes until written to, so this copies nothing.
    stream = io.BytesIO(data) if isinstance(data, bytes) else data
    return io.TextIOWrapper(stream, encoding=encoding, newline="")


# ---------------------------------------------------------------- headers


def normalise_header(name: str) -> str:
    """A header as matched against presets: lower case, no spaces, dashes or underscores."""
    return re.sub(r"[\s_\-]+", "", name.strip().lower())


def detect_mapping(
    header: Sequence[str], spec: ImportSpec, custom: Mapping[str, str] | None = None
) -> tuple[dict[str, str], str]:
    """``{column header: field}`` for ``header``, and the preset it came from.

    A custom mapping is checked (every column must exist, every field be
    known); otherwise the preset matching the most columns wins. Raises a
    field error when nothing usable is found.
    """
    present = {h for h in header if h.strip()}
    if custom:
        unknown_columns = [c for c in custom if c not in present]
        if unknown_columns:
            raise ValidationFailed.field(
                "mapping", f"columns not in the file: {', '.join(sorted(unknown_columns))}"
            )
        unknown_fields = sorted({f for f in custom.values() if f and f not in spec.fields})
        if unknown_fields:
            raise ValidationFailed.field("mapping", f"unknown fields: {', '.join(unknown_fields)}")
        chosen = {c: f for c, f in custom.items() if f}
        _check_required(chosen, spec, "mapping")
        return chosen, "custom"
    # The preset matching the most columns wins; on a tie, the one whose
    # spelling matches exactly (Salesforce's "FirstName" over our "first_name").
    best: tuple[tuple[int, int], str, dict[str, str]] = ((0, 0), "", {})
    for name, preset in spec.presets.items():
        wanted = {normalise_header(k): v for k, v in preset.items()}
        mapping: dict[str, str] = {}
        used: set[str] = set()
        for column in header:
            target = wanted.get(normalise_header(column))
            if target and target not in used and column not in mapping:
                mapping[column] = target
                used.add(target)
        exact = sum(1 for column in mapping if column.strip() in preset)
        if (len(mapping), exact) > best[0]:
            best = ((len(mapping), exact), name, mapping)
    if not best[0][0]:
        examples = sorted({k for p in spec.presets.values() for k in p})[:8]
        raise ValidationFailed.field(
            "file",
            "has no recognisable header row; expected columns such as "
            + ", ".join(examples)
            + " (or send a mapping)",
        )
    _check_required(best[2], spec, "file")
    return best[2], best[1]


def _check_required(mapping: Mapping[str, str], spec: ImportSpec, where: str) -> None:
    if spec.required_any and not set(mapping.values()) & set(spec.required_any):
        raise ValidationFailed.field(
            where, "maps no column to any of: " + ", ".join(spec.required_any)
        )


def csv_reader(text: str | TextIO) -> Any:
    """A CSV reader over ``text`` (a string or a stream from :func:`open_text`), cells bounded."""
    global _csv_limit_set
    if not _csv_limit_set:
        # One cell may be long (notes), but not unbounded.
        csv.field_size_limit(1024 * 1024)
        _csv_limit_set = True
    stream = io.StringIO(text, newline="") if isinstance(text, str) else text
    return csv.reader(stream)


def records_of(reader: Any) -> Iterator[tuple[int, list[str]]]:
    """(first line number, cells) of each non-blank record after the header."""
    previous = reader.line_num
    for cells in reader:
        line = previous + 1
        previous = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        yield line, cells


def chunks_of(
    records: Iterator[tuple[int, list[str]]], columns: list[tuple[int, str]], size: int
) -> Iterator[list[ImportRow]]:
    """The records as :class:`ImportRow` chunks of ``size``, cells mapped to fields."""
    chunk: list[ImportRow] = []
    for line, cells in records:
        values = {}
        for index, target in columns:
            if index < len(cells):
                value = cells[index].strip()
                if value:
                    values[target] = value
        chunk.append(ImportRow(line, values))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
