"""Service tests: events become entries in the right people's lists; each sees only their own."""

import uuid

from .flow import lead_assigned, org

URL = "/api/v1/notifications"


def test_a_lead_assigned_reaches_its_new_owner_and_the_previous_one(svc):
    o = org(svc)
    event = svc.event("lead.assigned", lead_assigned(o["rep"], by=o["manager"], previous=o["rep2"]))
    assert svc.deliver(event)
    mine = svc.client.get(URL, headers=o["rep"].headers).json
    assert mine["unread"] == 1
    [entry] = mine["items"]
    assert entry["event_type"] == "lead.assigned" and entry["unread"] is True
    assert entry["title"] == "新线索分配给你"
    assert entry["link"] == f"/leads/{event.data['lead_id']}"
    theirs = svc.client.get(URL, headers=o["rep2"].headers).json
    assert [i["event_type"] for i in theirs["items"]] == ["lead.assigned"]
    # The manager who assigned it is not told about their own act.
    assert svc.client.get(URL, headers=o["manager"].headers).json["items"] == []
    # The same event again (a redelivery) adds nothing.
    assert not svc.deliver(event)
    assert svc.client.get(f"{URL}/unread-count", headers=o["rep"].headers).json == {"unread": 1}


def test_unread_first_then_newest_in_cursor_pages(svc, monkeypatch):
    monkeypatch.setenv("CRM_NOTIFICATIONS_FOLD_SECONDS", "0")
    o = org(svc)
    for _ in range(5):
        svc.deliver(svc.event("lead.assigned", lead_assigned(o["rep"])))
    first = svc.client.get(URL, query_string={"limit": 2}, headers=o["rep"].headers).json
    assert len(first["items"]) == 2 and first["unread"] == 5
    oldest_id = None
    seen = [i["id"] for i in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = svc.client.get(
            URL, query_string={"limit": 2, "cursor": cursor}, headers=o["rep"].headers
        ).json
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
    assert len(seen) == len(set(seen)) == 5
    oldest_id = seen[-1]
    # Reading one sends it behind the unread ones.
    newest = seen[0]
    read = svc.client.post(f"{URL}/{newest}/read", headers=o["rep"].headers)
    assert read.status_code == 200 and read.json["unread"] is False
    listed = [i["id"] for i in svc.client.get(URL, headers=o["rep"].headers).json["items"]]
    assert listed[-1] == newest and listed[-2] == oldest_id
    assert svc.client.post(f"{URL}/read-all", headers=o["rep"].headers).json == {"marked": 4}
    assert svc.client.get(f"{URL}/unread-count", headers=o["rep"].headers).json == {"unread": 0}


def test_nobody_reads_or_marks_another_users_notifications(svc):
    o = org(svc)
    svc.deliver(svc.event("lead.assigned", lead_assigned(o["rep"])))
    [entry] = svc.client.get(URL, headers=o["rep"].headers).json["items"]
    other = svc.client.post(f"{URL}/{entry['id']}/read", headers=o["rep2"].headers)
    assert other.status_code == 404
    admin = svc.client.post(f"{URL}/{entry['id']}/read", headers=o["admin"].headers)
    assert admin.status_code == 404
    assert svc.client.get(f"{URL}/{uuid.uuid4()}/read", headers=o["rep"].headers).status_code in (
        404,
        405,
    )
    assert svc.client.get(URL, headers=o["rep"].headers).json["unread"] == 1


def test_a_flood_folds_into_one_entry_per_recipient(svc):
    o = org(svc)
    for _ in range(30):
        svc.deliver(svc.event("lead.assigned", lead_assigned(o["rep"])))
    listing = svc.client.get(URL, headers=o["rep"].headers).json
    [entry] = listing["items"]
    assert entry["count"] == 30 and entry["title"] == "30 条线索分配"


def test_routes_reach_managers_roles_and_earlier_holders(svc):
    o = org(svc)
    admin = o["admin"]
    changed = svc.client.put(
        f"{URL}/routes/payment.due_soon",
        json={
            "recipients": [
                {"kind": "field", "field": "owner_id"},
                {"kind": "manager", "field": "owner_id", "levels": 1},
                {"kind": "role", "role": "admin"},
            ]
        },
        headers=admin.headers,
    )
    assert changed.status_code == 200, changed.json
    svc.deliver(
        svc.event(
            "payment.due_soon",
            {
                "installment_id": str(uuid.uuid4()),
                "order_id": str(uuid.uuid4()),
                "customer_id": str(uuid.uuid4()),
                "owner_id": str(o["rep"].id),
                "amount": "1000.00",
                "outstanding": "1000.00",
                "currency": "CNY",
                "due_on": "2026-12-06",
                "days_left": 3,
                "reminded_at": "2026-12-03T01:00:00Z",
            },
        )
    )
    for who in ("rep", "manager", "admin"):
        [entry] = svc.client.get(URL, headers=o[who].headers).json["items"]
        assert entry["title"] == "回款将于 2026-12-06 到期"
    assert svc.client.get(URL, headers=o["rep2"].headers).json["items"] == []
    # A claim tells whoever held the customer before it went to the pool.
    customer = str(uuid.uuid4())
    svc.deliver(
        svc.event(
            "customer.recycled",
            {
                "customer_id": customer,
                "previous_owner_id": str(o["rep2"].id),
                "reason": "30 天未跟进",
                "recycled_at": "2026-12-01T00:00:00Z",
            },
        )
    )
    svc.deliver(
        svc.event(
            "customer.claimed",
            {
                "customer_id": customer,
                "owner_id": str(o["rep"].id),
                "claimed_at": "2026-12-02T00:00:00Z",
            },
        )
    )
    titles = [i["title"] for i in svc.client.get(URL, headers=o["rep2"].headers).json["items"]]
    assert "你曾负责的客户已被领取" in titles


def test_bad_routes_are_refused_and_change_nothing(svc):
    o = org(svc)
    before = svc.client.get(f"{URL}/routes", headers=o["admin"].headers).json["items"]
    for bad in (
        [{"kind": "role", "role": "wizard"}],
        [{"kind": "manager", "field": "owner_id", "levels": 0}],
        [{"kind": "users", "user_ids": ["nope"]}],
        [{"kind": "telepathy"}],
        "owner",
    ):
        response = svc.client.put(
            f"{URL}/routes/lead.assigned", json={"recipients": bad}, headers=o["admin"].headers
        )
        assert response.status_code == 422, bad
        assert response.json["errors"][0]["field"] == "recipients"
    assert svc.client.get(f"{URL}/routes", headers=o["admin"].headers).json["items"] == before
    assert (
        svc.client.put(
            f"{URL}/routes/lead.assigned", json={"recipients": []}, headers=o["rep"].headers
        ).status_code
        == 403
    )
    assert (
        svc.client.put(
            f"{URL}/routes/no.such", json={"recipients": []}, headers=o["admin"].headers
        ).status_code
        == 404
    )
