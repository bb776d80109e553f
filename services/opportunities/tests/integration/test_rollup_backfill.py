"""The migration that adds the funnel rollup backfills it from the history already there."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import create_engine, insert, select
from sqlalchemy.orm import Session

from crm_shared.db import Database
from crm_shared.migrations import platform_config, service_config
from opportunities import funnel_rollup
from opportunities.models import FunnelReached, FunnelStay, Opportunity, Stage, StageHistory
from opportunities.seeding import generate, reps
from opportunities.service import SERVICE

pytestmark = pytest.mark.integration


def _rows(session):
    reached = sorted(
        (str(r.pipeline_id), r.grain, r.day, str(r.team_id), str(r.stage_id), r.deals)
        for r in session.scalars(select(FunnelReached))
    )
    stays = sorted(
        (str(r.pipeline_id), r.grain, r.day, str(r.team_id), str(r.stage_id), r.days, r.stays)
        for r in session.scalars(select(FunnelStay))
    )
    return reached, stays


def test_the_migration_backfills_what_a_rebuild_writes(pg_database):
    url = pg_database("opportunities")
    command.upgrade(platform_config(url), "head")
    command.upgrade(service_config(SERVICE, url), "b41c7e2a9d10")  # before the rollup
    engine = create_engine(url)
    now = datetime.now(UTC)
    with Session(engine) as session, session.begin():
        stages = sorted(session.scalars(select(Stage)), key=lambda s: s.position)
        deals, stays, _changes = generate(
            random.Random(5),
            {s.name: s.id for s in stages},
            {s.id: s.probability for s in stages},
            stages[0].pipeline_id,
            reps(random.Random(6), 4, 2),
            150,
            now - timedelta(days=60),
            now,
            bounces=2,
        )
        session.execute(insert(Opportunity), deals)
        session.execute(insert(StageHistory), stays)
    command.upgrade(service_config(SERVICE, url), "head")
    with Session(engine) as session:
        backfilled = _rows(session)
    assert backfilled[0] and backfilled[1]
    db = Database(url, service="opportunities", pool_size=1)
    funnel_rollup.rebuild(db)
    with Session(engine) as session:
        assert _rows(session) == backfilled
    db.dispose()
    engine.dispose()
