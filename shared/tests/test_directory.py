"""The org tree every service reads: who manages whom (pure, in memory)."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from crm_shared.directory import DirectoryTeam, DirectoryUser, MemoryDirectory


def _user(name: str, team: uuid.UUID | None, *roles: str, active: bool = True) -> DirectoryUser:
    return DirectoryUser(uuid.uuid4(), name, tuple(roles) or ("rep",), team, active)


def _org():
    """Sales (root) > East > East-North; the East manager sits in East."""
    sales, east, north = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    vp = _user("vp", sales, "manager")
    boss = _user("boss", east, "manager")
    lead = _user("lead", north, "manager")
    rep = _user("rep", north)
    teams = [
        DirectoryTeam(sales, "Sales", vp.id, None),
        DirectoryTeam(east, "East", boss.id, sales),
        DirectoryTeam(north, "East-North", lead.id, east),
    ]
    return MemoryDirectory([vp, boss, lead, rep], teams), vp, boss, lead, rep


def test_a_reps_manager_is_their_teams_manager():
    directory, _vp, _boss, lead, rep = _org()
    assert directory.manager_of(rep.id) == lead.id


def test_a_manager_reports_to_the_parent_teams_manager():
    directory, vp, boss, lead, _rep = _org()
    assert directory.manager_of(lead.id) == boss.id
    assert directory.manager_of(boss.id) == vp.id
    assert directory.manager_of(vp.id) is None  # the root's manager answers to no one


def test_managers_up_is_nearest_first_and_stops_at_the_root():
    directory, vp, boss, lead, rep = _org()
    assert directory.managers_up(rep.id, 2) == [lead.id, boss.id]
    assert directory.managers_up(rep.id, 10) == [lead.id, boss.id, vp.id]
    assert directory.managers_up(lead.id, 10) == [boss.id, vp.id]
    assert directory.managers_up(rep.id, 0) == []


def test_a_team_without_a_manager_passes_to_its_parent():
    root, middle = uuid.uuid4(), uuid.uuid4()
    boss = _user("boss", root, "manager")
    rep = _user("rep", middle)
    directory = MemoryDirectory(
        [boss, rep],
        [DirectoryTeam(root, "Root", boss.id), DirectoryTeam(middle, "Mid", None, root)],
    )
    assert directory.manager_of(rep.id) == boss.id


def test_unknown_users_and_users_without_a_team_have_no_manager():
    directory, *_ = _org()
    loner = _user("loner", None)
    assert directory.manager_of(uuid.uuid4()) is None
    assert MemoryDirectory([loner]).managers_up(loner.id, 3) == []
    assert directory.user(uuid.uuid4()) is None


def test_users_with_role_lists_only_active_holders():
    team = uuid.uuid4()
    admin = _user("amy", team, "admin")
    gone = _user("bob", team, "admin", active=False)
    rep = _user("cy", team, "rep")
    directory = MemoryDirectory([admin, gone, rep])
    assert directory.users_with_role("admin") == [admin.id]
    assert directory.users_with_role("service_agent") == []


_ids = st.integers(min_value=0, max_value=7)


@st.composite
def _any_org(draw):
    """Any parent and manager assignment over 8 teams and 8 users: cycles included."""
    team_ids = [uuid.UUID(int=i + 1) for i in range(8)]
    user_ids = [uuid.UUID(int=100 + i) for i in range(8)]
    teams = [
        DirectoryTeam(
            team_ids[i],
            f"t{i}",
            draw(st.none() | _ids.map(lambda k: user_ids[k])),
            draw(st.none() | _ids.map(lambda k: team_ids[k])),
        )
        for i in range(8)
    ]
    users = [
        DirectoryUser(
            user_ids[i], f"u{i}", ("rep",), draw(st.none() | _ids.map(lambda k: team_ids[k])), True
        )
        for i in range(8)
    ]
    return MemoryDirectory(users, teams), user_ids


@given(_any_org(), _ids, st.integers(min_value=-1, max_value=20))
def test_managers_up_never_repeats_never_exceeds_levels_and_terminates(org, who, levels):
    directory, user_ids = org
    user_id = user_ids[who]
    found = directory.managers_up(user_id, levels)
    assert len(found) == len(set(found)), "a manager appeared twice"
    assert len(found) <= max(levels, 0)
    assert user_id not in found, "a user is never their own approver"
    nearest = directory.managers_up(user_id, 1)
    assert directory.manager_of(user_id) == (nearest[0] if nearest else None)
    if found:
        assert found[0] == nearest[0], "the list starts with the nearest manager"
