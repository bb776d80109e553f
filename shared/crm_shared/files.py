"""Files a service keeps, in its own database.

Uploads (an import's CSV, a visit's photo) are stored as rows of the
platform table ``stored_files``: written in the same transaction as the
record that refers to them, readable by every process of the service on any
host, and backed up with the rest of its data. Size and type are checked
before anything is written.

A file's type is decided from its bytes, never from what the client
declared: an image is an image only when Pillow decodes it (a PNG
signature in front of HTML is not a PNG), other types by their signature.
Files are served back with :func:`content_disposition` (RFC 6266, the name
as ``filename*``, no header injection) and, like every response,
``X-Content-Type-Options: nosniff``.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import uuid
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from .db import Database, utcnow
from .errors import PayloadTooLarge, ValidationFailed
from .tables import stored_files


@dataclass(frozen=True)
class StoredFile:
    """A kept file and what is known about it."""

    id: uuid.UUID
    purpose: str
    filename: str
    content_type: str
    size: int
    sha256: str
    content: bytes


_IMAGE_FORMATS = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "GIF": "image/gif",
}
_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
)
# An image this large (in pixels) is a decompression bomb, not a photo.
MAX_IMAGE_PIXELS = 80_000_000


def sniff_image_type(data: bytes) -> str | None:
    """The image type of ``data`` when Pillow decodes it as one (JPEG, PNG, WebP, GIF)."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.width * image.height > MAX_IMAGE_PIXELS:
                    return None
                image_format = image.format
                image.verify()  # structure and checksums, without decoding every pixel
            with Image.open(io.BytesIO(data)) as image:
                image.load()  # the pixels themselves: a truncated file fails here
    except Exception:
        return None
    return _IMAGE_FORMATS.get(image_format or "")


def detect_type(data: bytes) -> str:
    """The content type ``data`` really has: a decodable image, a known signature,
    UTF-8 text, else ``application/octet-stream``."""
    image = sniff_image_type(data)
    if image:
        return image
    for signature, content_type in _SIGNATURES:
        if data.startswith(signature):
            return content_type
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "application/octet-stream"
    return "application/octet-stream" if "\x00" in text else "text/plain"


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """A safe ``Content-Disposition`` for serving a stored file (RFC 6266 / 8187).

    Control characters, quotes, backslashes and path separators never reach
    the header; the full (Chinese, say) name goes in ``filename*``, with an
    ASCII fallback in ``filename``.
    """
    cleaned = "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in filename)
    cleaned = re.sub(r"[\\/]+", "_", cleaned).strip().strip(".") or "file"
    fallback = unicodedata.normalize("NFKD", cleaned).encode("ascii", "ignore").decode()
    fallback = re.sub(r"[^A-Za-z0-9._ -]+", "_", fallback).strip() or "file"
    kind = "inline" if inline else "attachment"
    return (
        f"{kind}; filename=\"{fallback[:150]}\"; filename*=UTF-8''{quote(cleaned[:150], safe='')}"
    )


def check_upload(
    data: bytes,
    *,
    field: str,
    max_bytes: int,
    allowed_types: Iterable[str] | None = None,
    declared_type: str | None = None,
) -> str:
    """Return the file's content type, or raise naming ``field`` and why it is refused.

    The type is read from the bytes themselves (:func:`detect_type`);
    ``declared_type`` (the client's ``Content-Type``) is never trusted and
    only kept for callers that pass it.
    """
    del declared_type
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"{field} is larger than {max_bytes} bytes")
    if not data:
        raise ValidationFailed.field(field, "is empty")
    content_type = detect_type(data)
    allowed = set(allowed_types or ())
    if allowed and content_type not in allowed:
        raise ValidationFailed.field(field, f"must be one of {', '.join(sorted(allowed))}")
    return content_type


def save(
    session: Session,
    *,
    purpose: str,
    filename: str,
    content_type: str,
    data: bytes,
    created_by: uuid.UUID | None = None,
) -> uuid.UUID:
    """Keep ``data`` in the caller's transaction; return its id."""
    file_id = uuid.uuid4()
    session.execute(
        insert(stored_files).values(
            id=file_id,
            purpose=purpose,
            filename=filename[:255],
            content_type=content_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            content=data,
            created_by=created_by,
            created_at=utcnow(),
        )
    )
    return file_id


def load(session: Session, file_id: uuid.UUID) -> StoredFile | None:
    """A kept file, or None."""
    row = session.execute(select(stored_files).where(stored_files.c.id == file_id)).first()
    if row is None:
        return None
    return StoredFile(
        id=row.id,
        purpose=row.purpose,
        filename=row.filename,
        content_type=row.content_type,
        size=row.size,
        sha256=row.sha256,
        content=bytes(row.content),
    )


class _PieceReader(io.RawIOBase):
    """A kept file's bytes, fetched a piece at a time by ``fetch(offset, length)``."""

    def __init__(self, fetch: Callable[[int, int], bytes], size: int, piece: int) -> None:
        super().__init__()
        self._fetch = fetch
        self._size = size
        self._piece = piece
        self._offset = 0  # of the next piece to fetch
        self._buffer = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        if not self._buffer:
            if self._offset >= self._size:
                return 0
            data = self._fetch(self._offset, min(self._piece, self._size - self._offset))
            if not data:
                return 0
            self._offset += len(data)
            self._buffer = memoryview(data)
        count = min(len(target), len(self._buffer))
        target[:count] = self._buffer[:count]
        self._buffer = self._buffer[count:]
        return count


def open_stream(
    db: Database, file_id: uuid.UUID, *, piece: int = 4 * 1024 * 1024
) -> io.BufferedReader | None:
    """A kept file as a binary stream read ``piece`` bytes at a time, or None.

    Each piece is its own short read (no connection is held between them), so
    a large upload (an import's CSV) is never in memory whole, and neither is
    the driver's copy of it.
    """
    with db.reading() as session:
        size = session.scalar(select(stored_files.c.size).where(stored_files.c.id == file_id))
    if size is None:
        return None

    def fetch(offset: int, length: int) -> bytes:
        with db.reading() as session:
            data = session.scalar(
                select(func.substr(stored_files.c.content, offset + 1, length)).where(
                    stored_files.c.id == file_id
                )
            )
        return bytes(data or b"")

    return io.BufferedReader(_PieceReader(fetch, size, piece), buffer_size=64 * 1024)


def remove(session: Session, file_id: uuid.UUID) -> None:
    """Forget a kept file."""
    session.execute(delete(stored_files).where(stored_files.c.id == file_id))
