"""Service tests: automation rules saved by admins, fired by events, run by the worker."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from flask import jsonify, request

from crm_shared.events import AUTOMATION_HEADER

from . import receiver as receivers
from .flow import lead_assigned, org

A = "/api/v1/automations"
N = "/api/v1/notifications"


def remind_owner(**extra: Any) -> dict[str, Any]:
    return {
        "name": "Lead waits",
        "event_type": "lead.assigned",
        "unless": [{"event_type": "lead.qualified", "match": "lead_id"}],
        "actions": [
            {
                "type": "notify",
                "channel": "in_app",
                "recipients": ["owner"],
                "message": "Lead {{ lead_id }} still waits for you.",
            }
        ],
        **extra,
    }


def qualified(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "lead_id": data["lead_id"],
        "name": "张三",
        "owner_id": data["owner_id"],
        "qualified_at": "2026-12-03T03:00:00Z",
    }


def notices(svc, user) -> list[dict[str, Any]]:
    items = svc.client.get(N, headers=user.headers).json["items"]
    return [i for i in items if i["event_type"] == "automation.notice"]


def runs(svc, admin, rule_id) -> list[dict[str, Any]]:
    answer = svc.client.get(f"{A}/{rule_id}/runs", headers=admin.headers)
    assert answer.status_code == 200, answer.json
    return answer.json["items"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"conditions": [{"field": "amount", "op": "gt", "value": 1}]}, "conditions[0].field"),
        ({"conditions": [{"field": "method", "op": "eq", "value": 1, "x": 1}]}, "conditions.0.x"),
        ({"delay": {"hours": -1}}, "delay.hours"),
        ({"actions": [{"type": "explode"}]}, "actions.0.type"),
        (
            {"actions": [{"type": "notify", "channel": "fax", "recipients": ["owner"]}]},
            "actions[0].channel",
        ),
        (
            {"actions": [{"type": "notify", "recipients": ["owner"], "message": "{{ nope }}"}]},
            "actions[0].message",
        ),
        ({"unless": [{"event_type": "lead.qualified", "match": "deal_id"}]}, "unless[0].match"),
        ({"delay": {"business_hours": 2, "calendar": "mars"}}, "delay.calendar"),
        (
            {"actions": [{"type": "call_webhook", "endpoint_id": str(uuid.uuid4())}]},
            "actions[0].endpoint_id",
        ),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_rule_is_a_422_naming_the_field_and_nothing_is_saved(svc, change, field):
    o = org(svc)
    answer = svc.client.post(A, json=remind_owner(**change), headers=o["admin"].headers)
    assert answer.status_code == 422, answer.json
    named = {e["field"] for e in answer.json.get("errors", [])} | {answer.json.get("field", "")}
    assert any(field in n for n in named), answer.json
    assert svc.client.get(A, headers=o["admin"].headers).json["items"] == []


def test_rules_are_admins_only(svc):
    o = org(svc)
    assert svc.client.get(A, headers=o["manager"].headers).status_code == 403
    assert svc.client.post(A, json=remind_owner(), headers=o["rep"].headers).status_code == 403


def test_a_matching_event_notifies_the_owner_unless_the_cancelling_event_comes_first(svc):
    o = org(svc)
    created = svc.client.post(
        A, json=remind_owner(delay={"minutes": 0}), headers=o["admin"].headers
    )
    assert created.status_code == 201, created.json
    rule_id = created.json["id"]
    waiting = lead_assigned(o["rep"], by=o["manager"])
    worked = lead_assigned(o["rep"], by=o["manager"])
    first = svc.event("lead.assigned", waiting)
    svc.deliver(first)
    svc.deliver(svc.event("lead.assigned", worked))
    # The second lead is qualified before the worker comes round: its run is cancelled.
    svc.deliver(svc.event("lead.qualified", qualified(worked)))
    assert svc.run_job("notifications-automations") == {"automation_steps_tried": 1}
    [notice] = notices(svc, o["rep"])
    assert notice["body"] == f"Lead {waiting['lead_id']} still waits for you."
    assert notice["title"] == "Lead waits" and notice["link"] == f"/leads/{waiting['lead_id']}"
    log = {r["trigger_event_id"]: r for r in runs(svc, o["admin"], rule_id)}
    statuses = sorted(r["status"] for r in log.values())
    assert statuses == ["cancelled", "done"]
    cancelled = next(r for r in log.values() if r["status"] == "cancelled")
    assert cancelled["cancelled_by"] is not None
    assert cancelled["steps"][0]["status"] == "cancelled"
    done = next(r for r in log.values() if r["status"] == "done")
    assert done["steps"][0]["answer"] == "told 1 on in_app"
    # Handled again (a redelivery), nothing runs twice.
    svc.deliver(first)
    assert svc.run_job("notifications-automations") == {"automation_steps_tried": 0}


def test_a_delay_holds_the_action_and_a_disabled_rule_stops_its_pending_steps(svc):
    o = org(svc)
    rule_id = svc.client.post(
        A, json=remind_owner(delay={"hours": 2}), headers=o["admin"].headers
    ).json["id"]
    svc.deliver(svc.event("lead.assigned", lead_assigned(o["rep"])))
    [run] = runs(svc, o["admin"], rule_id)
    assert run["status"] == "scheduled" and run["steps"][0]["status"] == "pending"
    assert svc.run_job("notifications-automations") == {"automation_steps_tried": 0}
    patched = svc.client.patch(
        f"{A}/{rule_id}", json={"enabled": False}, headers=o["admin"].headers
    )
    assert patched.status_code == 200 and patched.json["enabled"] is False
    assert notices(svc, o["rep"]) == []


def test_the_managers_reminder_and_loop_protection(svc):
    o = org(svc)
    rule = remind_owner()
    rule["actions"][0]["recipients"] = ["owner_manager"]
    rule_id = svc.client.post(A, json=rule, headers=o["admin"].headers).json["id"]
    # An event this rule's own action caused does not start it again...
    svc.deliver(svc.event("lead.assigned", lead_assigned(o["rep"]), automation=rule_id))
    # ...nor does one at the end of a chain of five other rules.
    chain = ",".join(str(uuid.uuid4()) for _ in range(5))
    svc.deliver(svc.event("lead.assigned", lead_assigned(o["rep"]), automation=chain))
    assert runs(svc, o["admin"], rule_id) == []
    svc.deliver(svc.event("lead.assigned", lead_assigned(o["rep"]), automation=str(uuid.uuid4())))
    svc.run_job("notifications-automations")
    [run] = runs(svc, o["admin"], rule_id)
    assert run["status"] == "done" and len(run["chain"]) == 1
    assert len(notices(svc, o["manager"])) == 1 and notices(svc, o["rep"]) == []


@pytest.fixture
def gateway(stub_service, monkeypatch):
    """A stand-in for the gateway's ``POST /api/v1/tasks``: what it got, what it answers."""
    app, url = stub_service
    state: dict[str, Any] = {"got": [], "status": 201}

    @app.post("/api/v1/tasks")
    def create_task():
        state["got"].append(
            ({k.lower(): v for k, v in request.headers.items()}, request.get_json())
        )
        if state["status"] != 201:
            return jsonify(title="down"), state["status"]
        return jsonify(id=str(uuid.uuid4()), **request.get_json()), 201

    monkeypatch.setenv("CRM_NOTIFICATIONS_GATEWAY_URL", url)
    monkeypatch.setenv("CRM_NOTIFICATIONS_AUTOMATION_RETRY_BASE_SECONDS", "0")
    return state


