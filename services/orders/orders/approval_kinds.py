"""The document kinds orders sends for approval, on the shared mechanism."""

from __future__ import annotations

from sqlalchemy.orm import Session

from crm_shared.approvals.engine import Approvals, DocumentKind, Outcome
from crm_shared.directory import SqlDirectory

APPROVALS = Approvals("orders", directory=SqlDirectory)


def _contract(status: str):  # late import: contracts imports this module
    def move(session: Session, outcome: Outcome) -> None:
        from .contracts import approval_closed

        approval_closed(session, outcome.document_id, status, outcome.at)

    return move


def _invoice(status: str):
    def move(session: Session, outcome: Outcome) -> None:
        from .invoicing import approval_closed

        approval_closed(session, outcome.document_id, status, outcome.at)

    return move


APPROVALS.register(
    DocumentKind(
        "contract",
        "Contract",
        on_approved=_contract("approved"),
        on_rejected=_contract("rejected"),
        on_withdrawn=_contract("draft"),
        document_path=lambda i: f"/api/v1/contracts/{i}",
    )
)
APPROVALS.register(
    DocumentKind(
        "invoice",
        "Invoice",
        on_approved=_invoice("approved"),
        on_rejected=_invoice("rejected"),
        on_withdrawn=_invoice("rejected"),
        document_path=lambda i: f"/api/v1/invoices/{i}",
    )
)
