"""The approval rules: flows as data, and requests moving through them (pure, fast)."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_shared.approvals import rules
from crm_shared.directory import DirectoryTeam, DirectoryUser, MemoryDirectory
from crm_shared.errors import Conflict, ValidationFailed


def person(roles=("rep",), team=None, active=True):
    return DirectoryUser(uuid.uuid4(), "u", tuple(roles), team, active)


def org():
    """A two-level tree: rep in sales (manager m1) under the region (manager m2); one admin."""
    region, sales = uuid.uuid4(), uuid.uuid4()
    m2 = person(("manager",), region)
    m1 = person(("manager",), sales)
    rep = person(("rep",), sales)
    finance = [person(("finance",)), person(("finance",))]
    admin = person(("admin",))
    teams = [
        DirectoryTeam(region, "team", m2.id, None),
        DirectoryTeam(sales, "team", m1.id, region),
    ]
    directory = MemoryDirectory([m2, m1, rep, *finance, admin], teams)
    return directory, rep, m1, m2, finance, admin


def step(kind, mode="any", condition=None, **rule):
    return rules.Step(
        name=f"{kind}-{mode}",
        approvers=rules.ApproverRule(kind=kind, **rule),
        mode=mode,
        condition=condition or rules.Condition(),
    )


def test_manager_then_finance_cosign_approves_only_when_both_steps_pass():
    directory, rep, m1, _m2, finance, _admin = org()
    flow = rules.Flow((step("submitter_manager"), step("role", mode="all", role="finance")))
    state = rules.submit(flow, rules.Facts(amount=Decimal("100")), rep.id, directory)
    assert rules.may_act(state) == (m1.id,)
    state = rules.approve(state, m1.id)
    assert set(rules.may_act(state)) == {f.id for f in finance}
    state = rules.approve(state, finance[0].id)
    assert state.status == rules.PENDING and rules.may_act(state) == (finance[1].id,)
    state = rules.approve(state, finance[1].id)
    assert state.status == rules.APPROVED and rules.may_act(state) == ()


def test_managers_up_sequentially_goes_nearest_first():
    directory, rep, m1, m2, _f, _a = org()
    flow = rules.Flow((step("managers_up", mode="sequential", levels=2),))
    state = rules.submit(flow, rules.Facts(), rep.id, directory)
    assert rules.may_act(state) == (m1.id,)
    with pytest.raises(ValidationFailed):
        rules.approve(state, m2.id)
    state = rules.approve(rules.approve(state, m1.id), m2.id)
    assert state.status == rules.APPROVED


def test_a_step_without_approvers_goes_to_admins_and_never_passes_silently():
    directory, rep, _m1, _m2, _f, admin = org()
    flow = rules.Flow((step("role", role="legal"),))
    state = rules.submit(flow, rules.Facts(), rep.id, directory)
    assert state.status == rules.PENDING
    assert rules.may_act(state) == (admin.id,) and state.plan[0].to_admins
    lonely = MemoryDirectory([rep])
    with pytest.raises(ValidationFailed) as raised:
        rules.submit(flow, rules.Facts(), rep.id, lonely)
    assert raised.value.errors[0]["field"] == "steps.0.approvers"


def test_conditions_skip_steps_and_an_empty_plan_is_approved_at_once():
    directory, rep, m1, _m2, _finance, _a = org()
    big = rules.Condition(amount_over=Decimal("10000"))
    risky = rules.Condition(credit_risk_in=("high",))
    flow = rules.Flow(
        (step("submitter_manager", condition=big), step("role", role="finance", condition=risky))
    )
    small = rules.submit(
        flow, rules.Facts(amount=Decimal("500"), credit_risk="low"), rep.id, directory
    )
    assert small.status == rules.APPROVED and small.plan == ()
    large = rules.submit(
        flow, rules.Facts(amount=Decimal("20000"), credit_risk="high"), rep.id, directory
    )
    assert [p.index for p in large.plan] == [0, 1]
    assert rules.may_act(large) == (m1.id,)
    cny = rules.Condition(currency_in=("CNY",), discount_over=Decimal("15"))
    assert cny.holds(rules.Facts(currency="CNY", discount=Decimal("20")))
    assert not cny.holds(rules.Facts(currency="USD", discount=Decimal("20")))
    assert not cny.holds(rules.Facts(currency="CNY"))


def test_reject_needs_a_comment_and_resubmission_restarts_where_the_flow_says():
    directory, rep, m1, _m2, finance, _a = org()
    steps = (step("submitter_manager"), step("role", role="finance"))
    for resubmit_from, restart in (("first_step", 0), ("rejected_step", 1)):
        flow = rules.Flow(steps, resubmit_from=resubmit_from)
        state = rules.approve(rules.submit(flow, rules.Facts(), rep.id, directory), m1.id)
        with pytest.raises(ValidationFailed) as raised:
            rules.reject(state, finance[0].id, "  ")
        assert raised.value.errors[0]["field"] == "comment"
        rejected = rules.reject(state, finance[0].id, "price too low")
        assert rejected.status == rules.REJECTED and rejected.rejected_step == 1
        with pytest.raises(Conflict):
            rules.approve(rejected, finance[1].id)
        again = rules.submit(flow, rules.Facts(), rep.id, directory, rejected)
        assert again.plan[0].index == restart


def test_only_the_submitter_withdraws_and_a_closed_request_takes_no_decision():
    directory, rep, m1, _m2, _f, _a = org()
    flow = rules.Flow((step("submitter_manager"),))
    state = rules.submit(flow, rules.Facts(), rep.id, directory)
    with pytest.raises(ValidationFailed):
        rules.withdraw(state, m1.id)
    gone = rules.withdraw(state, rep.id)
    assert gone.status == rules.WITHDRAWN
    with pytest.raises(Conflict):
        rules.withdraw(gone, rep.id)
    with pytest.raises(Conflict):
        rules.submit(flow, rules.Facts(), rep.id, directory, state)


def test_the_submitter_never_approves_their_own_request():
    directory, rep, _m1, _m2, _f, admin = org()
    flow = rules.Flow((step("users", users=(rep.id,)),))
    state = rules.submit(flow, rules.Facts(), rep.id, directory)
    assert rules.may_act(state) == (admin.id,) and state.plan[0].to_admins


def test_flows_are_checked_and_survive_a_round_trip_through_json():
    with pytest.raises(ValidationFailed) as raised:
        rules.check_flow(rules.Flow((step("users", mode="most"),), resubmit_from="nowhere"))
    fields = {e["field"] for e in raised.value.errors}
    assert fields == {"resubmit_from", "steps.0.mode", "steps.0.approvers.users"}
    flow = rules.Flow(
        (
            step(
                "managers_up",
                mode="all",
                levels=3,
                condition=rules.Condition(amount_over=Decimal("1.50")),
            ),
            step(
                "role",
                role="finance",
                condition=rules.Condition(credit_risk_in=("high",), currency_in=("CNY",)),
            ),
        ),
        resubmit_from="rejected_step",
    )
    assert rules.Flow.from_dict(flow.to_dict()) == flow


# -- properties ---------------------------------------------------------------

users = st.lists(st.uuids(), min_size=1, max_size=4, unique=True)
modes = st.sampled_from(rules.MODES)


@st.composite
def flows(draw):
    people = draw(users)
    steps = []
    for _ in range(draw(st.integers(1, 4))):
        chosen = draw(
            st.lists(st.sampled_from(people), min_size=1, max_size=len(people), unique=True)
        )
        threshold = draw(st.one_of(st.none(), st.integers(0, 1000).map(Decimal)))
        steps.append(
            rules.Step(
                name="s",
                approvers=rules.ApproverRule("users", users=tuple(chosen)),
                mode=draw(modes),
                condition=rules.Condition(amount_over=threshold),
            )
        )
    directory = MemoryDirectory([DirectoryUser(p, "p", ("rep",), None, True) for p in people])
    return rules.Flow(tuple(steps)), directory, people


@settings(max_examples=200, deadline=None)
@given(flows(), st.integers(0, 1000).map(Decimal), st.data())
def test_approved_only_when_every_applicable_step_is_satisfied(made, amount, data):
    flow, directory, people = made
    submitter = uuid.uuid4()
    state = rules.submit(flow, rules.Facts(amount=amount), submitter, directory)
    applicable = rules.applicable_steps(flow, rules.Facts(amount=amount))
    approved_by: dict[int, set[uuid.UUID]] = {i: set() for i in applicable}
    for _ in range(40):
        if state.status != rules.PENDING:
            break
        actor = data.draw(st.sampled_from([*people, submitter]))
        current = state.current
        assert current is not None
        if actor not in rules.may_act(state):
            with pytest.raises(ValidationFailed):
                rules.approve(state, actor)
            continue
        assert actor in current.approvers and actor != submitter
        approved_by[current.index].add(actor)
        state = rules.approve(state, actor)
    if state.status == rules.APPROVED:
        for index in applicable:
            step = flow.steps[index]
            needed = set(step.approvers.users)
            if step.mode == "any":
                assert approved_by[index] & needed
            else:
                assert approved_by[index] == needed
    else:
        assert state.status == rules.PENDING


@settings(max_examples=200, deadline=None)
@given(users, st.sampled_from(["any", "all"]), st.data())
def test_any_needs_one_all_needs_everyone(people, mode, data):
    directory = MemoryDirectory([DirectoryUser(p, "p", ("rep",), None, True) for p in people])
    flow = rules.Flow((rules.Step("s", rules.ApproverRule("users", users=tuple(people)), mode),))
    state = rules.submit(flow, rules.Facts(), uuid.uuid4(), directory)
    order = data.draw(st.permutations(people))
    for count, actor in enumerate(order, start=1):
        state = rules.approve(state, actor)
        if mode == "any" or count == len(people):
            assert state.status == rules.APPROVED
            break
        assert state.status == rules.PENDING
