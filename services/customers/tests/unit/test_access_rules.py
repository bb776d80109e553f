"""Unit tests of data scope: who sees, works and manages a customer."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from crm_shared.auth import Principal, Scope
from customers.rules.access import Reach, hidden_fields, manages, may_view, may_work


@dataclass
class Held:
    owner_id: uuid.UUID | None
    team_id: uuid.UUID | None
    pool_id: uuid.UUID


def _principal(*roles: str, team: uuid.UUID | None = None) -> Principal:
    return Principal(id=uuid.uuid4(), username="u", roles=frozenset(roles), team_id=team)


def _never() -> bool:
    raise AssertionError("the collaborator lookup was not needed")


TEAM, POOL = uuid.uuid4(), uuid.uuid4()


def test_a_rep_sees_their_own_and_their_pools_unowned_customers():
    rep = _principal("rep", team=TEAM)
    r = Reach(rep, frozenset({POOL}))
    assert may_view(r, Held(rep.id, TEAM, POOL), _never)
    assert may_view(r, Held(None, None, POOL), _never)
    assert not may_view(r, Held(None, None, uuid.uuid4()), _never)
    teammates = Held(uuid.uuid4(), TEAM, POOL)
    assert not may_view(r, teammates, lambda: False)
    assert may_view(r, teammates, lambda: True)  # a collaborator
    assert may_work(r, teammates, lambda: True) and not manages(r, teammates)


def test_a_manager_manages_their_teams_customers_only():
    manager = _principal("manager", team=TEAM)
    assert manager.scope is Scope.TEAM
    r = Reach(manager, frozenset({POOL}))
    assert manages(r, Held(uuid.uuid4(), TEAM, POOL))
    assert not manages(r, Held(uuid.uuid4(), uuid.uuid4(), POOL))
    assert not may_work(r, Held(None, None, POOL), _never)  # claim it first


def test_a_pool_hides_fields_until_someone_claims_it_except_from_its_admins():
    rep = _principal("rep")
    pooled = Held(None, None, POOL)
    assert hidden_fields(Reach(rep, frozenset({POOL})), pooled, ["phone"]) == {"phone"}
    assert (
        hidden_fields(Reach(rep, frozenset({POOL}), frozenset({POOL})), pooled, ["phone"]) == set()
    )
    assert hidden_fields(Reach(rep), Held(rep.id, None, POOL), ["phone"]) == set()
