"""The funnel from its per-day rollup equals the funnel from the stage history.

Shared by the embedded-mode service test and the PostgreSQL integration
test: seed random history (reps in two teams, CNY and USD, random stays),
rebuild the rollup, compare; then change deals through the API (moves, wins,
losses, reopenings, a customer changing owner) so the rollup is maintained
in each transaction, and compare again, for every scope and filter.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

from crm_shared.auth import Principal
from opportunities.funnel import funnel
from opportunities.models import FieldHistory, Opportunity, Stage, StageHistory
from opportunities.seeding import generate, reps


def _seed(svc: Any, rng: random.Random, now: datetime, deals: int) -> tuple[list[Any], Any]:
    team = reps(random.Random(rng.random()), 6, 2)
    with svc.db.transaction() as session:
        stages = sorted(session.scalars(select(Stage)), key=lambda s: s.position)
        rows, stays, changes = generate(
            rng,
            {s.name: s.id for s in stages},
            {s.id: s.probability for s in stages},
            stages[0].pipeline_id,
            team,
            deals,
            now - timedelta(days=150),
            now,
            customers=40,
            bounces=2,
        )
        session.execute(insert(Opportunity), rows)
        session.execute(insert(StageHistory), stays)
        if changes:
            session.execute(insert(FieldHistory), changes)
    return team, stages


def _principals(team: list[Any]) -> list[Principal]:
    teams = sorted({r.team_id for r in team}, key=str)
    return [
        Principal(id=uuid.uuid4(), username="admin", roles=frozenset({"admin"})),
        *(
            Principal(id=uuid.uuid4(), username="m", roles=frozenset({"manager"}), team_id=t)
            for t in teams
        ),
        Principal(id=team[0].id, username="r", roles=frozenset({"rep"}), team_id=team[0].team_id),
    ]


def compare_all(svc: Any, team: list[Any], now: datetime) -> int:
    """Assert rollup == history for each scope and filter; the comparisons made."""
    today = now.date()
    windows: list[dict[str, Any]] = [
        {},
        {"from": today - timedelta(days=160), "to": today + timedelta(days=1)},
        {"from": today - timedelta(days=100), "to": today - timedelta(days=20)},
        {"from": today - timedelta(days=7)},
    ]
    filters: list[dict[str, Any]] = [
        {},
        {"owner_id": team[1].id},
        {"team_id": team[1].team_id},
        {"group_by": "owner"},
        {"group_by": "team"},
    ]
    made = 0
    with svc.db.transaction() as session:
        for principal in _principals(team):
            for window in windows:
                for extra in filters:
                    args = {**window, **extra}
                    rollup = funnel(session, principal, args)
                    history = funnel(session, principal, args, source="history")
                    assert rollup == history, (principal.scope, args)
                    made += 1
    return made


def _act(svc: Any, rng: random.Random, stages: list[Any]) -> None:
    """Random changes through the API, as an admin, and one customer changing owner."""
    admin = svc.user("admin")
    open_stages = [s for s in stages if s.kind == "open"][:3]  # no decision maker needed
    with svc.db.transaction() as session:
        deals = list(session.execute(select(Opportunity.id, Opportunity.status)))
        customer = session.scalar(select(Opportunity.customer_id).limit(1))
    for deal_id, status in rng.sample(deals, min(60, len(deals))):
        base = f"/api/v1/opportunities/{deal_id}"
        if status != "open":
            response = svc.client.post(
                base + "/reopen", json={"reason": "again"}, headers=admin.headers
            )
            assert response.status_code == 200, response.json
            continue
        choice = rng.random()
        if choice < 0.6:
            stage = rng.choice(open_stages)
            response = svc.client.post(
                base + "/stage", json={"stage_id": str(stage.id)}, headers=admin.headers
            )
        elif choice < 0.8:
            response = svc.client.post(base + "/win", headers=admin.headers)
        else:
            response = svc.client.post(base + "/lose", json={}, headers=admin.headers)
        assert response.status_code in (200, 422), response.json
    event = svc.event(
        "customer.assigned",
        {
            "customer_id": str(customer),
            "owner_id": str(uuid.uuid4()),
            "team_id": None,
            "assigned_at": datetime.now(UTC).isoformat(),
        },
    )
    assert svc.deliver(event)


def run(svc: Any, seed: int, deals: int = 250) -> int:
    """The whole scenario; the number of comparisons made."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    team, stages = _seed(svc, rng, now, deals)
    svc.run_job("rebuild-funnel")
    made = compare_all(svc, team, now)
    _act(svc, rng, stages)
    return made + compare_all(svc, team, now)
