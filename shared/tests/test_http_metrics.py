"""Each web process counts and times its requests per route template, served at /metrics."""

from __future__ import annotations

import re

from prometheus_client.parser import text_string_to_metric_families

from .test_edge_input import make_app


def _samples(text: str, name: str, **labels: str) -> float:
    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                total += sample.value
    return total


def test_requests_are_counted_by_route_template_not_raw_path(tmp_path, tokens):
    client = make_app(tmp_path, tokens).test_client()
    before = client.get("/metrics").text
    for key in ("a", "b", "c"):
        assert client.get(f"/api/v1/edge/things/{key}").status_code == 200
    after = client.get("/metrics")
    assert after.status_code == 200
    assert after.content_type.startswith("text/plain")
    route = "/api/v1/edge/things/<string:key>"
    labels = {"service": "probe", "route": route, "method": "GET", "status": "200"}
    counted = _samples(after.text, "crm_http_requests_total", **labels)
    assert counted - _samples(before, "crm_http_requests_total", **labels) == 3
    timed = _samples(
        after.text, "crm_http_request_duration_seconds_count", service="probe", route=route
    )
    assert timed >= 3
    # The raw values never become labels: a scan cannot grow the series.
    assert not re.search(r'route="/api/v1/edge/things/[abc]"', after.text)


def test_unmatched_paths_share_one_series_and_refusals_are_counted(tmp_path, tokens):
    client = make_app(tmp_path, tokens).test_client()
    before = client.get("/metrics").text
    for n in range(4):
        assert client.get(f"/api/v1/nothing-here-{n}").status_code == 404
    assert client.post("/api/v1/edge/echo", data=b"x" * 101).status_code == 413
    after = client.get("/metrics").text
    unmatched = {"service": "probe", "route": "unmatched", "status": "404"}
    assert (
        _samples(after, "crm_http_requests_total", **unmatched)
        - _samples(before, "crm_http_requests_total", **unmatched)
        == 4
    )
    refused = {"service": "probe", "reason": "too_large"}
    assert (
        _samples(after, "crm_http_refusals_total", **refused)
        - _samples(before, "crm_http_refusals_total", **refused)
        == 1
    )
    assert "nothing-here" not in after


def test_metrics_need_no_token_and_are_not_under_the_api(tmp_path, tokens):
    client = make_app(tmp_path, tokens).test_client()
    answer = client.get("/metrics")
    assert answer.status_code == 200
    assert "crm_db_pool_in_use" in answer.text
