"""Which status may follow which, for quotes, contracts and orders' fulfilment."""

from __future__ import annotations

from datetime import date

from crm_shared.errors import Conflict

QUOTE_MOVES = {
    "draft": {"sent", "superseded"},
    "sent": {"accepted", "rejected", "expired", "superseded"},
}
CONTRACT_MOVES = {
    "draft": {"pending_approval", "void"},
    "pending_approval": {"approved", "rejected", "draft"},
    "rejected": {"pending_approval", "void"},
    "approved": {"active", "void"},
    "active": {"completed", "void", "superseded"},
}
EDITABLE_CONTRACT = frozenset({"draft", "rejected"})


def check_move(kind: str, moves: dict[str, set[str]], current: str, target: str) -> None:
    """Raise 409 naming the state when ``current`` may not become ``target``."""
    if target not in moves.get(current, set()):
        raise Conflict(f"a {current} {kind} cannot become {target}", status_now=current)


def quote_expired(status: str, valid_until: date | None, today: date) -> bool:
    """Whether a quote should be expired on ``today`` (sent or draft, past its validity)."""
    return status in ("draft", "sent") and valid_until is not None and today > valid_until


def ends_within(end_on: date | None, today: date, days: int) -> bool:
    """Whether a contract ending on ``end_on`` ends within ``days`` from ``today``."""
    return end_on is not None and 0 <= (end_on - today).days <= days
