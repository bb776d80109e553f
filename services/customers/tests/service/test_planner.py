"""Service tests of tasks, the calendar, its iCalendar feed and reminders."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from ..conftest import create, introduce


def iso(when: datetime) -> str:
    return when.isoformat()


def test_tasks_with_priority_due_reminder_and_completion(svc):
    rep = svc.user()
    customer = create(svc, rep)
    due = datetime(2030, 3, 4, 10, 0, tzinfo=UTC)
    created = svc.client.post(
        "/api/v1/tasks",
        json={
            "title": "Send the quote",
            "priority": "high",
            "due_at": iso(due),
            "remind_minutes_before": 60,
            "customer_id": customer["id"],
        },
        headers=rep.headers,
    )
    assert created.status_code == 201, created.json
    task = created.json
    assert task["remind_at"].startswith("2030-03-04T09:00")
    moved = svc.client.patch(
        f"/api/v1/tasks/{task['id']}",
        json={"due_at": iso(due + timedelta(days=1))},
        headers=rep.headers,
    ).json
    assert moved["remind_at"].startswith("2030-03-05T09:00")  # the lead time is kept
    done = svc.client.post(f"/api/v1/tasks/{task['id']}/complete", headers=rep.headers).json
    assert done["completed_at"]
    assert svc.client.get("/api/v1/tasks", headers=rep.headers).json["items"] == []
    assert (
        len(
            svc.client.get(
                "/api/v1/tasks", query_string={"status": "done"}, headers=rep.headers
            ).json["items"]
        )
        == 1
    )
    reopened = svc.client.post(f"/api/v1/tasks/{task['id']}/reopen", headers=rep.headers).json
    assert reopened["completed_at"] is None
    bad = svc.client.post(
        "/api/v1/tasks",
        json={"title": "", "due_at": "2030-01-01T00:00:00", "priority": "asap"},
        headers=rep.headers,
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json["errors"]} == {"title", "due_at", "priority"}
    late = svc.client.post(
        "/api/v1/tasks",
        json={"title": "x", "due_at": iso(due), "remind_at": iso(due + timedelta(hours=1))},
        headers=rep.headers,
    )
    assert late.status_code == 422 and late.json["errors"][0]["field"] == "remind_at"
    assert svc.client.delete(f"/api/v1/tasks/{task['id']}", headers=rep.headers).status_code == 204


def test_managers_plan_for_their_team_only(svc):
    team = uuid.uuid4()
    manager, rep, stranger = svc.user("manager", team_id=team), svc.user(team_id=team), svc.user()
    introduce(svc, rep, stranger)
    due = iso(datetime(2030, 1, 1, 9, tzinfo=UTC))
    ok = svc.client.post(
        "/api/v1/tasks",
        json={"title": "Call", "due_at": due, "owner_id": str(rep.id)},
        headers=manager.headers,
    )
    assert ok.status_code == 201 and ok.json["owner_id"] == str(rep.id)
    assert svc.client.get(f"/api/v1/tasks/{ok.json['id']}", headers=rep.headers).status_code == 200
    refused = svc.client.post(
        "/api/v1/tasks",
        json={"title": "Call", "due_at": due, "owner_id": str(stranger.id)},
        headers=manager.headers,
    )
    assert refused.status_code == 422
    by_rep = svc.client.post(
        "/api/v1/tasks",
        json={"title": "Call", "due_at": due, "owner_id": str(stranger.id)},
        headers=rep.headers,
    )
    assert by_rep.status_code == 422
    assert (
        svc.client.get(f"/api/v1/tasks/{ok.json['id']}", headers=stranger.headers).status_code
        == 404
    )


def test_calendar_day_week_and_month_views(svc):
    rep = svc.user()
    customer = create(svc, rep, name="Analytical Engines")
    for day, title in ((2, "Mon call"), (4, "Wed demo"), (20, "Late month")):
        svc.client.post(
            "/api/v1/tasks",
            json={
                "title": title,
                "due_at": iso(datetime(2030, 9, day, 10, tzinfo=UTC)),
                "customer_id": customer["id"],
            },
            headers=rep.headers,
        )
    # 2030-09-02 is a Monday.
    day = svc.client.get(
        "/api/v1/calendar", query_string={"view": "day", "date": "2030-09-02"}, headers=rep.headers
    ).json
    assert [i["title"] for i in day["items"]] == ["Mon call (Analytical Engines)"]
    week = svc.client.get(
        "/api/v1/calendar", query_string={"view": "week", "date": "2030-09-04"}, headers=rep.headers
    ).json
    assert len(week["items"]) == 2 and week["from"].startswith("2030-09-02")
    month = svc.client.get(
        "/api/v1/calendar",
        query_string={"view": "month", "date": "2030-09-15"},
        headers=rep.headers,
    ).json
    assert len(month["items"]) == 3
    ranged = svc.client.get(
        "/api/v1/calendar",
        query_string={"from": "2030-09-03T00:00:00Z", "to": "2030-09-21T00:00:00Z"},
        headers=rep.headers,
    ).json
    assert [i["title"][:4] for i in ranged["items"]] == ["Wed ", "Late"]
    tokyo = svc.client.get(
        "/api/v1/calendar",
        query_string={"view": "day", "date": "2030-09-02", "tz": "Asia/Tokyo"},
        headers=rep.headers,
    ).json
    assert tokyo["from"].startswith("2030-09-01T15:00")
    for query, field in (
        ({"from": "2030-09-03T00:00:00Z"}, "to"),
        ({"view": "year"}, "view"),
        ({"view": "day", "tz": "Mars/Olympus"}, "tz"),
        ({"from": "2030-01-01T00:00:00Z", "to": "2030-06-01T00:00:00Z"}, "to"),
        ({}, "from"),
    ):
        bad = svc.client.get("/api/v1/calendar", query_string=query, headers=rep.headers)
        assert bad.status_code == 422, query
        assert bad.json["errors"][0]["field"] == field, (query, bad.json)


def test_ics_feed_needs_no_token_and_can_be_revoked(svc):
    rep, other = svc.user(), svc.user()
    soon = datetime.now(UTC) + timedelta(days=1)
    svc.client.post(
        "/api/v1/tasks",
        json={
            "title": "Call Ada",
            "due_at": iso(soon),
            "remind_minutes_before": 15,
            "priority": "urgent",
        },
        headers=rep.headers,
    )
    svc.client.post(
        "/api/v1/tasks", json={"title": "Not mine", "due_at": iso(soon)}, headers=other.headers
    )
    assert svc.client.get("/api/v1/calendar/feed", headers=rep.headers).status_code == 404
    feed = svc.client.post("/api/v1/calendar/feed", headers=rep.headers)
    assert feed.status_code == 201 and feed.json["url"].endswith(".ics")
    body = svc.client.get(feed.json["path"])  # no Authorization header
    assert body.status_code == 200 and body.mimetype == "text/calendar"
    calendar = Calendar.from_ical(body.data)
    [event] = calendar.walk("VEVENT")
    assert str(event["summary"]) == "Call Ada" and event["priority"] == 1
    assert event.walk("VALARM")
    assert svc.client.get("/api/v1/calendar/feed", headers=rep.headers).json["path"] is None
    rotated = svc.client.post("/api/v1/calendar/feed", headers=rep.headers).json
    assert svc.client.get(feed.json["path"]).status_code == 404
    assert svc.client.get(rotated["path"]).status_code == 200
    assert svc.client.delete("/api/v1/calendar/feed", headers=rep.headers).status_code == 204
    assert svc.client.get(rotated["path"]).status_code == 404
    assert svc.client.get("/api/v1/calendar/feeds/guess.ics").status_code == 404


def test_due_reminders_are_published_once_each(svc):
    rep = svc.user()
    customer = create(svc, rep)
    now = datetime.now(UTC)
    svc.client.post(
        "/api/v1/tasks",
        json={
            "title": "Due soon",
            "due_at": iso(now + timedelta(minutes=5)),
            "remind_minutes_before": 30,
            "customer_id": customer["id"],
        },
        headers=rep.headers,
    )
    svc.client.post(
        "/api/v1/tasks",
        json={
            "title": "Later",
            "due_at": iso(now + timedelta(days=2)),
            "remind_minutes_before": 30,
        },
        headers=rep.headers,
    )
    done = svc.client.post(
        "/api/v1/tasks",
        json={
            "title": "Done already",
            "due_at": iso(now + timedelta(minutes=5)),
            "remind_minutes_before": 30,
        },
        headers=rep.headers,
    ).json
    svc.client.post(f"/api/v1/tasks/{done['id']}/complete", headers=rep.headers)
    assert svc.run_job("reminders") == 1
    assert svc.run_job("reminders") == 0
    [event] = svc.events("task.reminder_due")
    assert event["data"]["title"] == "Due soon" and event["data"]["owner_id"] == str(rep.id)
    assert event["data"]["customer_name"] == customer["name"]
    # Moving a task re-arms its reminder.
    [task] = [
        t
        for t in svc.client.get("/api/v1/tasks", headers=rep.headers).json["items"]
        if t["title"] == "Due soon"
    ]
    assert task["reminded_at"]
    svc.client.patch(
        f"/api/v1/tasks/{task['id']}",
        json={"due_at": iso(now + timedelta(minutes=10))},
        headers=rep.headers,
    )
    assert svc.run_job("reminders") == 1
