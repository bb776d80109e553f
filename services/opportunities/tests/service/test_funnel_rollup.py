"""The funnel read from its per-day rollup answers as the stage history does (embedded mode)."""

from __future__ import annotations

import uuid
from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from crm_shared.auth import Principal
from opportunities.funnel import funnel
from opportunities.rules.funnel import median, median_of_counts

from .helpers import open_deal, stages
from .rollup_scenario import run


@given(st.lists(st.integers(min_value=0, max_value=5000), max_size=60))
def test_median_of_counts_is_the_median(values):
    assert median_of_counts(Counter(values)) == median(values)


def test_rollup_equals_history_for_every_scope_and_filter(svc):
    for seed in (1, 2):
        svc.db.dispose()
        assert run(svc, seed) > 100


def test_the_rollup_follows_moves_made_through_the_api(svc, customers):
    rep = svc.user(team_id=uuid.uuid4())
    by_name = stages(svc, rep)
    deal = open_deal(svc, rep, customers[0]["id"]).json
    svc.client.post(
        f"/api/v1/opportunities/{deal['id']}/stage",
        json={"stage_id": by_name["needs_analysis"]["id"]},
        headers=rep.headers,
    )
    manager = svc.user("manager", team_id=rep.team_id)  # a team's funnel reads the rollup
    funnel_now = svc.client.get(
        "/api/v1/opportunities/analytics/funnel", headers=manager.headers
    ).json
    rows = {s["name"]: s for s in funnel_now["stages"]}
    assert rows["qualification"]["reached"] == rows["needs_analysis"]["reached"] == 1
    assert rows["qualification"]["median_days_in_stage"] == 0.0
    assert rows["needs_analysis"]["median_days_in_stage"] is None  # still there
    principal = Principal(
        id=manager.id, username="m", roles=frozenset({"manager"}), team_id=rep.team_id
    )
    with svc.db.transaction() as session:
        assert funnel(session, principal, {}) == funnel(session, principal, {}, source="history")


def test_rebuild_restores_a_rollup_gone_wrong(svc, customers):
    rep = svc.user()
    open_deal(svc, rep, customers[0]["id"])
    from opportunities.models import FunnelReached

    with svc.db.transaction() as session:
        session.query(FunnelReached).delete()
    admin = svc.user("admin")  # the company's funnel reads the rollup
    before = svc.client.get("/api/v1/opportunities/analytics/funnel", headers=admin.headers).json
    assert before["stages"][0]["reached"] == 0
    assert svc.run_job("rebuild-funnel") > 0
    after = svc.client.get("/api/v1/opportunities/analytics/funnel", headers=admin.headers).json
    assert after["stages"][0]["reached"] == 1
