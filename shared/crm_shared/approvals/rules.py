"""Approval flows as data, and the pure transitions of a request through them.

A flow is an ordered list of steps. Each step names who approves (an
:class:`ApproverRule`), how many of them must agree (``mode``) and when it
applies at all (a :class:`Condition` on the document's :class:`Facts`).
Steps run one after the other; a step whose condition is false is skipped.

Modes of a step:

- ``any`` (或签): one approval from any approver completes the step;
- ``all`` (会签): every approver must approve, in any order;
- ``sequential``: every approver must approve, one after the other in the
  order the rule lists them (managers nearest first).

Approvers are resolved when the request is submitted, from the
:class:`~crm_shared.approvals.people.Directory`. The submitter never
approves their own request. A step whose approvers cannot be found goes to
the admins (any one of them approves); when there is no admin either, the
submission is refused — a step never passes silently.

Nothing here reads a clock, a database or the bus: every function maps a
state (and an actor) to a new state, or raises a problem the API renders.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from ..directory import Directory
from ..errors import Conflict, ValidationFailed

MODES = ("any", "all", "sequential")
APPROVER_KINDS = ("users", "role", "submitter_manager", "managers_up")
RESUBMIT_FROM = ("first_step", "rejected_step")
RISK_LEVELS = ("low", "medium", "high")

PENDING, APPROVED, REJECTED, WITHDRAWN = "pending", "approved", "rejected", "withdrawn"
CLOSED = frozenset({APPROVED, REJECTED, WITHDRAWN})

ADMIN_ROLE = "admin"


@dataclass(frozen=True)
class Facts:
    """What a flow's conditions may look at in a document."""

    amount: Decimal | None = None
    currency: str | None = None
    # Percent, 0-100: the largest discount the document grants.
    discount: Decimal | None = None
    credit_risk: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (decimals as strings)."""
        return {
            "amount": str(self.amount) if self.amount is not None else None,
            "currency": self.currency,
            "discount": str(self.discount) if self.discount is not None else None,
            "credit_risk": self.credit_risk,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Facts:
        """Inverse of :meth:`to_dict`."""
        amount, discount = data.get("amount"), data.get("discount")
        return cls(
            amount=Decimal(str(amount)) if amount is not None else None,
            currency=data.get("currency"),
            discount=Decimal(str(discount)) if discount is not None else None,
            credit_risk=data.get("credit_risk"),
        )


@dataclass(frozen=True)
class Condition:
    """When a step applies: every clause given must hold (an empty condition always does).

    A clause about a fact the document does not state is false, so a step
    guarding "amount over X" applies to no document without an amount.
    """

    amount_over: Decimal | None = None
    discount_over: Decimal | None = None
    credit_risk_in: tuple[str, ...] = ()
    currency_in: tuple[str, ...] = ()

    def holds(self, facts: Facts) -> bool:
        """Whether the step applies to a document with ``facts``."""
        if self.amount_over is not None and (
            facts.amount is None or not facts.amount > self.amount_over
        ):
            return False
        if self.discount_over is not None and (
            facts.discount is None or not facts.discount > self.discount_over
        ):
            return False
        if self.credit_risk_in and facts.credit_risk not in self.credit_risk_in:
            return False
        return not (self.currency_in and facts.currency not in self.currency_in)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; clauses not given are left out."""
        out: dict[str, Any] = {}
        if self.amount_over is not None:
            out["amount_over"] = str(self.amount_over)
        if self.discount_over is not None:
            out["discount_over"] = str(self.discount_over)
        if self.credit_risk_in:
            out["credit_risk_in"] = list(self.credit_risk_in)
        if self.currency_in:
            out["currency_in"] = list(self.currency_in)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Condition:
        """Inverse of :meth:`to_dict`."""
        data = data or {}
        amount, discount = data.get("amount_over"), data.get("discount_over")
        return cls(
            amount_over=Decimal(str(amount)) if amount is not None else None,
            discount_over=Decimal(str(discount)) if discount is not None else None,
            credit_risk_in=tuple(data.get("credit_risk_in") or ()),
            currency_in=tuple(data.get("currency_in") or ()),
        )


