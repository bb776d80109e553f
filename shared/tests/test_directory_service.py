"""Every service keeps the directory copy, fed by user.* and team.* events."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from crm_shared.directory import HANDLERS, SqlDirectory
from crm_shared.service import discover
from crm_shared.tables import directory_users

leads_service = pytest.importorskip("leads.service")


def test_the_platform_registers_the_directory_for_every_service_but_the_gateway():
    specs = discover()
    assert "gateway" in specs and len(specs) > 2
    for name, spec in specs.items():
        handled = set(spec.handlers())
        if name == "gateway":
            assert not handled & set(HANDLERS), "the gateway owns the originals"
        else:
            assert set(HANDLERS) <= handled, f"{name} keeps no directory copy"


@pytest.fixture
def leads(harness_factory):
    return harness_factory(leads_service.SERVICE)


def _user_event(h, user_id, team_id, *, active=True, roles=("rep",), kind="user.updated", **extra):
    data = {
        "user_id": user_id,
        "username": "li.wei",
        "roles": list(roles),
        "team_id": team_id,
        "active": active,
        **extra,
    }
    return h.event(kind, data, source="gateway")


def _team_event(h, team_id, name, manager_id, parent_id, kind="team.updated"):
    data = {"team_id": team_id, "name": name, "manager_id": manager_id, "parent_id": parent_id}
    return h.event(kind, data, source="gateway")


def test_events_build_the_org_tree_a_service_can_query(leads):
    root, east = uuid.uuid4(), uuid.uuid4()
    vp, boss, rep = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    for event in (
        _team_event(leads, root, "销售部", vp, None, kind="team.created"),
        _team_event(leads, east, "华东", boss, root, kind="team.created"),
        _user_event(leads, vp, root, roles=("manager",), kind="user.created"),
        _user_event(leads, boss, east, roles=("manager",), kind="user.created"),
        _user_event(leads, rep, east, kind="user.created"),
    ):
        assert leads.deliver(event)
    with leads.db.session() as session:
        directory = SqlDirectory(session)
        assert directory.user(rep).team_id == east
        assert directory.manager_of(rep) == boss
        assert directory.manager_of(boss) == vp
        assert directory.managers_up(rep, 5) == [boss, vp]
        assert directory.users_with_role("manager") == sorted(
            [vp, boss], key=lambda i: (directory.user(i).username, str(i))
        )


def test_an_old_event_arriving_late_never_overwrites_a_newer_one(leads):
    user_id, team = uuid.uuid4(), uuid.uuid4()
    created = _user_event(leads, user_id, team, kind="user.created")
    disabled = _user_event(leads, user_id, team, active=False)
    late = dataclasses.replace(created, time=disabled.time - timedelta(seconds=5))
    assert leads.deliver(disabled)
    assert leads.deliver(late)
    with leads.db.session() as session:
        user = SqlDirectory(session).user(user_id)
        assert user is not None and user.active is False
        assert SqlDirectory(session).users_with_role("rep") == []


def test_the_services_own_user_handler_still_runs(leads):
    user_id = uuid.uuid4()
    assert leads.deliver(_user_event(leads, user_id, None, kind="user.created"))
    from leads.models import Member

    with leads.db.session() as session:
        assert session.get(Member, user_id) is not None, "leads' members copy was skipped"
        assert session.execute(select(directory_users.c.id)).scalars().all() == [user_id]


def test_a_redelivered_event_changes_nothing_twice(leads):
    event = _team_event(leads, uuid.uuid4(), "West", None, None, kind="team.created")
    assert leads.deliver(event)
    assert not leads.deliver(event)


def test_copying_a_spec_does_not_register_the_directory_twice():
    copy = dataclasses.replace(leads_service.SERVICE, title="Leads again")
    assert copy.handlers().keys() == leads_service.SERVICE.handlers().keys()
    assert copy.handlers is leads_service.SERVICE.handlers


def test_on_postgresql_the_newest_event_wins_too(harness_factory, pg_database):
    leads = harness_factory(leads_service.SERVICE, database_url=pg_database("directory"))
    user_id, team = uuid.uuid4(), uuid.uuid4()
    manager = uuid.uuid4()
    created = _user_event(leads, user_id, team, kind="user.created")
    moved = _user_event(leads, user_id, None, roles=("manager",))
    late = dataclasses.replace(created, time=moved.time - timedelta(seconds=1))
    for event in (
        _team_event(leads, team, "华南", manager, None, kind="team.created"),
        moved,
        late,
    ):
        assert leads.deliver(event)
    with leads.db.session() as session:
        directory = SqlDirectory(session)
        assert directory.user(user_id).team_id is None
        assert directory.users_with_role("manager") == [user_id]
        assert directory.manager_of(user_id) is None
    leads.close()
