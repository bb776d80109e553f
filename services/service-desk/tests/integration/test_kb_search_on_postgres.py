"""Knowledge-base search on PostgreSQL: the generated tsvector with GIN finds Chinese
and English, follows edits, and hides what the public may not see."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from service_desk.service import SERVICE

pytestmark = pytest.mark.integration


def test_search_on_postgres(harness_factory, pg_database, visible):
    svc = harness_factory(
        SERVICE, database_url=pg_database("desk_kb"), environ={"CRM_CUSTOMERS_URL": visible.url}
    )
    agent = svc.user("service_agent")

    def article(title, body, **fields):
        made = svc.client.post(
            "/api/v1/kb/articles",
            json={"title": title, "body": body, **fields},
            headers=agent.headers,
        ).json
        for state in ("in_review", "published"):
            svc.client.post(
                f"/api/v1/kb/articles/{made['id']}/state",
                json={"state": state},
                headers=agent.headers,
            )
        return made

    jam = article("打印机卡纸怎么办", "先关机, 打开后盖。", visibility="public")
    article("Router reset", "Hold the button.", visibility="public", language="en")
    hidden = article("卡纸内部流程", "二线处理。")
    found = svc.client.get("/api/v1/kb/public/search", query_string={"q": "卡纸"}).json["items"]
    assert [a["id"] for a in found] == [jam["id"]]
    staff = svc.client.get(
        "/api/v1/kb/articles", query_string={"q": "卡纸"}, headers=agent.headers
    ).json["items"]
    assert {a["id"] for a in staff} == {jam["id"], hidden["id"]}
    svc.client.patch(
        f"/api/v1/kb/articles/{jam['id']}", json={"title": "硒鼓更换"}, headers=agent.headers
    )
    moved = svc.client.get("/api/v1/kb/public/search", query_string={"q": "硒鼓"}).json["items"]
    assert [a["id"] for a in moved] == [jam["id"]]
    english = svc.client.get("/api/v1/kb/public/search", query_string={"q": "router"}).json
    assert [a["title"] for a in english["items"]] == ["Router reset"]
    with svc.db.engine.connect() as conn:
        indexes = {
            row[0]
            for row in conn.execute(
                text("SELECT indexname FROM pg_indexes WHERE tablename = 'kb_articles'")
            )
        }
    assert "ix_kb_articles_search" in indexes
