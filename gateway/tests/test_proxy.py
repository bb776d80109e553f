"""Routing through the gateway to the owning service."""

import time

from flask import jsonify, request


def test_requests_reach_the_owning_service_intact(routed_gateway):
    app = routed_gateway.app
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

    gw = routed_gateway()
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


def test_a_service_that_is_down_answers_502(routed_gateway):
    gw = routed_gateway()
    assert gw.client.get("/readyz").status_code == 200  # the table now knows leads
    gw.app.extensions["crm.routes"].upstreams["leads"].url = "http://127.0.0.1:9"
    response = gw.client.get("/api/v1/leads")
    assert response.status_code == 502
    assert response.content_type == "application/problem+json"
    assert response.json["service"] == "leads"


def test_a_service_that_never_answered_is_a_502_naming_it(make_gateway):
    gw = make_gateway(CRM_LEADS_URL="http://127.0.0.1:9", CRM_PROXY_RETRY_SECONDS="0")
    response = gw.client.get("/api/v1/leads")
    assert response.status_code == 502
    assert response.content_type == "application/problem+json"
    assert "leads" in response.json["services"]


def test_a_slow_service_answers_504(routed_gateway):
    app = routed_gateway.app

    @app.get("/api/v1/leads")
    def slow():
        time.sleep(1.5)
        return jsonify(items=[])

    gw = routed_gateway(CRM_PROXY_READ_TIMEOUT="0.3")
    response = gw.client.get("/api/v1/leads")
    assert response.status_code == 504
    assert response.content_type == "application/problem+json"


def test_unknown_resources_are_404_problems(routed_gateway):
    gw = routed_gateway()
    for path in ("/api/v1/nonsense", "/api/v1/campaigns", "/api/v1/users/x/y", "/elsewhere"):
        response = gw.client.get(path)
        assert response.status_code == 404, path
        assert response.content_type == "application/problem+json"
        assert response.json["status"] == 404


def test_the_table_follows_what_services_declare(routed_gateway):
    app = routed_gateway.app

    @app.get("/api/v1/campaigns")
    def campaigns():
        return jsonify(items=[])

    gw = routed_gateway(CRM_GATEWAY_ROUTES_TTL="0.1")
    assert gw.client.get("/api/v1/campaigns").status_code == 404
    routed_gateway.declared["leads"] = ["leads", "campaigns"]
    time.sleep(0.2)
    assert gw.client.get("/api/v1/campaigns").json == {"items": []}
    routed_gateway.declared["leads"] = ["leads"]
    time.sleep(0.2)
    assert gw.client.get("/api/v1/campaigns").status_code == 404


def test_a_new_service_routes_by_declaring_resources(routed_gateway):
    app = routed_gateway.app
    routed_gateway.declared["orders"] = ["notifications"]

    @app.get("/orders/api/v1/notifications")
    def notifications():
        return jsonify(items=["hello"])

    gw = routed_gateway()
    assert gw.client.get("/api/v1/notifications").json == {"items": ["hello"]}


def test_paths_outside_the_api_never_reach_a_service(routed_gateway):
    app = routed_gateway.app
    reached = []

    @app.get("/healthz")
    def service_health():
        reached.append(request.path)
        return jsonify(status="ok", service="leads")

    @app.get("/api/v1/leads/<path:rest>")
    def lead_paths(rest):
        reached.append(request.path)
        return jsonify(rest=rest)

    gw = routed_gateway()
    for path in (
        "/api/v1/leads/..%2f..%2fhealthz",
        "/api/v1/leads/..%2F..%2Fhealthz",
        "/api/v1/leads/%2e%2e/%2e%2e/healthz",
        "/api/v1/leads/../../healthz",
        "/api/v1/leads/./x",
        "/api/v1/leads//x",
        "/api/v1/leads/a%5c..%5chealthz",
    ):
        response = gw.client.get(path)
        assert response.status_code == 400, path
        assert response.content_type == "application/problem+json"
    assert reached == []
    assert gw.client.get("/api/v1/leads/a.b/c").json == {"rest": "a.b/c"}


