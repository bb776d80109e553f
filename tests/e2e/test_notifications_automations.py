"""Automation rules through the gateway, every service a real process on PostgreSQL and RabbitMQ.

An admin gives the notifications service a credential (an API key for the
tasks API) and saves a rule: "a lead assigned and not disqualified within
45 seconds: remind the owner and give them a task". Of two leads assigned
to a rep, one is disqualified in time: only the other reminds the rep and
becomes a task in the customers service; the run log and a dry run say so.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from .conftest import ADMIN_PASSWORD, System, _running, eventually

pytestmark = pytest.mark.e2e
A = "/api/v1/automations"


@pytest.fixture(scope="module")
def rules_system(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[System]:
    extra = {"CRM_WEB_DB_POOL_SIZE": "1", "CRM_WORKER_DB_POOL_SIZE": "1"}
    yield from _running(request, tmp_path_factory, "processes", offset=800, extra=extra)


def _people(system: System, admin: str) -> dict[str, dict[str, str]]:
    suffix = uuid.uuid4().hex[:6]
    team = system.call("POST", "/api/v1/teams", admin, json={"name": f"自动化 {suffix}"})
    assert team.status_code == 201, team.text
    people: dict[str, dict[str, str]] = {}
    for name, roles in (("manager", ["manager"]), ("rep", ["rep"])):
        username = f"{name}-{suffix}"
        created = system.call(
            "POST",
            "/api/v1/users",
            admin,
            json={
                "username": username,
                "password": "a-long-password",
                "roles": roles,
                "team_id": team.json()["id"],
                "email": f"{username}@example.com",
            },
        )
        assert created.status_code == 201, created.text
        people[name] = {
            "token": system.token(username, "a-long-password"),
            "id": created.json()["id"],
        }
    return people


def _assigned_lead(system: System, manager: str, owner_id: str, name: str) -> str:
    lead = system.call("POST", "/api/v1/leads", manager, json={"name": name, "source": "web"})
    assert lead.status_code == 201, lead.text
    lead_id = lead.json()["id"]

    def assigned() -> bool:
        answer = system.call(
            "POST",
            f"/api/v1/leads/{lead_id}/assign",
            manager,
            json={"owner_id": owner_id, "reason": "华东区域"},
        )
        return answer.status_code == 200

    eventually(assigned, timeout=60)
    return str(lead_id)


def test_a_rule_reminds_and_makes_a_task_unless_cancelled_in_time(rules_system: System) -> None:
    system = rules_system
    admin = system.token("admin", ADMIN_PASSWORD)
    people = _people(system, admin)
    manager, rep = people["manager"], people["rep"]

    # The service credential: an API key of the gateway's for the tasks API.
    key = system.call(
        "POST",
        "/api/v1/api-keys",
        admin,
        json={"name": "automations", "role": "admin", "resources": ["tasks"]},
    )
    assert key.status_code == 201, key.text
    put = system.call("PUT", f"{A}/credential", admin, json={"api_key": key.json()["key"]})
    assert put.status_code == 200 and put.json()["configured"] is True, put.text

    rule: dict[str, Any] = {
        "name": "线索未跟进",
        "event_type": "lead.assigned",
        "delay": {"minutes": 0.75},
        "unless": [{"event_type": "lead.disqualified", "match": "lead_id"}],
        "actions": [
            {
                "type": "notify",
                "channel": "in_app",
                "recipients": ["owner"],
                "message": "线索 {{ lead_id }} 还在等你跟进",
            },
            {
                "type": "create_task",
                "assignee": "owner",
                "title": "回访线索 {{ lead_id }}",
                "due_in": {"hours": 4},
            },
        ],
    }
    bad = system.call("POST", A, admin, json={**rule, "delay": {"minutes": -1}})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "delay.minutes"
    assert system.call("POST", A, rep["token"], json=rule).status_code == 403
    created = system.call("POST", A, admin, json=rule)
    assert created.status_code == 201, created.text
    rule_id = created.json()["id"]

    waiting = _assigned_lead(system, manager["token"], rep["id"], "自动化线索甲")
    dropped = _assigned_lead(system, manager["token"], rep["id"], "自动化线索乙")
    gone = system.call(
        "POST", f"/api/v1/leads/{dropped}/disqualify", manager["token"], json={"reason": "重复"}
    )
    assert gone.status_code == 200, gone.text

    def runs() -> dict[str, dict[str, Any]]:
        answer = system.call("GET", f"{A}/{rule_id}/runs", admin)
        assert answer.status_code == 200, answer.text
        return {r["status"]: r for r in answer.json()["items"]}

    def finished() -> dict[str, dict[str, Any]] | None:
        found = runs()
        return found if {"done", "cancelled"} <= set(found) else None

    log = eventually(finished, timeout=420)  # a 45 s delay, then the job's rounds under CI load
    assert [s["status"] for s in log["done"]["steps"]] == ["done", "done"]
    assert log["cancelled"]["cancelled_by"] is not None
    assert {s["status"] for s in log["cancelled"]["steps"]} == {"cancelled"}

    notices = [
        n
        for n in system.call("GET", "/api/v1/notifications", rep["token"]).json()["items"]
        if n["event_type"] == "automation.notice"
    ]
    assert [n["body"] for n in notices] == [f"线索 {waiting} 还在等你跟进"]

    tasks = system.call("GET", "/api/v1/tasks", rep["token"]).json()["items"]
    titles = [t["title"] for t in tasks]
    assert f"回访线索 {waiting}" in titles and f"回访线索 {dropped}" not in titles

    # The dry run over the same real events tells the same story, changing nothing.
    trigger = log["cancelled"]["trigger_event_id"]
    dry = system.call("POST", f"{A}/{rule_id}/dry-run", admin, json={"event_id": trigger})
    assert dry.status_code == 200, dry.text
    [result] = dry.json()["results"]
    assert result["matched"] is True and result["cancelled_by"] == log["cancelled"]["cancelled_by"]
    assert len(runs()) == 2
