"""Approval use cases over a service's session: flows, submit, decide, withdraw, inbox.

A service builds one :class:`Approvals` (its name and how to reach its
copy of the org tree) and registers each document kind it sends for
approval with callbacks: when a request closes, the callback moves the
document (a contract to ``approved``, an invoice to ``approved``) in the same
transaction. ``approval.requested`` (one per approver who may act now) and
``approval.decided`` (when a request closes) go through the outbox in that
transaction too.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, insert, or_, select, update
from sqlalchemy.orm import Session

from .. import outbox
from ..db import utcnow
from ..directory import Directory
from ..errors import NotFound, ValidationFailed
from ..pagination import decode_cursor, encode_cursor
from . import APPROVALS_PATH, rules
from .tables import approval_decisions, approval_flows, approval_requests, approval_tasks
from .views import request_view


@dataclass(frozen=True)
class Outcome:
    """How a request closed, as a document kind's callback sees it."""

    request_id: uuid.UUID
    kind: str
    document_id: uuid.UUID
    status: str  # approved | rejected | withdrawn
    actor_id: uuid.UUID
    comment: str | None
    at: datetime


Callback = Callable[[Session, Outcome], None]


@dataclass(frozen=True)
class DocumentKind:
    """A kind of document a service sends for approval, and what closing does to it."""

    kind: str
    label: str
    on_approved: Callback | None = None
    on_rejected: Callback | None = None
    on_withdrawn: Callback | None = None
    # The document's API path, shown beside each request (e.g. the contract).
    document_path: Callable[[uuid.UUID], str] | None = None


