"""Compensation's use of the shared approval mechanism: target declarations and payouts."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from crm_shared.approvals.engine import Approvals, DocumentKind, Outcome
from crm_shared.approvals.rules import Facts
from crm_shared.directory import SqlDirectory
from crm_shared.errors import Conflict, Forbidden

from . import statements, targeting
from .models import Payout, Target

TARGET, PAYOUT = "target", "payout"
SYSTEM = uuid.UUID(int=0)

# What a fresh install asks, until admins change the flows.
DEFAULT_FLOWS: dict[str, dict[str, Any]] = {
    TARGET: {
        "steps": [{"name": "manager", "approvers": {"kind": "submitter_manager"}, "mode": "any"}],
        "resubmit_from": "first_step",
    },
    PAYOUT: {
        "steps": [
            {"name": "manager", "approvers": {"kind": "submitter_manager"}, "mode": "any"},
            {"name": "finance", "approvers": {"kind": "role", "role": "finance"}, "mode": "any"},
        ],
        "resubmit_from": "first_step",
    },
}


def _target_closed(status: str) -> Any:
    def callback(session: Session, outcome: Outcome) -> None:
        target = session.get(Target, outcome.document_id)
        if target is not None and target.status == "declared":
            targeting.mark_decided(session, target, status, outcome.actor_id)
            if status == "approved":
                from .events import publish_target_approved

                publish_target_approved(session, target)

    return callback


def _payout_closed(status: str) -> Any:
    def callback(session: Session, outcome: Outcome) -> None:
        payout = session.get(Payout, outcome.document_id)
        if payout is None or payout.status != "pending_approval":
            return
        if status == "approved":
            statements.approved(session, payout)
        else:
            statements.released(session, payout, status)

    return callback


def _directory(session: Session) -> SqlDirectory:
    return SqlDirectory(session)


APPROVALS = Approvals("compensation", directory=_directory)
APPROVALS.register(
    DocumentKind(
        TARGET,
        "Target declaration",
        on_approved=_target_closed("approved"),
        on_rejected=_target_closed("rejected"),
        on_withdrawn=_target_closed("rejected"),
        document_path=lambda doc: f"/api/v1/compensation/targets/{doc}",
    )
)
APPROVALS.register(
    DocumentKind(
        PAYOUT,
        "Commission payout",
        on_approved=_payout_closed("approved"),
        on_rejected=_payout_closed("rejected"),
        on_withdrawn=_payout_closed("withdrawn"),
        document_path=lambda doc: f"/api/v1/compensation/payouts/{doc}",
    )
)


def seed_flows(session: Session) -> None:
    """Give each kind its default flow where admins have not set one."""
    for kind, definition in DEFAULT_FLOWS.items():
        if APPROVALS.flow(session, kind) is None:
            APPROVALS.define_flow(session, kind, definition, SYSTEM)


def submit_target(session: Session, target: Target) -> None:
    """Send a declaration to the declarer's manager."""
    assert target.subject_id is not None
    request = APPROVALS.submit(
        session,
        TARGET,
        target.id,
        Facts(amount=target.target, currency=target.currency),
        target.subject_id,
        f"Target {target.metric} {target.period}: {target.target}",
    )
    target.approval_id = request["id"]


def submit_payout(session: Session, payout: Payout) -> None:
    """Send a payout to the payee's manager, then finance (the payee stands as submitter)."""
    request = APPROVALS.submit(
        session,
        PAYOUT,
        payout.id,
        Facts(amount=payout.amount, currency=payout.currency),
        payout.owner_id,
        f"Commission {payout.period}: {payout.amount} {payout.currency}",
    )
    payout.approval_id = request["id"]


def check_may_decide(session: Session, target: Target, actor: uuid.UUID, is_admin: bool) -> None:
    """Only who may act on the declaration now (or an admin) adjusts it."""
    if target.status != "declared":
        raise Conflict("only a declaration waiting for approval can be adjusted")
    view = APPROVALS.latest(session, TARGET, target.id)
    if view is None or view["status"] != "pending":
        raise Conflict("this declaration has no pending approval")
    if not is_admin and str(actor) not in {str(a) for a in view["may_act"]}:
        raise Forbidden("you are not the approver of this declaration")
