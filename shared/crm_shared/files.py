"""Files a service keeps, in its own database.

Uploads (an import's CSV, a visit's photo) are stored as rows of the
platform table ``stored_files``: written in the same transaction as the
record that refers to them, readable by every process of the service on any
host, and backed up with the rest of its data. Size and type are checked
before anything is written.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from .db import utcnow
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


def sniff_image_type(data: bytes) -> str | None:
    """The image type a file's first bytes announce (JPEG, PNG, WebP), or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def check_upload(
    data: bytes,
    *,
    field: str,
    max_bytes: int,
    allowed_types: Iterable[str] | None = None,
    declared_type: str | None = None,
) -> str:
    """Return the file's content type, or raise naming ``field`` and why it is refused.

    Image types are read from the bytes themselves, not trusted from the
    client's declaration.
    """
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"{field} is larger than {max_bytes} bytes")
    if not data:
        raise ValidationFailed.field(field, "is empty")
    content_type = sniff_image_type(data) or (declared_type or "application/octet-stream")
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


def remove(session: Session, file_id: uuid.UUID) -> None:
    """Forget a kept file."""
    session.execute(delete(stored_files).where(stored_files.c.id == file_id))
