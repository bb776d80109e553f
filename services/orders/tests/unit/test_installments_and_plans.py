"""Installment status is a function of receipts and dates; plans add up exactly."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_shared.errors import ValidationFailed
from orders.rules.installments import installment_status
from orders.rules.plans import PlannedInstallment, add_months, by_percentages, check_plan, monthly

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(100000), places=2)
days = st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31))


@settings(max_examples=300, deadline=None)
@given(amounts, st.lists(amounts, max_size=5), days, days)
def test_status_is_derived_from_receipts_and_the_date(amount, receipts, due_on, today):
    received = sum(receipts, Decimal(0))
    status = installment_status(amount, received, due_on, today)
    assert status == installment_status(
        amount, received, due_on, today
    )  # a function, nothing hidden
    if received >= amount:
        assert status == "paid"
    elif today > due_on:
        assert status == "overdue"
    else:
        assert status == ("partial" if received > 0 else "pending")
    assert installment_status(amount, received, due_on, today, void=True) == "void"


def test_partial_pending_overdue_by_example():
    due = date(2026, 3, 31)
    assert installment_status(Decimal(100), Decimal(0), due, due) == "pending"
    assert installment_status(Decimal(100), Decimal(40), due, due) == "partial"
    assert installment_status(Decimal(100), Decimal(40), due, due + timedelta(days=1)) == "overdue"
    assert installment_status(Decimal(100), Decimal(100), due, due + timedelta(days=9)) == "paid"


@settings(max_examples=200, deadline=None)
@given(amounts, st.integers(1, 36), days)
def test_monthly_plans_add_up_to_the_total(total, count, start):
    plan = monthly(total, count, start, 2)
    assert sum(p.amount for p in plan) == total
    assert len(plan) == count and plan[0].due_on == start
    check_plan(total, [p for p in plan if p.amount > 0]) if all(
        p.amount > 0 for p in plan
    ) else None


def test_30_60_10_template_and_month_ends():
    plan = by_percentages(
        Decimal("1000.01"),
        [Decimal(30), Decimal(60), Decimal(10)],
        date(2026, 1, 31),
        [0, 30, 90],
        2,
    )
    assert [p.amount for p in plan] == [Decimal("300.00"), Decimal("600.01"), Decimal("100.00")]
    assert sum(p.amount for p in plan) == Decimal("1000.01")
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    with pytest.raises(ValidationFailed):
        by_percentages(Decimal(100), [Decimal(30), Decimal(60)], date(2026, 1, 1), [0, 30], 2)


def test_a_plan_that_does_not_add_up_is_refused_naming_the_field():
    with pytest.raises(ValidationFailed) as raised:
        check_plan(
            Decimal(100),
            [
                PlannedInstallment(Decimal(60), date(2026, 1, 1)),
                PlannedInstallment(Decimal("39.99"), date(2026, 2, 1)),
            ],
        )
    assert raised.value.errors[0]["field"] == "installments"
    with pytest.raises(ValidationFailed) as raised:
        check_plan(
            Decimal(100), [PlannedInstallment(Decimal(100), date(2026, 1, 1))], [Decimal(120)]
        )
    assert raised.value.errors[0]["field"] == "installments.0.amount"
