"""Automation rules: validation against contracts, matching, delays, cancelling, loops, dry run."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm_shared.calendars.business_time import BusinessCalendar, DayHours, day_hours
from notifications.rules import automations as au
from notifications.rules.automations import EventView, RuleError, parse_rule

SH = ZoneInfo("Asia/Shanghai")
WORKDAY = day_hours([["09:00", "18:00"]], [["12:00", "13:00"]])
# 2026: National Day holidays 10-01..10-08 (10-10, a Saturday, is worked).
CALENDAR = BusinessCalendar(
    "Asia/Shanghai",
    (WORKDAY,) * 5 + (DayHours(), DayHours()),
    holidays=frozenset(date(2026, 10, d) for d in range(1, 9)),
    extra_workdays=frozenset({date(2026, 10, 10)}),
)
LEAD = "0b6f1d7e-1111-4c8e-9d0a-000000000001"
OWNER = "0b6f1d7e-2222-4c8e-9d0a-000000000002"


def calendars(name: str) -> BusinessCalendar:
    assert name == "default"
    return CALENDAR


def ev(
    type_: str, data: dict[str, Any], at: datetime, id_: str = "e1", chain: tuple[str, ...] = ()
) -> EventView:
    return EventView(id=id_, type=type_, time=at, data=data, chain=chain)


def notify_owner() -> dict[str, Any]:
    return {"type": "notify", "channel": "in_app", "recipients": ["owner"]}


@pytest.mark.parametrize(
    ("rule", "field", "message"),
    [
        (
            {"event_type": "lead.nope", "actions": [notify_owner()]},
            "event_type",
            "unknown event type",
        ),
        ({"event_type": "lead.assigned", "actions": []}, "actions", "at least one"),
        (
            {
                "event_type": "lead.assigned",
                "conditions": [{"field": "amount", "op": "gt", "value": 1}],
                "actions": [notify_owner()],
            },
            "conditions[0].field",
            "lead.assigned has no field 'amount'",
        ),
        (
            {
                "event_type": "lead.assigned",
                "conditions": [{"field": "method", "op": "like", "value": 1}],
                "actions": [notify_owner()],
            },
            "conditions[0].op",
            "must be one of",
        ),
        (
            {
                "event_type": "lead.assigned",
                "conditions": [{"field": "method", "op": "in", "value": "rule"}],
                "actions": [notify_owner()],
            },
            "conditions[0].value",
            "non-empty list",
        ),
        (
            {"event_type": "lead.assigned", "delay": {"hours": -1}, "actions": [notify_owner()]},
            "delay.hours",
            "must not be negative",
        ),
        (
            {
                "event_type": "lead.assigned",
                "delay": {"business_hours": -2},
                "actions": [notify_owner()],
            },
            "delay.business_hours",
            "negative",
        ),
        (
            {"event_type": "lead.assigned", "delay": {"weeks": 1}, "actions": [notify_owner()]},
            "delay.weeks",
            "unknown unit",
        ),
        (
            {
                "event_type": "lead.assigned",
                "delay": {"hours": 1, "days": 1},
                "actions": [notify_owner()],
            },
            "delay",
            "exactly one",
        ),
        (
            {
                "event_type": "lead.assigned",
                "unless": [{"event_type": "lead.qualified", "match": "deal_id"}],
                "actions": [notify_owner()],
            },
            "unless[0].match",
            "no field 'deal_id'",
        ),
        (
            {"event_type": "lead.erased", "actions": [notify_owner()]},
            "actions[0].recipients[0]",
            "lead.erased carries no owner_id",
        ),
        (
            {
                "event_type": "lead.assigned",
                "actions": [{"type": "notify", "channel": "pigeon", "recipients": ["owner"]}],
            },
            "actions[0].channel",
            "unknown channel",
        ),
        (
            {
                "event_type": "opportunity.stage_changed",
                "actions": [{"type": "create_task", "title": "{{ nope }}"}],
            },
            "actions[0].title",
            "'nope', which the event does not carry",
        ),
        (
            {
                "event_type": "opportunity.stage_changed",
                "actions": [{"type": "create_task", "title": "{% if %}"}],
            },
            "actions[0].title",
            "does not render",
        ),
        (
            {
                "event_type": "lead.assigned",
                "actions": [{"type": "call_webhook", "endpoint_id": "x"}],
            },
            "actions[0].endpoint_id",
            "webhook endpoint",
        ),
        (
            {
                "event_type": "lead.assigned",
                "actions": [{**notify_owner(), "after": {"minutes": -5}}],
            },
            "actions[0].after.minutes",
            "negative",
        ),
    ],
)
def test_bad_rules_are_refused_naming_the_field(
    rule: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(RuleError) as caught:
        parse_rule(rule)
    assert caught.value.field == field
    assert message in caught.value.message


def test_the_shipped_templates_validate_and_round_trip() -> None:
    for template in au.TEMPLATES:
        rule = parse_rule(template.rule)
        assert parse_rule(au.rule_as_dict(rule)) == rule
    assert au.template("proposal_send_quote") is not None and au.template("nope") is None


def test_lead_not_contacted_reminds_the_owner_then_the_manager_in_business_hours() -> None:
    rule = parse_rule(au.TEMPLATES[0].rule, rule_id="r1")
    # Friday 17:00 Shanghai: one business hour left on Friday, one more on Monday 09:00-10:00.
    assigned = datetime(2026, 9, 25, 17, 0, tzinfo=SH)
    trigger = ev("lead.assigned", {"lead_id": LEAD, "owner_id": OWNER, "method": "rule"}, assigned)
    owner_step, manager_step = au.plan(rule, trigger, calendars)
    assert owner_step.due_at.astimezone(SH) == datetime(2026, 9, 28, 10, 0, tzinfo=SH)
    # Two more business hours: 10:00-12:00 (lunch is closed).
    assert manager_step.due_at.astimezone(SH) == datetime(2026, 9, 28, 12, 0, tzinfo=SH)
    assert au.recipients_of(owner_step.action, trigger.data) == [("user", OWNER)]
    assert au.recipients_of(manager_step.action, trigger.data) == [("manager_of", OWNER)]
    assert au.render(owner_step.action.message or "", trigger).startswith(
        f"Lead {LEAD} was assigned"
    )
    # Qualifying the lead cancels; another lead's event or an earlier one does not.
    qualified = ev("lead.qualified", {"lead_id": LEAD}, assigned + timedelta(minutes=30), "e2")
    assert au.cancels(rule, trigger, qualified)
    assert not au.cancels(
        rule, trigger, ev("lead.qualified", {"lead_id": OWNER}, assigned + timedelta(hours=1), "e3")
    )
    assert not au.cancels(
        rule, trigger, ev("lead.qualified", {"lead_id": LEAD}, assigned - timedelta(hours=1), "e4")
    )
    assert not au.cancels(rule, trigger, trigger)


def test_business_days_skip_the_golden_week_and_count_the_make_up_saturday() -> None:
    start = datetime(2026, 9, 30, 15, 0, tzinfo=SH)
    # 10-01..10-08 are off, 10-09 (Fri) and 10-10 (Sat, 调休) are worked.
    assert au.add_business_days(CALENDAR, start, 1).astimezone(SH) == datetime(
        2026, 10, 9, 15, 0, tzinfo=SH
    )
    assert au.add_business_days(CALENDAR, start, 2).astimezone(SH) == datetime(
        2026, 10, 10, 15, 0, tzinfo=SH
    )
    # Landing in the lunch break moves to the afternoon opening.
    noon = datetime(2026, 9, 29, 12, 30, tzinfo=SH)
    assert au.add_business_days(CALENDAR, noon, 1).astimezone(SH) == datetime(
        2026, 9, 30, 13, 0, tzinfo=SH
    )


def test_the_proposal_template_fires_only_on_entering_proposal() -> None:
    rule = parse_rule(au.TEMPLATES[1].rule, rule_id="r2")
    data = {
        "opportunity_id": LEAD,
        "to_stage": "proposal",
        "owner_id": OWNER,
        "amount": "120000.00",
        "currency": "CNY",
    }
    at = datetime(2026, 5, 6, 10, 0, tzinfo=UTC)
    assert au.matches(rule, ev("opportunity.stage_changed", data, at))
    assert not au.matches(rule, ev("opportunity.stage_changed", {**data, "to_stage": "won"}, at))
    (step,) = au.plan(rule, ev("opportunity.stage_changed", data, at), calendars)
    assert step.due_at == at and step.action.due_in == au.Duration("days", 2)
    assert (
        au.render(step.action.title or "", ev("opportunity.stage_changed", data, at))
        == "Send the quote (120000.00 CNY)"
    )


def test_an_actions_own_events_never_retrigger_the_same_rule() -> None:
    rule = parse_rule(au.TEMPLATES[1].rule, rule_id="r2")
    data = {"to_stage": "proposal", "owner_id": OWNER}
    at = datetime(2026, 5, 6, tzinfo=UTC)
    first = ev("opportunity.stage_changed", data, at)
    produced = ev("opportunity.stage_changed", data, at, "e9", chain=au.chain_for(rule, first))
    assert produced.chain == ("r2",)
    assert (
        au.why_not(rule, produced)
        == "the event was caused by this rule's own actions (loop protection)"
    )
    other = parse_rule(au.TEMPLATES[1].rule, rule_id="r3")
    assert au.matches(other, produced)
    assert not au.matches(
        other, ev("opportunity.stage_changed", data, at, chain=("a", "b", "c", "d", "e"))
    )
    envelope = {
        "id": "x",
        "type": "opportunity.stage_changed",
        "data": data,
        au.CHAIN_ATTRIBUTE: "r2,r7",
    }
    assert EventView.from_envelope(envelope, at).chain == ("r2", "r7")


def test_dry_run_reports_matches_misses_and_cancellations() -> None:
    rule = parse_rule(au.TEMPLATES[0].rule, rule_id="r1")
    t0 = datetime(2026, 9, 28, 9, 0, tzinfo=SH)
    events = [
        ev("lead.assigned", {"lead_id": LEAD, "owner_id": OWNER}, t0, "a"),
        ev("lead.captured", {"lead_id": OWNER}, t0 + timedelta(minutes=1), "b"),
        ev("lead.assigned", {"lead_id": OWNER, "owner_id": OWNER}, t0 + timedelta(minutes=2), "c"),
        ev("lead.disqualified", {"lead_id": LEAD}, t0 + timedelta(minutes=30), "d"),
    ]
    results = au.dry_run(rule, events, calendars, now=t0 + timedelta(days=1))
    assert [(r.event_id, r.matched, r.cancelled_by) for r in results] == [
        ("a", True, "d"),
        ("b", False, None),
        ("c", True, None),
        ("d", False, None),
    ]
    assert results[1].reason == "the rule listens to lead.assigned"


@pytest.mark.parametrize(
    ("op", "operand", "value", "holds"),
    [
        ("eq", "rule", "rule", True),
        ("eq", 3, 3, True),
        ("eq", "100", "100.00", True),
        ("ne", "rule", "manual", True),
        ("ne", "rule", None, True),
        ("in", ["rule", "manual"], "manual", True),
        ("in", ["rule"], "manual", False),
        ("gt", 10000, "12000.50", True),
        ("gt", 10000, "9999.99", False),
        ("lt", "2026-10-01", "2026-09-30", True),
        ("contains", "北京", "北京朝阳区", True),
        ("contains", "x", ["x", "y"], True),
        ("contains", "上海", "北京", False),
        ("exists", True, None, False),
        ("exists", False, None, True),
        ("gt", 5, None, False),
        ("gt", 5, "abc", False),
    ],
)
def test_condition_operators(op: str, operand: Any, value: Any, holds: bool) -> None:
    data = {} if value is None else {"f": value}
    assert au.condition_holds(au.Condition("f", op, operand), data) is holds


@given(
    st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False),
    st.integers(-(10**9), 10**9),
)
def test_gt_and_lt_agree_with_decimal_order_on_amount_text(amount: Any, bound: int) -> None:
    data = {"f": str(amount)}
    assert au.condition_holds(au.Condition("f", "gt", bound), data) is (amount > bound)
    assert au.condition_holds(au.Condition("f", "lt", bound), data) is (amount < bound)
    assert not (
        au.condition_holds(au.Condition("f", "gt", bound), data)
        and au.condition_holds(au.Condition("f", "lt", bound), data)
    )


@given(st.sampled_from(au.DURATION_UNITS), st.floats(min_value=-1e6, max_value=-1e-6))
def test_any_negative_delay_is_refused(unit: str, amount: float) -> None:
    with pytest.raises(RuleError) as caught:
        parse_rule(
            {"event_type": "lead.assigned", "delay": {unit: amount}, "actions": [notify_owner()]}
        )
    assert caught.value.field == f"delay.{unit}"


@given(
    st.integers(min_value=0, max_value=40 * 8),
    st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 1), timezones=st.just(UTC)
    ),
)
def test_business_hour_delays_never_end_before_they_start_or_in_closed_time(
    hours: int, start: datetime
) -> None:
    due = au.add(au.Duration("business_hours", hours), start, calendars)
    assert due >= start
    if hours:
        assert CALENDAR.minutes_between(start, due) == pytest.approx(hours * 60)
