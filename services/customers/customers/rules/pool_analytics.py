"""Pool analysis: claims and recycles per week, time to claim, and what claims led to.

Plain Python over facts read elsewhere (no I/O, no clock): the ownership
history of customers and the deals they won. A claim's *entry reason* is why
the customer was in the pool when it was claimed: the recycling rule that put
it there (``no_followup``, ``no_opportunity``, ``not_won``), ``recycled`` for a
recycle whose rule was not recorded, ``released`` by its owner, or ``new`` when
it was entered straight into the pool.
"""

from __future__ import annotations

import statistics
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

# Ownership actions that put a customer in a pool, and those that end an owner's holding.
POOL_ENTRIES = frozenset({"released", "recycled"})
OWNER_ENDS = frozenset({"released", "recycled", "transferred"})


@dataclass(frozen=True)
class Change:
    """One ownership change, as the audit trail keeps it."""

    customer_id: uuid.UUID
    action: str
    at: datetime
    to_owner: uuid.UUID | None = None
    from_owner: uuid.UUID | None = None
    rule: str | None = None


@dataclass(frozen=True)
class Win:
    """A deal won by a customer."""

    customer_id: uuid.UUID
    won_at: datetime
    amount: Decimal
    currency: str


@dataclass
class ReasonFigures:
    """What the claims of customers that were in the pool for one reason led to."""

    reason: str
    claims: int = 0
    claims_won: int = 0
    deals_won: int = 0
    won: dict[str, Decimal] | None = None


@dataclass(frozen=True)
class Claim:
    """A claim with the time its customer had waited in the pool and why it was there."""

    customer_id: uuid.UUID
    owner: uuid.UUID | None
    at: datetime
    waited: timedelta | None
    reason: str
    ends_at: datetime | None  # when the claimer stopped owning it (None: still theirs)


def week_start(day: date) -> date:
    """The Monday of ``day``'s ISO week."""
    return day - timedelta(days=day.weekday())


def weeks_between(start: date, end: date) -> list[date]:
    """The Mondays of every ISO week that overlaps [start, end)."""
    out, monday = [], week_start(start)
    while monday < end:
        out.append(monday)
        monday += timedelta(days=7)
    return out


def entry_reason(change: Change | None) -> str:
    """Why a customer was in the pool, from the change that put it there."""
    if change is None or change.action == "created":
        return "new"
    if change.action == "recycled":
        return change.rule or "recycled"
    return change.action


def claims_of(changes: Iterable[Change]) -> list[Claim]:
    """Every claim in ``changes``, with its entry reason, wait and end of ownership.

    ``changes`` may come in any order; each customer's history is read oldest
    first. A claim waited from the last change that put the customer in the
    pool (a release, a recycle, or its creation into the pool).
    """
    by_customer: dict[uuid.UUID, list[Change]] = defaultdict(list)
    for change in changes:
        by_customer[change.customer_id].append(change)
    claims: list[Claim] = []
    for history in by_customer.values():
        history.sort(key=lambda c: c.at)
        entered: Change | None = None
        for i, change in enumerate(history):
            is_entry = change.action in POOL_ENTRIES or (
                change.action == "created" and change.to_owner is None
            )
            if is_entry:
                entered = change
            elif change.action == "claimed":
                ends = next(
                    (later.at for later in history[i + 1 :] if later.action in OWNER_ENDS), None
                )
                claims.append(
                    Claim(
                        customer_id=change.customer_id,
                        owner=change.to_owner,
                        at=change.at,
                        waited=change.at - entered.at if entered is not None else None,
                        reason=entry_reason(entered),
                        ends_at=ends,
                    )
                )
                entered = None
    return claims


def median_hours(waits: Iterable[timedelta | None]) -> float | None:
    """The median of the waits in hours (None without any), to two decimals."""
    hours = [w.total_seconds() / 3600 for w in waits if w is not None]
    return round(statistics.median(hours), 2) if hours else None


def wins_after(claim: Claim, wins: Sequence[Win]) -> list[Win]:
    """The customer's deals won while the claimer held it (from the claim until it left them)."""
    return [
        w
        for w in wins
        if w.customer_id == claim.customer_id
        and w.won_at >= claim.at
        and (claim.ends_at is None or w.won_at < claim.ends_at)
    ]


def by_reason(claims: Iterable[Claim], wins: Sequence[Win]) -> list[ReasonFigures]:
    """Claims per entry reason and the deals won after them, the most claimed reason first."""
    figures: dict[str, ReasonFigures] = {}
    for claim in claims:
        row = figures.setdefault(claim.reason, ReasonFigures(claim.reason, won={}))
        row.claims += 1
        won = wins_after(claim, wins)
        if won:
            row.claims_won += 1
        row.deals_won += len(won)
        assert row.won is not None
        for w in won:
            row.won[w.currency] = row.won.get(w.currency, Decimal(0)) + w.amount
    return sorted(figures.values(), key=lambda r: (-r.claims, r.reason))


def weekly(
    changes: Iterable[Change], start: date, end: date, members: frozenset[uuid.UUID] | None = None
) -> list[dict[str, object]]:
    """Claims and recycles in each ISO week overlapping [start, end), every week listed.

    With ``members`` (a team), only claims by them and recycles from them count.
    """
    counts: dict[date, dict[str, int]] = {
        monday: {"claims": 0, "recycles": 0} for monday in weeks_between(start, end)
    }
    for change in changes:
        day = change.at.date()
        if not start <= day < end:
            continue
        # A team's claims are its reps' claims; its recycles, those taken from its reps.
        if change.action == "claimed" and (members is None or change.to_owner in members):
            counts[week_start(day)]["claims"] += 1
        elif change.action == "recycled" and (members is None or change.from_owner in members):
            counts[week_start(day)]["recycles"] += 1
    return [{"week": monday, **figures} for monday, figures in sorted(counts.items())]


def in_period(
    claims: Iterable[Claim], start: date, end: date, members: frozenset[uuid.UUID] | None = None
) -> list[Claim]:
    """The claims made on a day in [start, end) (by one of ``members``, when given)."""
    return [
        c for c in claims if start <= c.at.date() < end and (members is None or c.owner in members)
    ]