@dataclass(frozen=True)
class ApproverRule:
    """Who approves a step.

    ``users``: the listed users; ``role``: every active holder of ``role``
    (finance is the role ``finance``); ``submitter_manager``: the manager of
    the submitter's team; ``managers_up``: ``levels`` managers up the team tree.
    """

    kind: str
    users: tuple[uuid.UUID, ...] = ()
    role: str | None = None
    levels: int = 1

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        out: dict[str, Any] = {"kind": self.kind}
        if self.kind == "users":
            out["users"] = [str(u) for u in self.users]
        if self.kind == "role":
            out["role"] = self.role
        if self.kind == "managers_up":
            out["levels"] = self.levels
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ApproverRule:
        """Inverse of :meth:`to_dict`."""
        return cls(
            kind=data["kind"],
            users=tuple(uuid.UUID(str(u)) for u in data.get("users") or ()),
            role=data.get("role"),
            levels=int(data.get("levels") or 1),
        )


@dataclass(frozen=True)
class Step:
    """One step of a flow."""

    name: str
    approvers: ApproverRule
    mode: str = "any"
    condition: Condition = field(default_factory=Condition)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "name": self.name,
            "approvers": self.approvers.to_dict(),
            "mode": self.mode,
            "condition": self.condition.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Step:
        """Inverse of :meth:`to_dict`."""
        return cls(
            name=data["name"],
            approvers=ApproverRule.from_dict(data["approvers"]),
            mode=data.get("mode", "any"),
            condition=Condition.from_dict(data.get("condition")),
        )


@dataclass(frozen=True)
class Flow:
    """An approval flow: ordered steps, and where a resubmission restarts."""

    steps: tuple[Step, ...]
    resubmit_from: str = "first_step"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "steps": [s.to_dict() for s in self.steps],
            "resubmit_from": self.resubmit_from,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Flow:
        """Inverse of :meth:`to_dict`; :func:`check_flow` says whether it is valid."""
        return cls(
            steps=tuple(Step.from_dict(s) for s in data.get("steps") or ()),
            resubmit_from=data.get("resubmit_from", "first_step"),
        )


def check_flow(flow: Flow) -> None:
    """Raise 422 naming the field when ``flow`` cannot be run."""
    errors: list[dict[str, str]] = []
    if not flow.steps:
        errors.append({"field": "steps", "message": "a flow needs at least one step"})
    if flow.resubmit_from not in RESUBMIT_FROM:
        errors.append({"field": "resubmit_from", "message": f"must be one of {RESUBMIT_FROM}"})
    for i, step in enumerate(flow.steps):
        where = f"steps.{i}"
        if not step.name.strip():
            errors.append({"field": f"{where}.name", "message": "must not be blank"})
        if step.mode not in MODES:
            errors.append({"field": f"{where}.mode", "message": f"must be one of {MODES}"})
        rule = step.approvers
        if rule.kind not in APPROVER_KINDS:
            errors.append(
                {"field": f"{where}.approvers.kind", "message": f"must be one of {APPROVER_KINDS}"}
            )
        if rule.kind == "users" and not rule.users:
            errors.append({"field": f"{where}.approvers.users", "message": "name at least one"})
        if rule.kind == "role" and not (rule.role or "").strip():
            errors.append({"field": f"{where}.approvers.role", "message": "is required"})
        if rule.kind == "managers_up" and not 1 <= rule.levels <= 10:
            errors.append({"field": f"{where}.approvers.levels", "message": "must be 1 to 10"})
        cond = step.condition
        if cond.discount_over is not None and not 0 <= cond.discount_over <= 100:
            errors.append(
                {"field": f"{where}.condition.discount_over", "message": "must be 0 to 100"}
            )
        bad_risk = [r for r in cond.credit_risk_in if r not in RISK_LEVELS]
        if bad_risk:
            errors.append(
                {
                    "field": f"{where}.condition.credit_risk_in",
                    "message": f"must be among {RISK_LEVELS}",
                }
            )
    if errors:
        raise ValidationFailed(
            "; ".join(f"{e['field']}: {e['message']}" for e in errors), errors=errors
        )


