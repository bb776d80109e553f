"""Stored files: typed by their bytes, served under a name that cannot break the header."""

from __future__ import annotations

import io

from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from crm_shared.files import content_disposition, detect_type


def _image(kind: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (5, 5), (10, 20, 30)).save(out, kind)
    return out.getvalue()


def test_types_come_from_the_bytes():
    assert detect_type(_image("PNG")) == "image/png"
    assert detect_type(_image("JPEG")) == "image/jpeg"
    assert detect_type(_image("WEBP")) == "image/webp"
    assert detect_type(b"\x89PNG\r\n\x1a\n<html>") == "application/octet-stream"
    assert detect_type(b"\xff\xd8\xff\xe0" + b"\x00" * 64) == "application/octet-stream"
    assert detect_type(b"%PDF-1.7\n...") == "application/pdf"
    assert detect_type("姓名,电话\n".encode()) == "text/plain"
    assert detect_type(b"a\x00b") == "application/octet-stream"


@given(st.text())
def test_any_name_gives_one_safe_header_value(name):
    value = content_disposition(name)
    assert value.startswith('attachment; filename="')
    assert value.count('"') == 2
    assert all(ord(ch) >= 32 and ord(ch) < 127 for ch in value)
    assert "filename*=UTF-8''" in value
