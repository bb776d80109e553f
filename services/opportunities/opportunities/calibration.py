"""Each rep's history as calibration counts: win rates per stage and close-date slip.

:func:`history_counts` reads the counts straight from closed deals (for any
cut-off, so a backtest only uses what was known at the time);
:func:`refresh` keeps the current counts in small tables the forecast reads
in a millisecond, run by the ``refresh-calibration`` job.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from crm_shared.db import Database, utcnow

from .models import Opportunity, RepSlip, RepStageRate, StageHistory
from .rules.calibration import SlipModel, slip_model, stage_win_rate

Key = tuple[uuid.UUID | None, uuid.UUID]


@dataclass
class Counts:
    """Calibration counts: (won, entered) per rep and per team for each stage; slips."""

    rep_rates: dict[Key, tuple[int, int]] = field(default_factory=dict)
    team_rates: dict[Key, tuple[int, int]] = field(default_factory=dict)
    rep_slips: dict[uuid.UUID, tuple[int, int, int]] = field(default_factory=dict)
    team_slips: dict[uuid.UUID | None, tuple[int, int, int]] = field(default_factory=dict)
    owner_team: dict[uuid.UUID, uuid.UUID | None] = field(default_factory=dict)
    computed_at: datetime | None = None

    def win_rate(
        self, owner: uuid.UUID, team: uuid.UUID | None, stage: uuid.UUID, default: int
    ) -> float:
        """The shrunk chance the rep wins a deal now in ``stage``."""
        return stage_win_rate(
            default, self.team_rates.get((team, stage)), self.rep_rates.get((owner, stage))
        )

    def slip(self, owner: uuid.UUID, team: uuid.UUID | None) -> SlipModel:
        """The rep's close-date slip model, shrunk toward the team's."""
        return slip_model(self.rep_slips.get(owner), self.team_slips.get(team))


def _add(table: Any, key: Any, values: tuple[int, ...]) -> None:
    old = table.get(key)
    table[key] = values if old is None else tuple(a + b for a, b in zip(old, values, strict=True))


def history_counts(session: Session, *, before: datetime | None = None) -> Counts:
    """Counts from deals closed before ``before`` (all closed deals when None)."""
    closed = Opportunity.status.in_(("won", "lost"))
    where: list[Any] = [closed]
    if before is not None:
        where.append(Opportunity.closed_at < before)
    entered = func.count(func.distinct(Opportunity.id))
    rows = session.execute(
        select(
            Opportunity.owner_id,
            Opportunity.team_id,
            StageHistory.to_stage_id,
            Opportunity.status,
            entered,
        )
        .join(StageHistory, StageHistory.opportunity_id == Opportunity.id)
        .where(*where)
        .group_by(
            Opportunity.owner_id, Opportunity.team_id, StageHistory.to_stage_id, Opportunity.status
        )
    )
    counts = Counts(computed_at=utcnow())
    for owner, team, stage, status, n in rows:
        won = n if status == "won" else 0
        _add(counts.rep_rates, (owner, stage), (won, n))
        _add(counts.team_rates, (team, stage), (won, n))
        counts.owner_team[owner] = team
    slips = session.execute(
        select(
            Opportunity.owner_id,
            Opportunity.team_id,
            Opportunity.first_close_date,
            Opportunity.closed_at,
        ).where(*where, Opportunity.status == "won", Opportunity.first_close_date.is_not(None))
    )
    for owner, team, promised, closed_at in slips:
        if closed_at is None or promised is None:
            continue
        late = max(0, (closed_at.date() - promised).days)
        values = (1, 1 if late > 0 else 0, late)
        _add(counts.rep_slips, owner, values)
        _add(counts.team_slips, team, values)
    return counts


def refresh(db: Database, _settings: Any = None) -> int:
    """The job: recompute the calibration tables from every closed deal."""
    with db.transaction() as session:
        counts = history_counts(session)
        session.execute(delete(RepStageRate))
        session.execute(delete(RepSlip))
        rates = [
            {
                "owner_id": owner,
                "stage_id": stage,
                "team_id": counts.owner_team.get(owner) if owner else None,
                "won": won,
                "entered": n,
            }
            for (owner, stage), (won, n) in counts.rep_rates.items()
        ]
        if rates:
            session.execute(insert(RepStageRate), rates)
        slips = [
            {
                "owner_id": owner,
                "team_id": counts.owner_team.get(owner),
                "closed": closed,
                "slipped": slipped,
                "slip_days": days,
                "computed_at": counts.computed_at,
            }
            for owner, (closed, slipped, days) in counts.rep_slips.items()
        ]
        if slips:
            session.execute(insert(RepSlip), slips)
        return len(rates)


def stored_counts(session: Session) -> Counts:
    """The counts the job last stored (team counts summed from the reps')."""
    counts = Counts()
    for row in session.scalars(select(RepStageRate)):
        counts.rep_rates[(row.owner_id, row.stage_id)] = (row.won, row.entered)
        _add(counts.team_rates, (row.team_id, row.stage_id), (row.won, row.entered))
        counts.owner_team[row.owner_id] = row.team_id
    for slip in session.scalars(select(RepSlip)):
        counts.rep_slips[slip.owner_id] = (slip.closed, slip.slipped, slip.slip_days)
        _add(counts.team_slips, slip.team_id, (slip.closed, slip.slipped, slip.slip_days))
        counts.computed_at = slip.computed_at
    return counts