def test_create_task_calls_the_tasks_api_with_the_service_credential(svc, gateway):
    o = org(svc)
    admin = o["admin"].headers
    rule = {
        "name": "Send the quote",
        "event_type": "opportunity.stage_changed",
        "conditions": [{"field": "to_stage", "op": "eq", "value": "proposal"}],
        "actions": [
            {
                "type": "create_task",
                "assignee": "owner",
                "title": "Send the quote ({{ amount }} {{ currency }})",
                "due_in": {"days": 2},
            }
        ],
    }
    rule_id = svc.client.post(A, json=rule, headers=admin).json["id"]
    stage = {
        "opportunity_id": str(uuid.uuid4()),
        "customer_id": str(uuid.uuid4()),
        "pipeline_id": str(uuid.uuid4()),
        "to_stage_id": str(uuid.uuid4()),
        "to_stage": "proposal",
        "probability": 50,
        "amount": "120000.00",
        "currency": "CNY",
        "owner_id": str(o["rep"].id),
        "changed_at": "2026-12-03T02:00:00Z",
    }
    svc.deliver(svc.event("opportunity.stage_changed", stage))
    # Without a credential the step fails and says why; nothing is called.
    svc.run_job("notifications-automations")
    [run] = runs(svc, o["admin"], rule_id)
    assert run["status"] == "failed" and "credential" in run["steps"][0]["answer"]
    assert gateway["got"] == []
    bad = svc.client.put(f"{A}/credential", json={"api_key": "secret"}, headers=admin)
    assert bad.status_code == 422
    key = "crmk_" + "x" * 40
    put = svc.client.put(f"{A}/credential", json={"api_key": key}, headers=admin)
    assert put.status_code == 200 and put.json["configured"] is True
    assert key not in json.dumps(put.json)
    # Another stage is not a match; the proposal stage again is.
    svc.deliver(svc.event("opportunity.stage_changed", {**stage, "to_stage": "won"}))
    gateway["status"] = 503
    svc.deliver(svc.event("opportunity.stage_changed", stage))
    svc.run_job("notifications-automations")
    retried = runs(svc, o["admin"], rule_id)[0]
    assert retried["status"] == "scheduled" and retried["steps"][0]["attempts"] == 1
    assert retried["steps"][0]["answer"].startswith("HTTP 503")
    gateway["status"] = 201
    svc.run_job("notifications-automations")
    done = runs(svc, o["admin"], rule_id)[0]
    assert done["status"] == "done" and done["steps"][0]["answer"].startswith("task ")
    headers, body = gateway["got"][-1]
    assert headers["x-api-key"] == key
    assert headers[AUTOMATION_HEADER.lower()] == rule_id
    # The retry is the same request: the tasks API's Idempotency-Key makes one task.
    assert headers["idempotency-key"] == gateway["got"][0][0]["idempotency-key"]
    assert body["owner_id"] == str(o["rep"].id)
    assert body["title"] == "Send the quote (120000.00 CNY)"


