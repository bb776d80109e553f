"""Customers at the edge: uploads typed by their bytes, served with a safe
Content-Disposition and nosniff; feed addresses on the gateway's public URL."""

import io

from PIL import Image

from ..conftest import create


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (3, 3), (0, 120, 200)).save(out, "PNG")
    return out.getvalue()


def _visit(svc, rep) -> str:
    customer = create(svc, rep, latitude=31.2304, longitude=121.4737)
    visit = svc.client.post(
        f"/api/v1/customers/{customer['id']}/visits",
        json={"latitude": 31.2304, "longitude": 121.4737},
        headers=rep.headers,
    )
    assert visit.status_code == 201, visit.json
    return visit.json["id"]


def test_a_photo_is_typed_by_decoding_it_not_by_its_header(svc):
    rep = svc.user()
    visit = _visit(svc, rep)
    url = f"/api/v1/visits/{visit}/photo"
    disguised = b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>"
    refused = svc.client.put(url, data=disguised, content_type="image/png", headers=rep.headers)
    assert refused.status_code == 422 and refused.json["errors"][0]["field"] == "photo"
    truncated = _png()[:-20]
    assert (
        svc.client.put(url, data=truncated, content_type="image/png", headers=rep.headers)
    ).status_code == 422
    # A real PNG declared as something else is still a PNG.
    saved = svc.client.put(url, data=_png(), content_type="text/html", headers=rep.headers)
    assert saved.status_code == 200, saved.json
    photo = svc.client.get(url, headers=rep.headers)
    assert photo.mimetype == "image/png"
    assert photo.headers["X-Content-Type-Options"] == "nosniff"
    disposition = photo.headers["Content-Disposition"]
    assert disposition.startswith("inline; filename=")
    assert "\r" not in disposition and "\n" not in disposition


def test_a_multipart_photo_name_cannot_inject_headers(svc):
    rep = svc.user()
    visit = _visit(svc, rep)
    url = f"/api/v1/visits/{visit}/photo"
    name = '门店照片"; x=1\r\nSet-Cookie: a=b.png'
    saved = svc.client.put(
        url,
        data={"photo": (io.BytesIO(_png()), name, "image/png")},
        content_type="multipart/form-data",
        headers=rep.headers,
    )
    assert saved.status_code == 200, saved.json
    photo = svc.client.get(url, headers=rep.headers)
    disposition = photo.headers["Content-Disposition"]
    assert "Set-Cookie" not in photo.headers
    assert disposition.count('"') == 2
    assert "filename*=UTF-8''" in disposition
    assert "%E9%97%A8%E5%BA%97" in disposition  # 门店, percent-encoded


def test_feed_addresses_use_the_public_base_url(svc, monkeypatch):
    monkeypatch.setenv("CRM_PUBLIC_BASE_URL", "https://crm.example.cn")
    rep = svc.user()
    feed = svc.client.post("/api/v1/calendar/feed", headers=rep.headers)
    assert feed.status_code == 201
    assert feed.json["url"] == "https://crm.example.cn" + feed.json["path"]
