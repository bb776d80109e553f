"""Service tests: the leads app on a fresh SQLite database with the in-memory bus."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from leads.models import Lead


def _count(svc) -> int:
    with svc.db.session() as session:
        return session.scalar(
            select(func.count()).select_from(Lead).where(Lead.merged_into_id.is_(None))
        )


def _member(svc, *roles, team_id=None):
    """A user the gateway announced (so assignment knows them)."""
    user = svc.user(*roles, team_id=team_id)
    event = svc.event(
        "user.created",
        {
            "user_id": str(user.id),
            "username": user.username,
            "roles": list(user.roles),
            "team_id": str(team_id) if team_id else None,
            "active": True,
        },
    )
    assert svc.deliver(event)
    return user


def _process(svc):
    return svc.run_job("process-leads")


@pytest.fixture
def count():
    """Live (unmerged) leads in a service's database."""
    return _count


@pytest.fixture
def member():
    """Announce a user to the service as the gateway would; returns the user."""
    return _member


@pytest.fixture
def process():
    """Run the worker's ``process-leads`` job once."""
    return _process