def test_call_webhook_sends_the_trigger_signed_with_the_chain(svc, monkeypatch):
    monkeypatch.setenv("CRM_NOTIFICATIONS_OUTBOUND_ALLOW", "127.0.0.1/32")
    got = receivers.start()
    try:
        o = org(svc)
        admin = o["admin"].headers
        endpoint = svc.client.post(
            "/api/v1/webhooks",
            json={"url": got.url, "event_types": ["lead.captured"]},
            headers=admin,
        ).json
        rule = remind_owner(actions=[{"type": "call_webhook", "endpoint_id": endpoint["id"]}])
        rule_id = svc.client.post(A, json=rule, headers=admin).json["id"]
        event = svc.event("lead.assigned", lead_assigned(o["rep"]))
        svc.deliver(event)
        svc.run_job("notifications-automations")
        assert svc.run_job("notifications-webhooks") == {"webhooks_tried": 1}
        [(_path, headers, body)] = got.got
        document = json.loads(body)
        assert document["type"] == "lead.assigned" and document["data"] == event.data
        assert document["crmautomation"] == rule_id and document["crmtrigger"] == event.id
        assert headers["webhook-id"] == document["id"] != event.id
    finally:
        got.close()


def test_a_dry_run_tells_what_would_happen_with_real_past_events(svc):
    o = org(svc)
    admin = o["admin"].headers
    rule = remind_owner(
        delay={"hours": 2}, conditions=[{"field": "method", "op": "eq", "value": "manual"}]
    )
    rule_id = svc.client.post(A, json=rule, headers=admin).json["id"]
    svc.client.patch(f"{A}/{rule_id}", json={"enabled": False}, headers=admin)
    matching = lead_assigned(o["rep"])
    other = {**lead_assigned(o["rep"]), "method": "rule"}
    cancelled = lead_assigned(o["rep"])
    for data in (matching, other, cancelled):
        svc.deliver(svc.event("lead.assigned", data))
    svc.deliver(svc.event("lead.qualified", qualified(cancelled)))
    answer = svc.client.post(f"{A}/{rule_id}/dry-run", json={}, headers=admin)
    assert answer.status_code == 200, answer.json
    results = {r["event_type"] + ":" + str(r["matched"]): r for r in answer.json["results"]}
    by_lead = {}
    for result in answer.json["results"]:
        by_lead.setdefault(result["event_type"], []).append(result)
    [hit, miss, stopped] = by_lead["lead.assigned"]
    assert hit["matched"] and hit["cancelled_by"] is None
    assert hit["actions"][0]["recipients"] == [str(o["rep"].id)]
    assert hit["actions"][0]["message"] == f"Lead {matching['lead_id']} still waits for you."
    assert not miss["matched"] and "method" in miss["reason"]
    assert stopped["matched"] and stopped["cancelled_by"] is not None
    assert "lead.qualified:False" in results
    # Nothing ran, nobody was told: a dry run changes nothing.
    assert runs(svc, o["admin"], rule_id) == [] and notices(svc, o["rep"]) == []
    one = svc.client.post(f"{A}/{rule_id}/dry-run", json={"event_id": "nope"}, headers=admin)
    assert one.status_code == 422


def test_the_shipped_templates_are_listed_and_start_a_rule(svc):
    o = org(svc)
    admin = o["admin"].headers
    listed = svc.client.get(f"{A}/templates", headers=admin).json["items"]
    assert {t["key"] for t in listed} == {
        "lead_not_contacted",
        "proposal_send_quote",
        "installment_due_soon",
    }
    made = svc.client.post(A, json={"template_key": "lead_not_contacted"}, headers=admin)
    assert made.status_code == 201, made.json
    assert made.json["delay"] == {"business_hours": 2, "calendar": "default"}
    assert made.json["actions"][1]["recipients"] == ["owner_manager"]
    unknown = svc.client.post(A, json={"template_key": "nope"}, headers=admin)
    assert unknown.status_code == 422


def test_a_trigger_and_its_cancelling_event_in_one_consumer_batch(svc):
    o = org(svc)
    rule_id = svc.client.post(A, json=remind_owner(), headers=o["admin"].headers).json["id"]
    data = lead_assigned(o["rep"])
    # One transaction, as the consumer hands a batch: arrival order still holds.
    svc.deliver_many(
        [svc.event("lead.assigned", data), svc.event("lead.qualified", qualified(data))]
    )
    svc.run_job("notifications-automations")
    [run] = runs(svc, o["admin"], rule_id)
    assert run["status"] == "cancelled" and notices(svc, o["rep"]) == []
