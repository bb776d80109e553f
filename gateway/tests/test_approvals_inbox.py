"""The cross-service approvals inbox at the gateway."""

from flask import jsonify, request


def item(n, service, at):
    return {
        "id": f"00000000-0000-0000-0000-{n:012d}",
        "service": service,
        "kind": "contract",
        "document_id": f"10000000-0000-0000-0000-{n:012d}",
        "document_path": None,
        "title": f"doc {n}",
        "status": "pending",
        "submitter_id": "20000000-0000-0000-0000-000000000000",
        "submitted_at": at,
        "facts": {},
        "steps": [{"name": "主管", "status": "current"}],
        "decide_url": f"/api/v1/{service}/approvals/{n}",
        "inbox_cursor": f"c{n}",
    }


def test_the_inbox_merges_services_by_submitted_time_and_pages(
    stub_service, make_gateway, bearer, monkeypatch
):
    app, url = stub_service
    seen = []
    orders = [item(i, "orders", f"2026-12-0{i}T00:00:00+00:00") for i in (1, 3, 5)]
    comp = [item(i, "compensation", f"2026-12-0{i}T00:00:00+00:00") for i in (2, 4)]

    def page(items):
        cursor = request.args.get("cursor")
        start = 0 if cursor is None else [i["inbox_cursor"] for i in items].index(cursor) + 1
        limit = int(request.args["limit"])
        chunk = items[start : start + limit]
        more = start + limit < len(items)
        seen.append((request.path, request.headers.get("Authorization")))
        return jsonify(items=chunk, next_cursor=chunk[-1]["inbox_cursor"] if more else None)

    app.add_url_rule("/api/v1/orders/approvals", "o", lambda: page(orders))
    app.add_url_rule("/api/v1/compensation/approvals", "c", lambda: page(comp))
    monkeypatch.setenv("CRM_APPROVAL_SERVICES", "orders,compensation")
    gw = make_gateway(CRM_ORDERS_URL=url, CRM_COMPENSATION_URL=url)
    headers = bearer(gw)
    first = gw.client.get("/api/v1/approvals?mine=pending&limit=2", headers=headers)
    assert first.status_code == 200, first.json
    assert [i["title"] for i in first.json["items"]] == ["doc 1", "doc 2"]
    assert first.json["items"][0]["step_name"] == "主管"
    assert first.json["items"][1]["decide_url"] == "/api/v1/compensation/approvals/2"
    assert all(auth == headers["Authorization"] for _, auth in seen)
    titles, cursor = [], first.json["next_cursor"]
    while cursor:
        more = gw.client.get(
            "/api/v1/approvals",
            query_string={"mine": "pending", "limit": 2, "cursor": cursor},
            headers=headers,
        ).json
        titles += [i["title"] for i in more["items"]]
        cursor = more["next_cursor"]
    assert titles == ["doc 3", "doc 4", "doc 5"]


def test_a_service_that_is_down_is_named_and_the_rest_still_shows(
    stub_service, make_gateway, bearer, monkeypatch
):
    app, url = stub_service
    app.add_url_rule(
        "/api/v1/orders/approvals",
        "o",
        lambda: jsonify(items=[item(1, "orders", "2026-12-01T00:00:00+00:00")], next_cursor=None),
    )
    monkeypatch.setenv("CRM_APPROVAL_SERVICES", "orders,compensation")
    gw = make_gateway(CRM_ORDERS_URL=url, CRM_COMPENSATION_URL="http://127.0.0.1:9")
    body = gw.client.get("/api/v1/approvals?mine=pending", headers=bearer(gw)).json
    assert [i["title"] for i in body["items"]] == ["doc 1"]
    assert body["unavailable"] == ["compensation"]


def test_the_inbox_needs_a_token_and_mine_pending(gw, bearer):
    assert gw.client.get("/api/v1/approvals?mine=pending").status_code == 401
    response = gw.client.get("/api/v1/approvals", headers=bearer(gw))
    assert response.status_code == 422
