"""Web-form capture: form keys, CORS, the honeypot, rate limits, field errors."""

from __future__ import annotations

from sqlalchemy import select

from leads.models import Lead


def _source(svc, admin, **extra):
    response = svc.client.post(
        "/api/v1/lead-sources",
        json={"name": "Spring page", "allowed_origins": ["https://promo.example.com"], **extra},
        headers=admin.headers,
    )
    assert response.status_code == 201, response.json
    return response.json


def test_web_form_capture_with_cors_honeypot_and_rate_limit(svc):
    admin = svc.user("admin")
    source = _source(svc, admin, per_client_per_minute=3)
    url = f"/api/v1/forms/{source['form_key']}"
    origin = {"Origin": "https://promo.example.com", "X-Forwarded-For": "203.0.113.9"}
    pre = svc.client.options(url, headers={**origin, "Access-Control-Request-Method": "POST"})
    assert pre.headers["Access-Control-Allow-Origin"] == "https://promo.example.com"
    ok = svc.client.post(
        url,
        data={"name": "Visitor", "email": "v@example.com", "utm_source": "ads"},
        headers=origin,
    )
    assert ok.status_code == 202, ok.json
    assert ok.headers["Access-Control-Allow-Origin"] == "https://promo.example.com"
    evil = svc.client.post(
        url,
        json={"name": "X", "email": "x@example.com"},
        headers={"Origin": "https://evil.example.net"},
    )
    assert evil.status_code == 403
    bot = svc.client.post(
        url,
        json={"name": "Bot", "email": "bot@example.com", "website_url": "http://spam"},
        headers=origin,
    )
    assert bot.status_code == 202
    third = svc.client.post(url, json={"name": "Y", "email": "y@example.com"}, headers=origin)
    assert third.status_code == 202
    limited = svc.client.post(url, json={"name": "Z", "email": "z@example.com"}, headers=origin)
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) >= 1
    assert (
        svc.client.post(
            "/api/v1/forms/lf_unknown", json={"name": "Z", "email": "z@example.com"}
        ).status_code
        == 404
    )
    with svc.db.session() as session:
        leads = session.scalars(select(Lead)).all()
    assert sorted(lead.email for lead in leads) == ["v@example.com", "y@example.com"]
    visitor = next(lead for lead in leads if lead.email == "v@example.com")
    assert visitor.channel == "web_form" and visitor.source == "Spring page"
    assert visitor.utm == {"utm_source": "ads"}


def test_form_field_errors_name_the_field(svc, count):
    admin = svc.user("admin")
    source = _source(svc, admin)
    url = f"/api/v1/forms/{source['form_key']}"
    bad = svc.client.post(url, json={"name": "A", "email": "nope", "colour": "red"})
    assert bad.status_code == 422
    assert bad.json["errors"][0]["field"] == "colour"
    none = svc.client.post(url, json={"name": "A"})
    assert none.status_code == 422 and none.json["errors"][0]["field"] == "email"
    assert count(svc) == 0