@dataclass(frozen=True)
class PlannedStep:
    """A step of one request, with its approvers resolved at submission."""

    index: int  # position of the step in the flow
    name: str
    mode: str
    approvers: tuple[uuid.UUID, ...]
    # True when nobody matched the rule and the step went to the admins.
    to_admins: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "index": self.index,
            "name": self.name,
            "mode": self.mode,
            "approvers": [str(a) for a in self.approvers],
            "to_admins": self.to_admins,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PlannedStep:
        """Inverse of :meth:`to_dict`."""
        return cls(
            index=int(data["index"]),
            name=data["name"],
            mode=data["mode"],
            approvers=tuple(uuid.UUID(a) for a in data["approvers"]),
            to_admins=bool(data.get("to_admins")),
        )


@dataclass(frozen=True)
class RequestState:
    """Where a request stands: its plan, the current step and who approved it so far."""

    status: str
    submitter: uuid.UUID
    plan: tuple[PlannedStep, ...]
    position: int = 0  # index into ``plan``; == len(plan) once every step passed
    approvals: tuple[uuid.UUID, ...] = ()  # of the current step, in order
    rejected_step: int | None = None  # flow index of the step that rejected

    @property
    def current(self) -> PlannedStep | None:
        """The step awaiting decisions, or None when the request is closed."""
        if self.status != PENDING or self.position >= len(self.plan):
            return None
        return self.plan[self.position]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "status": self.status,
            "submitter": str(self.submitter),
            "plan": [p.to_dict() for p in self.plan],
            "position": self.position,
            "approvals": [str(a) for a in self.approvals],
            "rejected_step": self.rejected_step,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RequestState:
        """Inverse of :meth:`to_dict`."""
        return cls(
            status=data["status"],
            submitter=uuid.UUID(data["submitter"]),
            plan=tuple(PlannedStep.from_dict(p) for p in data["plan"]),
            position=int(data["position"]),
            approvals=tuple(uuid.UUID(a) for a in data["approvals"]),
            rejected_step=data.get("rejected_step"),
        )


class NoApprover(ValidationFailed):
    """Neither the rule nor the admins yield anyone who may approve a step."""


def applicable_steps(flow: Flow, facts: Facts) -> list[int]:
    """Indexes of the flow's steps whose condition holds for ``facts``."""
    return [i for i, step in enumerate(flow.steps) if step.condition.holds(facts)]


def _active(directory: Directory, ids: list[uuid.UUID]) -> list[uuid.UUID]:
    found = []
    for user_id in ids:
        user = directory.user(user_id)
        if user is not None and user.active and user_id not in found:
            found.append(user_id)
    return found


def resolve_approvers(
    rule: ApproverRule, submitter: uuid.UUID, directory: Directory
) -> list[uuid.UUID]:
    """The active users ``rule`` names for a request by ``submitter`` (never the submitter)."""
    if rule.kind == "users":
        ids = list(rule.users)
    elif rule.kind == "role":
        ids = list(directory.users_with_role(rule.role or ""))
    elif rule.kind == "submitter_manager":
        manager = directory.manager_of(submitter)
        ids = [manager] if manager is not None else []
    elif rule.kind == "managers_up":
        ids = list(directory.managers_up(submitter, rule.levels))
    else:  # pragma: no cover - check_flow refuses other kinds
        ids = []
    return [a for a in _active(directory, ids) if a != submitter]


