"""Routing through the gateway to the owning service."""

import time

from flask import jsonify, request


def test_requests_reach_the_owning_service_intact(harness_factory, stub_service, make_gateway):
    app, url = stub_service
    seen = {}

    @app.route("/api/v1/leads/<path:rest>", methods=["POST"])
    def echo(rest):
        seen.update(
            path=request.path,
            query=request.query_string.decode(),
            body=request.get_json(),
            auth=request.headers.get("Authorization"),
            traceparent=request.headers.get("traceparent"),
            forwarded=request.headers.get("X-Forwarded-For"),
        )
        response = jsonify(ok=True)
        response.status_code = 201
        response.headers["Location"] = "/api/v1/leads/1"
        return response

    gw = make_gateway(CRM_LEADS_URL=url)
    response = gw.client.post(
        "/api/v1/leads/a%20b/qualify?x=1&y=two",
        json={"name": "Z"},
        headers={"Authorization": "Bearer abc"},
    )
    assert response.status_code == 201
    assert response.json == {"ok": True}
    assert response.headers["Location"] == "/api/v1/leads/1"
    assert seen["path"] == "/api/v1/leads/a b/qualify"
    assert seen["query"] == "x=1&y=two"
    assert seen["body"] == {"name": "Z"}
    assert seen["auth"] == "Bearer abc"
    assert seen["traceparent"] and seen["traceparent"].startswith("00-")
    assert seen["forwarded"]


def test_a_service_that_is_down_answers_502(gw):
    response = gw.client.get("/api/v1/leads")
    assert response.status_code == 502
    assert response.content_type == "application/problem+json"
    assert response.json["service"] == "leads"


def test_a_slow_service_answers_504(harness_factory, stub_service, make_gateway):
    app, url = stub_service

    @app.get("/api/v1/leads")
    def slow():
        time.sleep(1.5)
        return jsonify(items=[])

    gw = make_gateway(CRM_LEADS_URL=url, CRM_PROXY_READ_TIMEOUT="0.3")
    response = gw.client.get("/api/v1/leads")
    assert response.status_code == 504
    assert response.content_type == "application/problem+json"


def test_unknown_resources_are_404_problems(gw):
    response = gw.client.get("/api/v1/nonsense")
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"


def test_merged_openapi_holds_gateway_and_service_paths(
    harness_factory, stub_service, make_gateway
):
    app, url = stub_service

    @app.get("/openapi.json")
    def spec():
        return jsonify(
            openapi="3.1.0",
            info={"title": "leads", "version": "1"},
            paths={
                "/api/v1/leads": {
                    "get": {
                        "responses": {
                            "200": {
                                "description": "ok",
                                "content": {
                                    "application/json": {
                                        "schema": {"$ref": "#/components/schemas/Problem"}
                                    }
                                },
                            }
                        }
                    }
                }
            },
            components={"schemas": {"Problem": {"type": "object", "title": "different"}}},
        )

    gw = make_gateway(CRM_LEADS_URL=url)
    document = gw.client.get("/api/v1/openapi.json").json
    assert "/api/v1/auth/token" in document["paths"]
    assert "/api/v1/leads" in document["paths"]
    # A clashing schema name is renamed and its references follow.
    ref = document["paths"]["/api/v1/leads"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["schema"]["$ref"]
    assert ref == "#/components/schemas/LeadsProblem"
    assert document["components"]["schemas"]["LeadsProblem"]["title"] == "different"
    assert "leads" not in document["info"]["x-services-missing"]