def test_werkzeug_errors_are_problems(routed_gateway):
    gw = routed_gateway()
    wrong_method = gw.client.delete("/.well-known/jwks.json")
    assert wrong_method.status_code == 405
    assert wrong_method.content_type == "application/problem+json"
    assert "Allow" in wrong_method.headers
    too_long = gw.client.get("/api/v1/leads?q=" + "x" * 9000)
    assert too_long.status_code == 414
    assert too_long.content_type == "application/problem+json"
    big_headers = gw.client.get("/api/v1/leads", headers={"X-Big": "y" * 40000})
    assert big_headers.status_code == 431
    assert big_headers.content_type == "application/problem+json"


def test_merged_openapi_holds_gateway_and_service_paths(routed_gateway):
    app = routed_gateway.app

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

    gw = routed_gateway()
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


def test_a_large_body_needs_a_valid_token_before_it_is_read(routed_gateway, bearer):
    app = routed_gateway.app
    sizes = []

    @app.post("/api/v1/leads/imports")
    def take():
        sizes.append(len(request.get_data()))
        return jsonify(size=sizes[-1]), 202

    gw = routed_gateway()
    big = b"x" * (200 * 1024)
    anonymous = gw.client.post("/api/v1/leads/imports", data=big)
    assert anonymous.status_code == 401
    assert anonymous.content_type == "application/problem+json"
    forged = gw.client.post(
        "/api/v1/leads/imports", data=big, headers={"Authorization": "Bearer forged"}
    )
    assert forged.status_code == 401
    assert sizes == []
    signed_in = gw.client.post("/api/v1/leads/imports", data=big, headers=bearer(gw))
    assert signed_in.status_code == 202
    assert signed_in.json == {"size": len(big)}
    small = gw.client.post("/api/v1/leads/imports", data=b"x" * 100)
    assert small.status_code == 202  # small public bodies pass: the service decides


def test_services_hear_only_the_address_the_gateway_settled_on(routed_gateway, monkeypatch):
    app = routed_gateway.app
    seen = []

    @app.get("/api/v1/leads")
    def leads():
        seen.append(request.headers.get("X-Forwarded-For"))
        return jsonify(items=[])

    routed_gateway().client.get("/api/v1/leads", headers={"X-Forwarded-For": "203.0.113.9"})
    monkeypatch.setenv("CRM_TRUSTED_PROXIES", "127.0.0.0/8")  # a proxy in front of it
    trusting = routed_gateway()
    trusting.client.get("/api/v1/leads", headers={"X-Forwarded-For": "203.0.113.9"})
    assert seen == ["127.0.0.1", "203.0.113.9"]


def test_a_refused_connection_is_retried_until_the_service_is_back(routed_gateway):
    import socket
    import threading

    from werkzeug.serving import make_server

    app = routed_gateway.app

    @app.get("/api/v1/leads")
    def leads():
        return jsonify(items=["back"])

    gw = routed_gateway(CRM_PROXY_RETRY_SECONDS="5")
    assert gw.client.get("/readyz").status_code == 200
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    gw.app.extensions["crm.routes"].upstreams["leads"].url = f"http://127.0.0.1:{port}"

    def start_later():
        time.sleep(0.8)
        server = make_server("127.0.0.1", port, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        started.append(server)

    started: list = []
    threading.Thread(target=start_later, daemon=True).start()
    response = gw.client.get("/api/v1/leads")
    assert response.status_code == 200
    assert response.json == {"items": ["back"]}
    started[0].shutdown()


def test_form_and_multipart_bodies_reach_the_service_whole(routed_gateway):
    app = routed_gateway.app

    @app.post("/api/v1/leads/form")
    def form():
        files = {k: f.read().decode() for k, f in request.files.items()}
        return jsonify(form=request.form.to_dict(), files=files)

    gw = routed_gateway()
    posted = gw.client.post("/api/v1/leads/form", data={"name": "张三", "email": "z@example.cn"})
    assert posted.json["form"] == {"name": "张三", "email": "z@example.cn"}
    import io

    uploaded = gw.client.post(
        "/api/v1/leads/form",
        data={"assign": "false", "file": (io.BytesIO(b"a,b\n1,2\n"), "x.csv", "text/csv")},
        content_type="multipart/form-data",
    )
    assert uploaded.json == {"form": {"assign": "false"}, "files": {"file": "a,b\n1,2\n"}}
