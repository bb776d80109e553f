"""The gateway serves the built web console at ``/`` and keeps the API apart."""

import pytest

PAGE = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


@pytest.fixture
def dist(tmp_path):
    root = tmp_path / "dist"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><title>CRM console</title><div id=app>")
    (root / "assets" / "index-abc123.js").write_text("console.log('shell')")
    (root / "favicon.svg").write_text("<svg/>")
    return root


@pytest.fixture
def console_gw(make_gateway, dist):
    return make_gateway(CRM_LEADS_URL="http://127.0.0.1:9", CRM_CONSOLE_DIR=str(dist))


def test_root_serves_the_shell_revalidated_with_a_csp(console_gw):
    response = console_gw.client.get("/")
    assert response.status_code == 200
    assert b"CRM console" in response.data
    assert response.headers["Cache-Control"] == "no-cache"
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "unsafe-eval" not in csp


def test_hashed_assets_are_immutable(console_gw):
    response = console_gw.client.get("/assets/index-abc123.js")
    assert response.status_code == 200
    assert b"shell" in response.data
    assert "immutable" in response.headers["Cache-Control"]


def test_a_missing_asset_is_404_not_the_shell(console_gw):
    response = console_gw.client.get("/assets/gone-000.js")
    assert response.status_code == 404
    assert b"CRM console" not in response.data


def test_app_routes_fall_back_to_the_shell(console_gw):
    response = console_gw.client.get("/leads/2f1c/detail", headers=PAGE)
    assert response.status_code == 200
    assert b"CRM console" in response.data
    assert response.headers["Cache-Control"] == "no-cache"


def test_root_files_other_than_assets_revalidate(console_gw):
    response = console_gw.client.get("/favicon.svg")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-cache"


def test_no_escape_from_the_console_directory(console_gw, dist):
    (dist.parent / "secret.txt").write_text("top secret")
    response = console_gw.client.get("/../secret.txt")
    assert b"top secret" not in response.data


@pytest.mark.parametrize("path", ["/api/v2/leads", "/api/nothing", "/api"])
def test_unknown_api_paths_stay_json_problems(console_gw, path):
    response = console_gw.client.get(path, headers=PAGE)
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert response.get_json()["status"] == 404


def test_a_json_client_at_a_wrong_url_gets_a_problem(console_gw):
    response = console_gw.client.get("/elsewhere", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("application/problem+json")


def test_the_api_is_unchanged(console_gw, login):
    token = login(console_gw).get_json()["access_token"]
    response = console_gw.client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    assert response.get_json()["username"] == "admin"
    assert console_gw.client.get("/api/v1/auth/me").status_code == 401


def test_without_a_build_root_says_how_to_build(make_gateway, tmp_path):
    gw = make_gateway(CRM_LEADS_URL="http://127.0.0.1:9", CRM_CONSOLE_DIR=str(tmp_path / "none"))
    response = gw.client.get("/")
    assert response.status_code == 200
    assert b"make console" in response.data
    assert b"Node.js 20" in response.data
    assert gw.client.get("/customers", headers=PAGE).status_code == 200