def plan_steps(
    flow: Flow, facts: Facts, submitter: uuid.UUID, directory: Directory, *, start_at: int = 0
) -> tuple[PlannedStep, ...]:
    """The applicable steps from flow index ``start_at`` on, each with its approvers.

    Raises :class:`NoApprover` (422) when a step has nobody: not from its
    rule, and no admin other than the submitter.
    """
    planned = []
    for index in applicable_steps(flow, facts):
        if index < start_at:
            continue
        step = flow.steps[index]
        approvers = resolve_approvers(step.approvers, submitter, directory)
        if approvers:
            planned.append(PlannedStep(index, step.name, step.mode, tuple(approvers)))
            continue
        admins = [a for a in _active(directory, directory.users_with_role(ADMIN_ROLE))]
        admins = [a for a in admins if a != submitter]
        if not admins:
            raise NoApprover.field(
                f"steps.{index}.approvers", f"nobody can approve step {step.name!r}"
            )
        planned.append(PlannedStep(index, step.name, "any", tuple(admins), to_admins=True))
    return tuple(planned)


def submit(
    flow: Flow,
    facts: Facts,
    submitter: uuid.UUID,
    directory: Directory,
    previous: RequestState | None = None,
) -> RequestState:
    """A new request, or a resubmission after ``previous`` was rejected or withdrawn.

    A resubmission restarts at the first step, or — when the flow says
    ``rejected_step`` and the previous round was rejected — at the step that
    rejected it (steps before it are taken as passed). With no applicable
    step the request is approved at once.
    """
    if previous is not None and previous.status == PENDING:
        raise Conflict("an approval request for this document is already pending")
    start_at = 0
    if (
        previous is not None
        and flow.resubmit_from == "rejected_step"
        and previous.status == REJECTED
        and previous.rejected_step is not None
    ):
        start_at = previous.rejected_step
    plan = plan_steps(flow, facts, submitter, directory, start_at=start_at)
    status = PENDING if plan else APPROVED
    return RequestState(status=status, submitter=submitter, plan=plan)


def may_act(state: RequestState) -> tuple[uuid.UUID, ...]:
    """Who may decide the request now (empty when it is closed)."""
    step = state.current
    if step is None:
        return ()
    if step.mode == "sequential":
        return (step.approvers[len(state.approvals)],)
    if step.mode == "all":
        return tuple(a for a in step.approvers if a not in state.approvals)
    return step.approvers


def _check_open(state: RequestState) -> PlannedStep:
    step = state.current
    if step is None:
        raise Conflict(f"the approval request is {state.status}", status_now=state.status)
    return step


def _check_approver(state: RequestState, actor: uuid.UUID) -> None:
    if actor not in may_act(state):
        raise ValidationFailed.field("approver", "you are not a current approver of this request")


def step_done(step: PlannedStep, approvals: tuple[uuid.UUID, ...]) -> bool:
    """Whether ``approvals`` satisfy ``step``: one for ``any``, everyone otherwise."""
    if step.mode == "any":
        return any(a in step.approvers for a in approvals)
    return set(step.approvers) <= set(approvals)


def approve(state: RequestState, actor: uuid.UUID) -> RequestState:
    """``actor`` approves the current step; the request moves on or is approved."""
    step = _check_open(state)
    _check_approver(state, actor)
    approvals = (*state.approvals, actor)
    if not step_done(step, approvals):
        return replace(state, approvals=approvals)
    position = state.position + 1
    if position >= len(state.plan):
        return replace(state, status=APPROVED, position=position, approvals=())
    return replace(state, position=position, approvals=())


def reject(state: RequestState, actor: uuid.UUID, comment: str | None) -> RequestState:
    """``actor`` rejects the request; a comment saying why is required."""
    step = _check_open(state)
    _check_approver(state, actor)
    if not (comment or "").strip():
        raise ValidationFailed.field("comment", "say why the request is rejected")
    return replace(state, status=REJECTED, rejected_step=step.index)


def withdraw(state: RequestState, actor: uuid.UUID, *, is_admin: bool = False) -> RequestState:
    """The submitter (or an admin) withdraws a pending request."""
    _check_open(state)
    if actor != state.submitter and not is_admin:
        raise ValidationFailed.field("actor", "only the submitter may withdraw the request")
    return replace(state, status=WITHDRAWN)
