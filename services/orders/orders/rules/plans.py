"""Payment plans (回款计划): templates, and the rule that installments add up exactly."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from crm_shared.errors import ValidationFailed

from .totals import allocate


@dataclass(frozen=True)
class PlannedInstallment:
    """An installment of a plan: how much, when, and how many days ahead to remind."""

    amount: Decimal
    due_on: date
    remind_days: int = 3


def add_months(day: date, months: int) -> date:
    """``day`` moved ``months`` later, clamped to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def by_percentages(
    total: Decimal,
    percents: Sequence[Decimal],
    start: date,
    days_apart: Sequence[int],
    minor_units: int,
    remind_days: int = 3,
) -> list[PlannedInstallment]:
    """A plan such as 30/60/10: shares of ``total`` due ``days_apart[i]`` days after ``start``."""
    if sum(percents, Decimal(0)) != 100:
        raise ValidationFailed.field("percentages", "must add up to 100")
    if len(days_apart) != len(percents):
        raise ValidationFailed.field("due_days", "give one due offset per percentage")
    amounts = allocate(total, list(percents), minor_units)
    return [
        PlannedInstallment(a, start + timedelta(days=d), remind_days)
        for a, d in zip(amounts, days_apart, strict=True)
    ]


def monthly(
    total: Decimal, count: int, start: date, minor_units: int, remind_days: int = 3
) -> list[PlannedInstallment]:
    """``count`` equal monthly installments (rounding spread), from ``start``."""
    if not 1 <= count <= 120:
        raise ValidationFailed.field("months", "must be 1 to 120")
    amounts = allocate(total, [Decimal(1)] * count, minor_units)
    return [PlannedInstallment(a, add_months(start, i), remind_days) for i, a in enumerate(amounts)]


def check_plan(
    total: Decimal,
    installments: Sequence[PlannedInstallment],
    received_by_index: Sequence[Decimal] | None = None,
) -> None:
    """Raise 422 unless the installments are positive and add up exactly to ``total``.

    ``received_by_index`` (when replanning) is what each kept installment has
    received already: none may be planned below it.
    """
    if not installments:
        raise ValidationFailed.field("installments", "a plan needs at least one installment")
    for i, item in enumerate(installments):
        if item.amount <= 0:
            raise ValidationFailed.field(f"installments.{i}.amount", "must be greater than zero")
        if not 0 <= item.remind_days <= 90:
            raise ValidationFailed.field(f"installments.{i}.remind_days", "must be 0 to 90")
        if received_by_index and i < len(received_by_index) and item.amount < received_by_index[i]:
            raise ValidationFailed.field(
                f"installments.{i}.amount", f"is below the {received_by_index[i]} already received"
            )
    planned = sum((i.amount for i in installments), Decimal(0))
    if planned != total:
        raise ValidationFailed.field(
            "installments",
            f"add up to {planned}, not the order total {total}",
            planned=str(planned),
        )
