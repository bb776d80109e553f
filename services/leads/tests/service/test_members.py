"""Members: the copy of the gateway's users, newest event first."""

from __future__ import annotations

import uuid


def test_members_follow_user_events_newest_first(svc):
    admin = svc.user("admin")
    user_id = str(uuid.uuid4())
    older = svc.event(
        "user.created", {"user_id": user_id, "username": "u", "roles": ["rep"], "active": True}
    )
    newer = svc.event(
        "user.updated", {"user_id": user_id, "username": "u", "roles": ["rep"], "active": False}
    )
    svc.deliver(newer)
    svc.deliver(older)  # arrives late: ignored
    members = svc.client.get("/api/v1/assignment-rules/members", headers=admin.headers).json
    assert [m["active"] for m in members["items"]] == [False]
