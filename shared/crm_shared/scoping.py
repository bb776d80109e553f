"""Reading records in the caller's data scope: one, or a page.

Every service answers "get this record" and "list these records" for a
caller who may see only some of them (:mod:`crm_shared.auth`: own, team,
all). Both go through here so the rule is the same everywhere: the scope is
a condition in the query itself, never a filter after it, and a record out
of scope is answered exactly like one that does not exist (404), so its
existence is not leaked.

The scope defaults to :func:`crm_shared.auth.scope_clause` over the owner
and team columns; a service whose visibility is wider (a manager also sees
an unassigned queue) passes its own condition as ``visible``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, inspect, select, true
from sqlalchemy.orm import Session

from .auth import Principal, scope_clause
from .errors import NotFound
from .pagination import SortKey, paginate

T = TypeVar("T")


def in_scope(
    principal: Principal | None,
    *,
    owner: Any = None,
    team: Any = None,
    visible: ColumnElement[bool] | None = None,
) -> ColumnElement[bool]:
    """The condition selecting what ``principal`` may see.

    ``visible`` when given; otherwise the scope over the ``owner`` and
    ``team`` columns. No principal means no restriction (the caller already
    knows it may see the record, e.g. it just created it).
    """
    if principal is None:
        return true()
    if visible is not None:
        return visible
    if owner is None:
        raise TypeError("in_scope needs an owner column or a visible condition")
    return scope_clause(principal, owner, team)


def get_in_scope(
    session: Session,
    model: type[T],
    record_id: Any,
    principal: Principal | None,
    *,
    owner: Any = None,
    team: Any = None,
    visible: ColumnElement[bool] | None = None,
    lock: bool = False,
    what: str = "record",
) -> T:
    """The ``model`` row with primary key ``record_id`` in the caller's scope.

    Raises :class:`~crm_shared.errors.NotFound` ("no such <what>") when it is
    missing or out of scope. ``lock`` takes the row ``FOR UPDATE``.
    """
    key = inspect(model).primary_key[0]
    statement = select(model).where(
        key == record_id, in_scope(principal, owner=owner, team=team, visible=visible)
    )
    if lock:
        statement = statement.with_for_update()
    found = session.scalars(statement).first()
    if found is None:
        raise NotFound(f"no such {what}")
    return found


def page_in_scope(
    session: Session,
    statement: Select[Any],
    keys: Sequence[SortKey],
    principal: Principal | None,
    *,
    limit: int,
    cursor: str | None,
    owner: Any = None,
    team: Any = None,
    visible: ColumnElement[bool] | None = None,
) -> tuple[list[Any], str | None]:
    """One keyset page of ``statement`` restricted to the caller's scope, and the next cursor."""
    statement = statement.where(in_scope(principal, owner=owner, team=team, visible=visible))
    return paginate(session, statement, keys, limit=limit, cursor=cursor)
