"""Intake on PostgreSQL: concurrent dedup, race-free assignment, resumable imports."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from crm_shared.imports import ImportCrash, create_job, run_pending
from crm_shared.tables import import_jobs
from leads.importing import SPEC, LeadImporter
from leads.models import Lead
from leads.service import SERVICE
from leads.triage import process_pending

pytestmark = pytest.mark.integration


@pytest.fixture
def pg(harness_factory, pg_database):
    return harness_factory(SERVICE, database_url=pg_database("leads"))


def _parallel(n, fn):
    barrier = threading.Barrier(n)

    def run(i):
        barrier.wait()
        return fn(i)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


def test_concurrent_captures_of_one_email_end_as_one_lead(pg):
    rep = pg.user()

    def capture(i):
        response = pg.app.test_client().post(
            "/api/v1/leads",
            json={"name": f"Racer {i}", "email": "Same@Example.com"},
            headers=rep.headers,
        )
        return response.status_code, response.json["id"]

    results = _parallel(8, capture)
    assert {status for status, _ in results} <= {200, 201}
    assert sum(1 for status, _ in results if status == 201) == 1
    assert len({lead_id for _, lead_id in results}) == 1
    with pg.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Lead)) == 1
        touches = session.scalar(select(Lead.touches))
    assert touches == 8
    assert len(pg.events("lead.captured")) == 1


def test_concurrent_batches_sharing_emails_never_duplicate(pg):
    rep = pg.user()
    emails = [f"p{i}@example.com" for i in range(100)]  # 60 per batch: the COPY path

    def batch(i):
        return (
            pg.app.test_client()
            .post(
                "/api/v1/leads/batch",
                json={"leads": [{"name": e, "email": e} for e in emails[i::2] + emails[:10]]},
                headers=rep.headers,
            )
            .status_code
        )

    assert _parallel(4, batch) == [200] * 4
    with pg.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Lead)) == 100


def _members(pg, n, **settings):
    ids = []
    for i in range(n):
        user_id = uuid.uuid4()
        pg.deliver(
            pg.event(
                "user.created",
                {"user_id": str(user_id), "username": f"m{i}", "roles": ["rep"], "active": True},
            )
        )
        ids.append(user_id)
    admin = pg.user("admin")
    for user_id in ids:
        if settings:
            pg.client.patch(
                f"/api/v1/assignment-rules/members/{user_id}",
                json=settings,
                headers=admin.headers,
            )
    return admin, ids


def test_parallel_workers_assign_fairly_without_double_turns(pg):
    admin, ids = _members(pg, 3)
    rule = pg.client.post(
        "/api/v1/assignment-rules",
        json={"name": "All", "strategy": "round_robin", "members": [str(i) for i in ids]},
        headers=admin.headers,
    )
    assert rule.status_code == 201
    response = pg.client.post(
        "/api/v1/leads/batch",
        json={"auto_assign": True, "leads": [{"name": f"L{i}"} for i in range(90)]},
        headers=admin.headers,
    )
    assert response.json["created"] == 90
    # Four "intake workers" process the backlog at once, ten leads at a time.
    _parallel(4, lambda _: [process_pending(pg.db, limit=10) for _ in range(10)])
    with pg.db.session() as session:
        owners = dict(
            session.execute(select(Lead.owner_id, func.count()).group_by(Lead.owner_id)).all()
        )
    assert sorted(owners.values()) == [30, 30, 30]
    assert len(pg.events("lead.assigned")) == 90


def test_caps_hold_under_concurrent_assignment(pg):
    admin, ids = _members(pg, 2, max_open_leads=5)
    for name in ("First", "Second"):  # two rules sharing members: only the member lock guards
        pg.client.post(
            "/api/v1/assignment-rules",
            json={"name": name, "strategy": "least_loaded", "members": [str(i) for i in ids]},
            headers=admin.headers,
        )
    pg.client.post(
        "/api/v1/leads/batch",
        json={"auto_assign": True, "leads": [{"name": f"L{i}"} for i in range(30)]},
        headers=admin.headers,
    )
    _parallel(4, lambda _: [process_pending(pg.db, limit=3) for _ in range(10)])
    with pg.db.session() as session:
        owners = dict(
            session.execute(
                select(Lead.owner_id, func.count())
                .where(Lead.owner_id.is_not(None))
                .group_by(Lead.owner_id)
            ).all()
        )
    assert owners == {ids[0]: 5, ids[1]: 5}


class CrashingImporter(LeadImporter):
    """Dies (like a killed process) on its third chunk, after two committed."""

    def __init__(self):
        super().__init__("US")
        self.chunks = 0

    def process(self, session, job, rows):
        self.chunks += 1
        if self.chunks == 3:
            raise ImportCrash("worker killed")
        return super().process(session, job, rows)


def test_an_import_interrupted_by_a_crash_resumes_without_duplicating(pg):
    lines = ["Email,First Name,Last Name"] + [f"p{i}@example.com,P,{i}" for i in range(1000)]
    lines += ["p5@example.com,Dup,5", "bad-email,X,Y"]
    data = ("\n".join(lines) + "\n").encode()
    with pg.db.transaction() as session:
        job = create_job(session, SPEC, data=data, filename="x.csv", created_by=None)
    crashing = CrashingImporter()
    with pytest.raises(ImportCrash):
        run_pending(pg.db, crashing, worker_id="doomed", chunk_size=200)
    with pg.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Lead)) == 400
        state = session.execute(select(import_jobs).where(import_jobs.c.id == job["id"])).one()
    assert state.processed == 400 and state.status == "running"
    # Another worker cannot take it while the dead one's lease lasts...
    assert run_pending(pg.db, LeadImporter("US"), worker_id="early", chunk_size=200) == 0
    # ...and takes over once it expires.
    with pg.db.transaction() as session:
        session.execute(
            import_jobs.update()
            .where(import_jobs.c.id == job["id"])
            .values(lease_until=state.lease_until - timedelta(minutes=10))
        )
    assert run_pending(pg.db, LeadImporter("US"), worker_id="heir", chunk_size=200) == 1
    with pg.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Lead)) == 1000
        final = session.execute(select(import_jobs).where(import_jobs.c.id == job["id"])).one()
    assert final.status == "completed"
    assert (final.total, final.imported, final.duplicates, final.failed) == (1002, 1000, 1, 1)
    assert final.errors[0]["line"] == 1003
    assert final.attempts == 2
