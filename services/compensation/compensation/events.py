"""Events compensation publishes, built in one place."""

from __future__ import annotations

from sqlalchemy.orm import Session

from crm_shared import outbox

from .models import Target


def publish_target_approved(session: Session, target: Target) -> None:
    """``target.approved``: a target is locked for its period."""
    outbox.publish(
        session,
        "target.approved",
        {
            "target_id": str(target.id),
            "period": target.period,
            "subject_kind": target.subject_kind,
            "subject_id": str(target.subject_id) if target.subject_id else None,
            "team_id": str(target.team_id) if target.team_id else None,
            "metric": target.metric,
            "currency": target.currency,
            "target": str(target.target),
            "stretch": None if target.stretch is None else str(target.stretch),
            "challenge": None if target.challenge is None else str(target.challenge),
            "version": target.version,
            "approved_by": str(target.decided_by) if target.decided_by else None,
            "approved_at": (target.decided_at.isoformat() if target.decided_at else None),
        },
        subject=str(target.id),
    )
