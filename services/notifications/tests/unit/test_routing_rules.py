"""Routing rules: who is told, each once, never the actor, never an inactive user."""

import uuid

from hypothesis import given
from hypothesis import strategies as st

from crm_shared.directory import DirectoryTeam, DirectoryUser, MemoryDirectory
from notifications.rules.catalog import DEFAULT_ROUTES, EVENTS, known_event_types
from notifications.rules.routing import resolve, rule_errors


def _user(name, *roles, team=None, active=True):
    return DirectoryUser(uuid.uuid4(), name, roles or ("rep",), team, active)


def org():
    top, team = uuid.uuid4(), uuid.uuid4()
    boss = _user("boss", "manager", team=top)
    manager = _user("manager", "manager", team=team)
    rep = _user("rep", team=team)
    gone = _user("gone", team=team, active=False)
    finance = _user("finance", "finance")
    directory = MemoryDirectory(
        [boss, manager, rep, gone, finance],
        [DirectoryTeam(top, "总部", boss.id), DirectoryTeam(team, "华东", manager.id, top)],
    )
    return directory, boss, manager, rep, gone, finance


def test_every_default_route_is_valid_and_every_event_has_one():
    assert set(DEFAULT_ROUTES) == set(EVENTS)
    for rules in DEFAULT_ROUTES.values():
        assert rule_errors(rules, known_event_types()) == []


def test_owner_then_managers_then_role_in_order_each_once():
    directory, boss, manager, rep, _gone, finance = org()
    rules = [
        {"kind": "field", "field": "owner_id"},
        {"kind": "manager", "field": "owner_id", "levels": 2},
        {"kind": "role", "role": "finance"},
        {"kind": "users", "user_ids": [str(rep.id)]},
    ]
    found = resolve(rules, {"owner_id": str(rep.id)}, directory)
    assert found == [rep.id, manager.id, boss.id, finance.id]


def test_actor_inactive_and_missing_fields_are_left_out():
    directory, _boss, manager, rep, gone, _finance = org()
    rules = [{"kind": "field", "field": "owner_id"}, {"kind": "field", "field": "recipient_ids"}]
    data = {"owner_id": str(rep.id), "recipient_ids": [str(gone.id), str(manager.id), "junk"]}
    assert resolve(rules, data, directory, exclude=[str(rep.id)]) == [manager.id]
    assert resolve(rules, {}, directory) == []


def test_when_limits_a_rule_to_matching_data():
    directory, *_rest = org()
    subject = uuid.uuid4()
    rules = DEFAULT_ROUTES["target.approved"]
    assert resolve(rules, {"subject_kind": "team", "subject_id": str(subject)}, directory) == []
    assert resolve(rules, {"subject_kind": "user", "subject_id": str(subject)}, directory) == [
        subject
    ]


def test_earlier_events_name_the_previous_holder():
    directory, *_rest = org()
    holder = uuid.uuid4()

    def earlier(event_type, match, value, wanted):
        assert (event_type, match, wanted) == (
            "customer.recycled",
            "customer_id",
            "previous_owner_id",
        )
        return str(holder) if value == "c1" else None

    rules = DEFAULT_ROUTES["customer.claimed"]
    assert resolve(rules, {"customer_id": "c1"}, directory, earlier=earlier) == [holder]
    assert resolve(rules, {"customer_id": "c2"}, directory, earlier=earlier) == []


@given(st.lists(st.sampled_from(["owner_id", "assignee_id", "x"]), max_size=6), st.data())
def test_recipients_are_unique_and_never_an_actor(fields, data):
    directory, *_rest = org()
    people = [uuid.uuid4() for _ in range(3)]
    event = {f: str(data.draw(st.sampled_from(people))) for f in ("owner_id", "assignee_id")}
    actor = str(data.draw(st.sampled_from(people)))
    rules = [{"kind": "field", "field": f} for f in fields]
    found = resolve(rules, event, directory, exclude=[actor])
    assert len(found) == len(set(found))
    assert str(actor) not in {str(f) for f in found}
    assert set(found) <= {uuid.UUID(event[f]) for f in fields if f in event}


@given(
    st.one_of(
        st.none(),
        st.integers(),
        st.text(max_size=5),
        st.lists(st.dictionaries(st.text(max_size=5), st.integers()), max_size=3),
    )
)
def test_any_junk_is_refused_with_reasons_not_exceptions(junk):
    errors = rule_errors(junk, known_event_types())
    assert isinstance(errors, list)
    if not isinstance(junk, list) or junk:
        assert errors


def test_bad_rules_name_their_problem():
    known = known_event_types()
    assert "role must be" in rule_errors([{"kind": "role", "role": "god"}], known)[0]
    assert (
        "levels" in rule_errors([{"kind": "manager", "field": "owner_id", "levels": 9}], known)[0]
    )
    assert "unknown keys" in rule_errors([{"kind": "field", "field": "a", "b": 1}], known)[0]
    assert (
        "event_type"
        in rule_errors(
            [{"kind": "earlier", "event_type": "x.y", "match": "a", "field": "b"}], known
        )[0]
    )
