"""What moved in a forecast between a snapshot and now: in, out, slipped, amount, stage."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class DealState:
    """A deal at one moment, as the forecast compares it."""

    status: str  # open | won | lost
    stage_id: str
    amount: Decimal
    currency: str
    expected_close_date: date | None
    category: str


def _in_period(state: DealState | None, start: date, end: date) -> bool:
    return (
        state is not None
        and state.status == "open"
        and state.expected_close_date is not None
        and start <= state.expected_close_date < end
    )


def changes(
    before: Mapping[str, DealState],
    now: Mapping[str, DealState],
    start: date,
    end: date,
) -> dict[str, list[dict[str, object]]]:
    """Deals that entered or left the period's forecast, slipped, or changed amount or stage.

    ``won`` and ``lost`` list deals of the earlier forecast that closed
    since; ``moved_out`` those that left it still open (a later close date)
    or were deleted.
    """
    found: dict[str, list[dict[str, object]]] = {
        "moved_in": [],
        "moved_out": [],
        "won": [],
        "lost": [],
        "slipped": [],
        "amount_changed": [],
        "stage_changed": [],
    }
    for deal_id in sorted(set(before) | set(now)):
        old, new = before.get(deal_id), now.get(deal_id)
        was, is_ = _in_period(old, start, end), _in_period(new, start, end)
        entry: dict[str, object] = {"opportunity_id": deal_id}
        if new is not None and old is not None and new.status != "open" and old.status == "open":
            if was:
                found["won" if new.status == "won" else "lost"].append(entry)
            continue
        if is_ and not was:
            found["moved_in"].append(entry)
        elif was and not is_:
            found["moved_out"].append(entry)
        if old is None or new is None or old.status != "open" or new.status != "open":
            continue
        if not (was or is_):
            continue
        if (
            old.expected_close_date is not None
            and new.expected_close_date is not None
            and new.expected_close_date > old.expected_close_date
        ):
            found["slipped"].append(
                {**entry, "from": old.expected_close_date, "to": new.expected_close_date}
            )
        if old.currency == new.currency and old.amount != new.amount:
            found["amount_changed"].append(
                {**entry, "from": old.amount, "to": new.amount, "currency": new.currency}
            )
        if old.stage_id != new.stage_id:
            found["stage_changed"].append({**entry, "from": old.stage_id, "to": new.stage_id})
    return found