class Approvals:
    """The approval mechanism of one service."""

    def __init__(self, service: str, directory: Callable[[Session], Directory]) -> None:
        self.service = service
        self.directory = directory
        self.kinds: dict[str, DocumentKind] = {}
        self.path = APPROVALS_PATH.format(service=service)

    def register(self, kind: DocumentKind) -> None:
        """Declare a document kind (once, at import time)."""
        self.kinds[kind.kind] = kind

    def _kind(self, kind: str) -> DocumentKind:
        found = self.kinds.get(kind)
        if found is None:
            raise NotFound(f"no document kind {kind!r} takes approvals here")
        return found

    # -- flows ---------------------------------------------------------------

    def define_flow(
        self,
        session: Session,
        kind: str,
        definition: Mapping[str, Any],
        actor: uuid.UUID,
        at: datetime | None = None,
    ) -> dict[str, Any]:
        """Create or replace the flow of ``kind``; pending requests keep their own plan."""
        self._kind(kind)
        flow = rules.Flow.from_dict(definition)
        rules.check_flow(flow)
        at = at or utcnow()
        existing = session.execute(
            select(approval_flows.c.version).where(approval_flows.c.kind == kind).with_for_update()
        ).scalar()
        values = {"definition": flow.to_dict(), "updated_by": actor, "updated_at": at}
        if existing is None:
            session.execute(insert(approval_flows).values(kind=kind, version=1, **values))
        else:
            session.execute(
                update(approval_flows)
                .where(approval_flows.c.kind == kind)
                .values(version=existing + 1, **values)
            )
        found = self.flow(session, kind)
        assert found is not None
        return found

    def remove_flow(self, session: Session, kind: str) -> bool:
        """Stop approving ``kind`` (False when no flow was configured).

        Pending requests keep their own plan and finish as they started.
        """
        self._kind(kind)
        where = approval_flows.c.kind == kind
        if session.execute(select(approval_flows.c.kind).where(where).with_for_update()).first():
            session.execute(delete(approval_flows).where(where))
            return True
        return False

    def flow(self, session: Session, kind: str) -> dict[str, Any] | None:
        """The flow of ``kind`` as stored, or None when none is configured."""
        row = session.execute(select(approval_flows).where(approval_flows.c.kind == kind)).first()
        if row is None:
            return None
        return {
            "kind": row.kind,
            "label": self.kinds[row.kind].label if row.kind in self.kinds else row.kind,
            **row.definition,
            "version": row.version,
            "updated_by": row.updated_by,
            "updated_at": row.updated_at,
        }

    def flows(self, session: Session) -> list[dict[str, Any]]:
        """Every registered kind with its flow (``steps`` empty when none is configured)."""
        out = []
        for kind in sorted(self.kinds):
            found = self.flow(session, kind)
            out.append(
                found
                or {
                    "kind": kind,
                    "label": self.kinds[kind].label,
                    "steps": [],
                    "resubmit_from": "first_step",
                    "version": 0,
                    "updated_by": None,
                    "updated_at": None,
                }
            )
        return out

    # -- requests ------------------------------------------------------------

    def submit(
        self,
        session: Session,
        kind: str,
        document_id: uuid.UUID,
        facts: rules.Facts,
        submitter: uuid.UUID,
        title: str,
        at: datetime | None = None,
    ) -> dict[str, Any]:
        """Send a document for approval; returns the request.

        Without a configured flow, or when no step applies, the request is
        approved at once (and the kind's ``on_approved`` runs). A document
        with a pending request is refused (409).
        """
        self._kind(kind)
        at = at or utcnow()
        previous = session.execute(
            select(approval_requests)
            .where(approval_requests.c.kind == kind, approval_requests.c.document_id == document_id)
            .order_by(approval_requests.c.round.desc())
            .limit(1)
            .with_for_update()
        ).first()
        before = rules.RequestState.from_dict(previous.state) if previous else None
        stored = session.execute(
            select(approval_flows).where(approval_flows.c.kind == kind)
        ).first()
        flow = rules.Flow.from_dict(stored.definition) if stored else rules.Flow(steps=())
        state = rules.submit(flow, facts, submitter, self.directory(session), before)
        request_id = uuid.uuid4()
        session.execute(
            insert(approval_requests).values(
                id=request_id,
                kind=kind,
                document_id=document_id,
                title=title[:300],
                round=(previous.round + 1) if previous else 1,
                flow_version=stored.version if stored else None,
                facts=facts.to_dict(),
                state=state.to_dict(),
                status=state.status,
                submitter_id=submitter,
                submitted_at=at,
                decided_at=at if state.status != rules.PENDING else None,
                updated_at=at,
            )
        )
        self._record(session, request_id, "submitted", submitter, None, None, at)
        if state.status == rules.APPROVED:
            self._record(
                session, request_id, "approved", submitter, None, "no approval step applies", at
            )
            self._close(session, request_id, state, submitter, None, at)
        else:
            self._open_tasks(session, request_id, state, at, at)
        return self.request(session, request_id)

    def decide(
        self,
        session: Session,
        request_id: uuid.UUID,
        actor: uuid.UUID,
        action: str,
        comment: str | None = None,
        *,
        is_admin: bool = False,
        at: datetime | None = None,
    ) -> dict[str, Any]:
        """``approve``, ``reject`` or ``withdraw`` a request; returns it as it is now.

        The request row is locked, so two approvers deciding at once are
        applied one after the other. A non-approver gets 422, a closed
        request 409, and nothing changes.
        """
        at = at or utcnow()
        row = session.execute(
            select(approval_requests).where(approval_requests.c.id == request_id).with_for_update()
        ).first()
        if row is None:
            raise NotFound("no such approval request")
        state = rules.RequestState.from_dict(row.state)
        step = state.current
        if action == "approve":
            after = rules.approve(state, actor)
        elif action == "reject":
            after = rules.reject(state, actor, comment)
        elif action == "withdraw":
            after = rules.withdraw(state, actor, is_admin=is_admin)
        else:
            raise ValidationFailed.field("action", "must be approve, reject or withdraw")
        past = {"approve": "approved", "reject": "rejected", "withdraw": "withdrawn"}[action]
        self._record(
            session,
            request_id,
            past,
            actor,
            step,
            comment.strip() if comment and comment.strip() else None,
            at,
        )
        session.execute(
            update(approval_requests)
            .where(approval_requests.c.id == request_id)
            .values(state=after.to_dict(), status=after.status, updated_at=at)
        )
        moved = after.position != state.position or after.status != state.status
        if action == "approve" and not moved:
            # 会签: this approver is done; the others' tasks stay open.
            session.execute(
                update(approval_tasks)
                .where(
                    approval_tasks.c.request_id == request_id,
                    approval_tasks.c.approver_id == actor,
                    approval_tasks.c.status == "open",
                )
                .values(status="done", closed_at=at)
            )
            if step is not None and step.mode == "sequential":
                self._open_tasks(session, request_id, after, row.submitted_at, at)
        else:
            self._cancel_tasks(session, request_id, actor, at)
            if after.status == rules.PENDING:
                self._open_tasks(session, request_id, after, row.submitted_at, at)
            else:
                self._close(session, request_id, after, actor, comment, at)
        return self.request(session, request_id)

    def _record(
        self,
        session: Session,
        request_id: uuid.UUID,
        action: str,
        actor: uuid.UUID,
        step: rules.PlannedStep | None,
        comment: str | None,
        at: datetime,
    ) -> None:
        session.execute(
            insert(approval_decisions).values(
                id=uuid.uuid4(),
                request_id=request_id,
                action=action,
                actor_id=actor,
                step_index=step.index if step else None,
                step_name=step.name if step else None,
                comment=comment,
                at=at,
            )
        )

    def _cancel_tasks(
        self, session: Session, request_id: uuid.UUID, actor: uuid.UUID, at: datetime
    ) -> None:
        table = approval_tasks
        open_ = and_(table.c.request_id == request_id, table.c.status == "open")
        session.execute(
            update(table)
            .where(open_, table.c.approver_id == actor)
            .values(status="done", closed_at=at)
        )
        session.execute(update(table).where(open_).values(status="cancelled", closed_at=at))

    def _open_tasks(
        self,
        session: Session,
        request_id: uuid.UUID,
        state: rules.RequestState,
        submitted_at: datetime,
        at: datetime,
    ) -> None:
        step = state.current
        if step is None:
            return
        request = session.execute(
            select(approval_requests).where(approval_requests.c.id == request_id)
        ).one()
        already = set(
            session.scalars(
                select(approval_tasks.c.approver_id).where(
                    approval_tasks.c.request_id == request_id, approval_tasks.c.status == "open"
                )
            )
        )
        for approver in rules.may_act(state):
            if approver in already:
                continue
            session.execute(
                insert(approval_tasks).values(
                    id=uuid.uuid4(),
                    request_id=request_id,
                    approver_id=approver,
                    step_index=step.index,
                    step_name=step.name,
                    status="open",
                    submitted_at=submitted_at,
                    created_at=at,
                )
            )
            outbox.publish(
                session,
                "approval.requested",
                {
                    "request_id": request_id,
                    "service": self.service,
                    "kind": request.kind,
                    "document_id": request.document_id,
                    "title": request.title,
                    "step_index": step.index,
                    "step_name": step.name,
                    "to_admins": step.to_admins,
                    "approver_id": approver,
                    "submitter_id": request.submitter_id,
                    "facts": request.facts,
                    "decide_url": f"{self.path}/{request_id}",
                    "requested_at": at,
                },
                subject=request_id,
            )

    def _close(
        self,
        session: Session,
        request_id: uuid.UUID,
        state: rules.RequestState,
        actor: uuid.UUID,
        comment: str | None,
        at: datetime,
    ) -> None:
        session.execute(
            update(approval_requests)
            .where(approval_requests.c.id == request_id)
            .values(decided_at=at)
        )
        request = session.execute(
            select(approval_requests).where(approval_requests.c.id == request_id)
        ).one()
        outbox.publish(
            session,
            "approval.decided",
            {
                "request_id": request_id,
                "service": self.service,
                "kind": request.kind,
                "document_id": request.document_id,
                "title": request.title,
                "status": state.status,
                "decided_by": actor,
                "comment": comment,
                "submitter_id": request.submitter_id,
                "decided_at": at,
            },
            subject=request_id,
        )
        kind = self.kinds[request.kind]
        callback = {
            rules.APPROVED: kind.on_approved,
            rules.REJECTED: kind.on_rejected,
            rules.WITHDRAWN: kind.on_withdrawn,
        }[state.status]
        if callback is not None:
            outcome = Outcome(
                request_id, request.kind, request.document_id, state.status, actor, comment, at
            )
            callback(session, outcome)

    # -- reading -------------------------------------------------------------

    def request(self, session: Session, request_id: uuid.UUID) -> dict[str, Any]:
        """A request with its steps, who may act now and every decision."""
        row = session.execute(
            select(approval_requests).where(approval_requests.c.id == request_id)
        ).first()
        if row is None:
            raise NotFound("no such approval request")
        return self._view(session, row)

    def _view(self, session: Session, row: Any) -> dict[str, Any]:
        kind = self.kinds.get(row.kind)
        path = kind.document_path if kind else None
        return request_view(session, row, service=self.service, path=self.path, document_path=path)

    def may_see(self, view: Mapping[str, Any], user: uuid.UUID, *, is_admin: bool) -> bool:
        """Admins, the submitter, and anyone who ever was an approver see a request."""
        if is_admin or view["submitter_id"] == user:
            return True
        return any(user in (uuid.UUID(a) for a in s["approvers"]) for s in view["steps"])

    def history(self, session: Session, kind: str, document_id: uuid.UUID) -> list[dict[str, Any]]:
        """Every request of a document, first round first."""
        rows = session.execute(
            select(approval_requests)
            .where(approval_requests.c.kind == kind, approval_requests.c.document_id == document_id)
            .order_by(approval_requests.c.round)
        ).all()
        return [self._view(session, row) for row in rows]

    def latest(self, session: Session, kind: str, document_id: uuid.UUID) -> dict[str, Any] | None:
        """The newest request of a document, or None."""
        found = self.history(session, kind, document_id)
        return found[-1] if found else None

    def pending_for(
        self, session: Session, user: uuid.UUID, *, limit: int = 50, cursor: str | None = None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Requests ``user`` may decide now, longest waiting first, one page."""
        tasks = approval_tasks
        statement = select(tasks.c.request_id, tasks.c.submitted_at, tasks.c.id).where(
            tasks.c.approver_id == user, tasks.c.status == "open"
        )
        if cursor:
            from ..pagination import SortKey

            keys = [SortKey(tasks.c.submitted_at, "submitted_at"), SortKey(tasks.c.id, "id")]
            after_time, after_id = decode_cursor(cursor, keys)
            statement = statement.where(
                or_(
                    tasks.c.submitted_at > after_time,
                    and_(tasks.c.submitted_at == after_time, tasks.c.id > after_id),
                )
            )
        rows = session.execute(
            statement.order_by(tasks.c.submitted_at, tasks.c.id).limit(limit + 1)
        ).all()
        next_cursor = None
        if len(rows) > limit:
            rows = rows[:limit]
            next_cursor = encode_cursor([rows[-1].submitted_at, rows[-1].id])
        items = []
        for r in rows:
            # Each item's own position lets the gateway merge several services' pages.
            view = self.request(session, r.request_id)
            view["inbox_cursor"] = encode_cursor([r.submitted_at, r.id])
            items.append(view)
        return items, next_cursor
