"""Service tests of calendars, SLA policies, clocks on read and the SLA job."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from service_desk.models import StatusChange, Ticket

from .helpers import customer_owned_by, move, open_ticket, reply

WEEK = {
    d: {"hours": [["00:00", "24:00"]]} for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
}


def policy(svc, admin, **fields):
    response = svc.client.post(
        "/api/v1/sla-policies",
        json={
            "name": "Urgent",
            "priority": "urgent",
            "first_response_minutes": 60,
            "next_response_minutes": 120,
            "resolution_minutes": 480,
            "warn_before_minutes": 15,
            **fields,
        },
        headers=admin.headers,
    )
    assert response.status_code == 201, response.json
    return response.json


def clocks(ticket):
    return {c["key"]: c for c in ticket["sla"]["clocks"]}


def test_china_calendar_is_seeded_from_the_holidays_package(svc):
    admin = svc.user("admin")
    response = svc.client.post(
        "/api/v1/tickets/calendars",
        json={
            "name": "上海 2026",
            "country": "CN",
            "years": [2026],
            "definition": {
                "timezone": "Asia/Shanghai",
                "week": {
                    d: {"hours": [["09:00", "12:00"], ["13:30", "18:00"]]}
                    for d in ("mon", "tue", "wed", "thu", "fri")
                },
            },
        },
        headers=admin.headers,
    )
    assert response.status_code == 201, response.json
    definition = response.json["definition"]
    assert "2026-10-01" in definition["holidays"]
    assert "2026-10-10" in definition["extra_workdays"]


@pytest.mark.parametrize(
    ("week", "field"),
    [
        ({"mon": {"hours": [["09:00", "13:00"], ["12:00", "18:00"]]}}, "mon.hours"),
        ({"mon": {"hours": [["09:00", "12:00"]], "breaks": [["12:00", "13:00"]]}}, "mon.breaks"),
    ],
)
def test_bad_calendars_are_422_and_nothing_is_kept(svc, week, field):
    admin = svc.user("admin")
    response = svc.client.post(
        "/api/v1/tickets/calendars",
        json={"name": "bad", "definition": {"timezone": "UTC", "week": week}},
        headers=admin.headers,
    )
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == field
    listed = svc.client.get("/api/v1/tickets/calendars", headers=admin.headers).json
    assert listed["items"] == []


def test_only_admins_edit_policies(svc):
    agent = svc.user("service_agent")
    response = svc.client.post("/api/v1/sla-policies", json={"name": "x"}, headers=agent.headers)
    assert response.status_code == 403


def test_unknown_calendar_on_a_policy_is_422(svc):
    admin = svc.user("admin")
    response = svc.client.post(
        "/api/v1/sla-policies",
        json={"name": "x", "calendar_id": str(uuid.uuid4())},
        headers=admin.headers,
    )
    assert response.status_code == 422 and response.json["errors"][0]["field"] == "calendar_id"


def test_clocks_on_read_follow_replies_and_pauses(svc, visible):
    admin, agent = svc.user("admin"), svc.user("service_agent")
    made = policy(svc, admin)
    ticket = open_ticket(svc, agent, customer_owned_by(svc, visible, svc.user()), priority="urgent")
    assert ticket["sla"]["policy_id"] == made["id"]
    first = clocks(ticket)["first_response"]
    assert first["state"] == "running" and first["target_minutes"] == 60
    opened = datetime.fromisoformat(ticket["opened_at"])
    assert abs(datetime.fromisoformat(first["due_at"]) - (opened + timedelta(hours=1))) < timedelta(
        seconds=1
    )
    reply(svc, agent, ticket["id"])
    shown = move(svc, agent, ticket["id"], "pending")
    assert clocks(shown)["first_response"]["state"] == "met"
    assert clocks(shown)["resolution"]["state"] == "paused"
    # A normal-priority ticket matches no policy: no clocks.
    plain = open_ticket(svc, agent, customer_owned_by(svc, visible, svc.user()))
    assert plain["sla"] == {"policy_id": None, "policy_name": None, "clocks": []}


def backdate(svc, ticket_id, minutes):
    with svc.db.session() as session:
        ticket = session.get(Ticket, uuid.UUID(ticket_id))
        ticket.opened_at -= timedelta(minutes=minutes)
        for change in session.query(StatusChange).filter_by(ticket_id=ticket.id):
            change.at -= timedelta(minutes=minutes)
        session.commit()


def test_the_sla_job_warns_then_breaches_once_per_clock(svc, visible):
    admin, agent = svc.user("admin"), svc.user("service_agent")
    lead = uuid.uuid4()
    policy(svc, admin, escalate_to=[str(lead)], next_response_minutes=None, resolution_minutes=None)
    ticket = open_ticket(svc, agent, customer_owned_by(svc, visible, svc.user()), priority="urgent")
    backdate(svc, ticket["id"], 50)  # 10 minutes left: inside the 15-minute warning
    assert svc.run_job("sla-clocks") == 1
    assert svc.run_job("sla-clocks") == 0
    [warning] = svc.events("ticket.sla_warning")
    assert warning["data"]["clock"] == "first_response"
    backdate(svc, ticket["id"], 20)
    assert svc.run_job("sla-clocks") == 1
    assert svc.run_job("sla-clocks") == 0
    [breach] = svc.events("ticket.sla_breached")
    assert breach["data"]["escalate_to"] == [str(lead)]
    shown = svc.client.get(f"/api/v1/tickets/{ticket['id']}", headers=agent.headers).json
    assert clocks(shown)["first_response"]["state"] == "breached"
    assert clocks(shown)["first_response"]["remaining_minutes"] < 0


def test_a_calendar_edit_changes_every_answer(svc, visible):
    admin, agent = svc.user("admin"), svc.user("service_agent")
    calendar = svc.client.post(
        "/api/v1/tickets/calendars",
        json={"name": "24/7", "definition": {"timezone": "UTC", "week": WEEK}},
        headers=admin.headers,
    ).json
    policy(svc, admin, calendar_id=calendar["id"])
    ticket = open_ticket(svc, agent, customer_owned_by(svc, visible, svc.user()), priority="urgent")
    before = clocks(ticket)["resolution"]["due_at"]
    # Open only tomorrow: the eight hours now end at 08:00 tomorrow, later than before.
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date()
    name = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[tomorrow.weekday()]
    replaced = svc.client.put(
        f"/api/v1/tickets/calendars/{calendar['id']}",
        json={"name": "once", "definition": {"timezone": "UTC", "week": {name: WEEK[name]}}},
        headers=admin.headers,
    )
    assert replaced.status_code == 200
    after = svc.client.get(f"/api/v1/tickets/{ticket['id']}", headers=agent.headers).json
    due = datetime.fromisoformat(clocks(after)["resolution"]["due_at"])
    assert due == datetime.combine(tomorrow, datetime.min.time(), UTC) + timedelta(hours=8)
    assert due > datetime.fromisoformat(before)


def test_a_breach_escalates_to_the_group_lead_then_their_manager(svc, visible):
    admin = svc.user("admin")
    lead, boss = uuid.uuid4(), uuid.uuid4()
    top, desk = uuid.uuid4(), uuid.uuid4()
    # The org tree arrives as the gateway's events (the platform's directory copy).
    for event_type, data in (
        (
            "team.created",
            {"team_id": str(top), "name": "总部", "manager_id": str(boss), "parent_id": None},
        ),
        (
            "team.created",
            {"team_id": str(desk), "name": "售后", "manager_id": str(lead), "parent_id": str(top)},
        ),
        (
            "user.created",
            {
                "user_id": str(lead),
                "username": "lead",
                "roles": ["service_agent"],
                "team_id": str(desk),
                "active": True,
            },
        ),
        (
            "user.created",
            {
                "user_id": str(boss),
                "username": "boss",
                "roles": ["manager"],
                "team_id": str(top),
                "active": True,
            },
        ),
    ):
        assert svc.deliver(svc.event(event_type, data))
    group = svc.client.post(
        "/api/v1/tickets/groups", json={"name": "售后", "lead_id": str(lead)}, headers=admin.headers
    ).json
    svc.client.post(
        "/api/v1/tickets/routing-rules", json={"group_id": group["id"]}, headers=admin.headers
    )
    policy(svc, admin, next_response_minutes=None, resolution_minutes=None)
    ticket = open_ticket(svc, admin, customer_owned_by(svc, visible, svc.user()), priority="urgent")
    assert ticket["group_id"] == group["id"]
    backdate(svc, ticket["id"], 90)
    svc.run_job("sla-clocks")
    [breach] = svc.events("ticket.sla_breached")
    assert breach["data"]["escalate_to"] == [str(lead), str(boss)]


def test_running_figures_are_kept_at_each_event_and_refolded_after_an_edit(svc, visible):
    from service_desk.sla import SlaReader

    admin, agent = svc.user("admin"), svc.user("service_agent")
    calendar = svc.client.post(
        "/api/v1/tickets/calendars",
        json={"name": "24/7", "definition": {"timezone": "UTC", "week": WEEK}},
        headers=admin.headers,
    ).json
    policy(svc, admin, calendar_id=calendar["id"])
    ticket = open_ticket(svc, agent, customer_owned_by(svc, visible, svc.user()), priority="urgent")
    reply(svc, agent, ticket["id"])
    move(svc, agent, ticket["id"], "pending")
    ticket_id = uuid.UUID(ticket["id"])

    def read():
        with svc.db.reading() as session:
            row = session.get(Ticket, ticket_id)
            reader = SlaReader(session)
            now = datetime.now(UTC)
            fast = reader.clocks_for([row], now)[ticket_id][1]
            stale = [t.id for t in reader.stale]
            row.sla_figures = None  # never committed: the same read from the history
            slow = SlaReader(session).clocks_for([row], now)[ticket_id][1]
            return fast, slow, stale

    fast, slow, stale = read()
    assert stale == [] and fast == slow
    assert [(c.key, c.state) for c in fast] == [("first_response", "met"), ("resolution", "paused")]
    # An edited calendar: the figures no longer hold, the history answers, the job refolds.
    svc.client.put(
        f"/api/v1/tickets/calendars/{calendar['id']}",
        json={"name": "weekdays", "definition": {"timezone": "UTC", "week": {"mon": WEEK["mon"]}}},
        headers=admin.headers,
    )
    fast, slow, stale = read()
    assert stale == [ticket_id] and fast == slow
    svc.run_job("sla-clocks")
    fast, slow, stale = read()
    assert stale == [] and fast == slow


def test_the_customers_calendar_then_the_groups_then_the_policys(svc, visible):
    admin, agent = svc.user("admin"), svc.user("service_agent")

    def calendar(name, week):
        made = svc.client.post(
            "/api/v1/tickets/calendars",
            json={"name": name, "definition": {"timezone": "UTC", "week": week}},
            headers=admin.headers,
        )
        assert made.status_code == 201, made.json
        return made.json["id"]

    # Each calendar opens on one day only, so the due date says which one the clock used.
    today = datetime.now(UTC).date()
    days = [today + timedelta(days=n) for n in (1, 2, 3)]
    names = [("mon", "tue", "wed", "thu", "fri", "sat", "sun")[d.weekday()] for d in days]
    policy_cal, group_cal, customer_cal = (
        calendar(f"day {n}", {name: WEEK[name]}) for n, name in enumerate(names, 1)
    )
    policy(svc, admin, calendar_id=policy_cal)
    group = svc.client.post(
        "/api/v1/tickets/groups",
        json={"name": "华南", "calendar_id": group_cal},
        headers=admin.headers,
    ).json
    rule = svc.client.post(
        "/api/v1/tickets/routing-rules",
        json={"group_id": group["id"], "priority": "urgent"},
        headers=admin.headers,
    )
    assert rule.status_code == 201, rule.json
    customer_id = customer_owned_by(svc, visible, svc.user())

    def due_day(ticket_id):
        shown = svc.client.get(f"/api/v1/tickets/{ticket_id}", headers=agent.headers).json
        return datetime.fromisoformat(clocks(shown)["resolution"]["due_at"]).date()

    ticket = open_ticket(svc, agent, customer_id, priority="urgent")
    assert ticket["group_id"] == group["id"]
    assert due_day(ticket["id"]) == days[1]  # the group's calendar, not the policy's
    put = svc.client.put(
        f"/api/v1/tickets/calendars/customers/{customer_id}",
        json={"calendar_id": customer_cal},
        headers=admin.headers,
    )
    assert put.status_code == 204
    assert due_day(ticket["id"]) == days[2]  # the customer's own calendar
    plain = open_ticket(svc, agent, customer_owned_by(svc, visible, svc.user()), priority="urgent")
    assert due_day(plain["id"]) == days[1]


def test_a_ticket_list_reads_policies_and_calendars_once_per_edit(svc, visible):
    """The list loads the SLA settings' revision with its tickets: policies and calendars
    are read again only after an edit — and the edit shows in the very next list."""
    from sqlalchemy import event

    admin, agent = svc.user("admin"), svc.user("service_agent")
    made = policy(svc, admin)
    customer = customer_owned_by(svc, visible, svc.user())
    open_ticket(svc, agent, customer, priority="urgent")
    statements = []
    event.listen(svc.db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))

    def listed():
        statements.clear()
        items = svc.client.get("/api/v1/tickets", headers=agent.headers).json["items"]
        settings = [s for s in statements if "sla_policies" in s or "business_calendars" in s]
        return clocks(items[0])["first_response"]["target_minutes"], settings

    listed()
    target, settings = listed()
    assert target == 60 and settings == []  # nothing edited: kept from the last list
    edited = svc.client.put(
        f"/api/v1/sla-policies/{made['id']}",
        json={
            "name": "Urgent",
            "priority": "urgent",
            "first_response_minutes": 30,
            "next_response_minutes": 120,
            "resolution_minutes": 480,
            "warn_before_minutes": 15,
        },
        headers=admin.headers,
    )
    assert edited.status_code == 200, edited.json
    target, settings = listed()
    assert target == 30 and settings  # read afresh once
    assert listed() == (30, [])
