"""Service tests of the knowledge base on SQLite FTS5 (PostgreSQL in integration)."""

from datetime import UTC, datetime, timedelta

from .helpers import customer_owned_by, open_ticket


def article(svc, agent, title, body, **fields):
    response = svc.client.post(
        "/api/v1/kb/articles", json={"title": title, "body": body, **fields}, headers=agent.headers
    )
    assert response.status_code == 201, response.json
    return response.json


def publish(svc, agent, article_id):
    for state in ("in_review", "published"):
        moved = svc.client.post(
            f"/api/v1/kb/articles/{article_id}/state", json={"state": state}, headers=agent.headers
        )
        assert moved.status_code == 200, moved.json


def test_chinese_search_states_and_visibility(svc):
    agent = svc.user("service_agent")
    jam = article(svc, agent, "打印机卡纸怎么办", "先关机, 打开后盖取出纸张。", visibility="public")
    internal = article(svc, agent, "卡纸的内部处理流程", "升级到二线。")
    article(svc, agent, "Reset the router", "Hold the reset button for 10 seconds.", language="en")
    publish(svc, agent, jam["id"])
    publish(svc, agent, internal["id"])
    staff = svc.client.get("/api/v1/kb/articles", query_string={"q": "卡纸"}, headers=agent.headers)
    assert {a["id"] for a in staff.json["items"]} == {jam["id"], internal["id"]}
    public = svc.client.get("/api/v1/kb/public/search", query_string={"q": "打印机 卡纸"})
    assert public.status_code == 200
    assert [a["id"] for a in public.json["items"]] == [jam["id"]]
    assert "state" not in public.json["items"][0]
    english = svc.client.get(
        "/api/v1/kb/articles", query_string={"q": "router"}, headers=agent.headers
    )
    assert [a["title"] for a in english.json["items"]] == ["Reset the router"]
    refused = svc.client.post(
        f"/api/v1/kb/articles/{jam['id']}/state", json={"state": "in_review"}, headers=agent.headers
    )
    assert refused.status_code == 409
    empty = svc.client.get("/api/v1/kb/public/search", query_string={"q": "!!!"})
    assert empty.status_code == 422


def test_versions_feedback_and_unpublished_articles_stay_hidden(svc):
    agent = svc.user("service_agent")
    made = article(svc, agent, "退货流程", "七天无理由退货。", visibility="public")
    assert svc.client.get(f"/api/v1/kb/public/articles/{made['id']}").status_code == 404
    edited = svc.client.patch(
        f"/api/v1/kb/articles/{made['id']}",
        json={"body": "十五天无理由退货。"},
        headers=agent.headers,
    )
    assert edited.json["version"] == 2
    versions = svc.client.get(f"/api/v1/kb/articles/{made['id']}/versions", headers=agent.headers)
    assert [v["body"] for v in versions.json["items"]] == ["十五天无理由退货。", "七天无理由退货。"]
    old = svc.client.get("/api/v1/kb/articles", query_string={"q": "七天"}, headers=agent.headers)
    assert old.json["items"] == []  # the index follows the current text
    publish(svc, agent, made["id"])
    url = f"/api/v1/kb/public/articles/{made['id']}/feedback"
    assert svc.client.post(url, json={"helpful": True}).status_code == 204
    assert svc.client.post(url, json={"helpful": False}).status_code == 204
    shown = svc.client.get(f"/api/v1/kb/articles/{made['id']}", headers=agent.headers).json
    assert (shown["helpful"], shown["not_helpful"]) == (1, 1)
    rep = svc.user()
    assert (
        svc.client.post(
            "/api/v1/kb/articles", json={"title": "x", "body": "y"}, headers=rep.headers
        ).status_code
        == 403
    )


def test_suggestions_links_and_deflection(svc, visible):
    agent = svc.user("service_agent")
    jam = article(svc, agent, "打印机卡纸怎么办", "取出纸张。", visibility="public")
    publish(svc, agent, jam["id"])
    ticket = open_ticket(svc, agent, customer_owned_by(svc, visible, svc.user()))
    suggested = svc.client.get(
        f"/api/v1/tickets/{ticket['id']}/suggested-articles", headers=agent.headers
    )
    assert [a["id"] for a in suggested.json["items"]] == [jam["id"]]
    linked = svc.client.post(
        f"/api/v1/tickets/{ticket['id']}/articles",
        json={"article_id": jam["id"]},
        headers=agent.headers,
    )
    assert linked.status_code == 200 and [a["id"] for a in linked.json["items"]] == [jam["id"]]
    for visitor in ("a@example.cn", "b@example.cn"):
        svc.client.get("/api/v1/kb/public/search", query_string={"q": "卡纸", "visitor": visitor})
    # b opens a ticket by email within the day: not deflected.
    from service_desk.models import Ticket

    with svc.db.session() as session:
        row = session.get(Ticket, __import__("uuid").UUID(ticket["id"]))
        row.requester_email = "b@example.cn"
        row.opened_at = datetime.now(UTC) + timedelta(minutes=5)
        session.commit()
    now = datetime.now(UTC)
    figure = svc.client.get(
        "/api/v1/kb/deflection",
        query_string={
            "since": (now - timedelta(hours=1)).isoformat(),
            "until": (now + timedelta(hours=1)).isoformat(),
        },
        headers=agent.headers,
    ).json
    assert (figure["searches"], figure["deflected"], figure["rate"]) == (2, 1, 0.5)


def test_public_search_is_rate_limited(harness_factory, visible):
    from service_desk.service import SERVICE

    svc = harness_factory(
        SERVICE,
        environ={"CRM_CUSTOMERS_URL": visible.url, "CRM_SERVICE_DESK_KB_PUBLIC_PER_MINUTE": "3"},
    )
    codes = [
        svc.client.get("/api/v1/kb/public/search", query_string={"q": "卡纸"}).status_code
        for _ in range(4)
    ]
    assert codes == [200, 200, 200, 429]
