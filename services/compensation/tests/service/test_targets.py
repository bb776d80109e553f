"""Service tests: targets allocated, declared, adjusted, approved and locked."""

import uuid

from .flow import approve_all, org

URL = "/api/v1/compensation/targets"


def declaration(period="2026-03", target="100000.00", **extra):
    return {
        "period": period,
        "metric": "collected_amount",
        "currency": "CNY",
        "target": target,
        "stretch": "120000.00",
        "challenge": "150000.00",
        "comment": "我能做到",
        **extra,
    }


def test_declare_adjust_approve_and_lock(svc):
    o = org(svc)
    made = svc.client.post(f"{URL}/declarations", json=declaration(), headers=o["rep"].headers)
    assert made.status_code == 201, made.json
    target = made.json
    assert target["status"] == "declared" and target["approval_id"]
    # The manager sees it waiting in their inbox, and adjusts it before approving.
    inbox = svc.client.get(
        "/api/v1/compensation/approvals",
        query_string={"mine": "pending"},
        headers=o["manager"].headers,
    )
    assert [i["document_id"] for i in inbox.json["items"]] == [target["id"]]
    other = svc.client.post(
        f"{URL}/{target['id']}/adjust",
        json={"target": "1.00", "reason": "x"},
        headers=o["rep2"].headers,
    )
    assert other.status_code in (403, 404)
    adjusted = svc.client.post(
        f"{URL}/{target['id']}/adjust",
        json={
            "target": "110000.00",
            "stretch": "130000.00",
            "challenge": "160000.00",
            "reason": "区域潜力更大",
        },
        headers=o["manager"].headers,
    )
    assert adjusted.status_code == 200, adjusted.json
    assert adjusted.json["declared"]["target"] == "100000.00"
    approve_all(svc, o["manager"], "target", target["id"])
    got = svc.client.get(f"{URL}/{target['id']}", headers=o["rep"].headers).json
    assert got["status"] == "approved" and got["target"] == "110000.00"
    assert got["adjustment_reason"] == "区域潜力更大"
    assert [e["data"]["target"] for e in svc.events("target.approved")] == ["110000.00"]
    # Locked: the manager cannot allocate over it.
    again = svc.client.post(
        URL,
        json={
            **declaration(),
            "subject_kind": "user",
            "subject_id": str(o["rep"].id),
            "comment": None,
        },
        headers=o["manager"].headers,
    )
    assert again.status_code == 409


def test_nobody_declares_for_someone_else(svc):
    o = org(svc)
    response = svc.client.post(
        f"{URL}/declarations",
        json=declaration(subject_id=str(o["rep2"].id)),
        headers=o["rep"].headers,
    )
    assert response.status_code == 403
    assert (
        svc.client.get(URL, query_string={"period": "2026-03"}, headers=o["admin"].headers).json[
            "items"
        ]
        == []
    )


def test_bad_levels_name_the_field_and_change_nothing(svc):
    o = org(svc)
    response = svc.client.post(
        f"{URL}/declarations", json=declaration(stretch="1.00"), headers=o["rep"].headers
    )
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "stretch"
    bad_period = svc.client.post(
        f"{URL}/declarations", json=declaration(period="2026-13"), headers=o["rep"].headers
    )
    assert bad_period.status_code == 422 and bad_period.json["errors"][0]["field"] == "period"


def test_team_overview_shows_the_gap(svc):
    o = org(svc)
    team = str(o["team"])
    base = {"period": "2026-Q2", "metric": "won_amount", "currency": "CNY"}
    assert (
        svc.client.post(
            URL,
            json={**base, "subject_kind": "team", "subject_id": team, "target": "500000.00"},
            headers=o["manager"].headers,
        ).status_code
        == 201
    )
    for rep, amount in ((o["rep"], "200000.00"), (o["rep2"], "250000.00")):
        assert (
            svc.client.post(
                URL,
                json={
                    **base,
                    "subject_kind": "user",
                    "subject_id": str(rep.id),
                    "team_id": team,
                    "target": amount,
                },
                headers=o["manager"].headers,
            ).status_code
            == 201
        )
    view = svc.client.get(
        f"{URL}/overview",
        query_string={"period": "2026-Q2", "metric": "won_amount"},
        headers=o["manager"].headers,
    ).json
    assert view["team_target"] == "500000.0000" or view["team_target"].startswith("500000")
    assert view["gap"].startswith("50000")
    # A rep is no manager, and another team's manager is out of scope.
    assert (
        svc.client.get(
            f"{URL}/overview",
            query_string={"period": "2026-Q2", "metric": "won_amount"},
            headers=o["rep"].headers,
        ).status_code
        == 404
    )
    stranger = svc.user("manager", team_id=uuid.uuid4())
    assert (
        svc.client.get(
            f"{URL}/overview",
            query_string={"period": "2026-Q2", "metric": "won_amount", "team_id": team},
            headers=stranger.headers,
        ).status_code
        == 404
    )
