"""Who may see which lead: the caller's scope, plus the unassigned queue for managers.

Every read of a lead goes through here, so a lead outside the caller's
scope is answered 404, exactly like one that does not exist.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, or_
from sqlalchemy.orm import Session

from crm_shared.auth import MANAGER, Principal, can_see, scope_clause
from crm_shared.pagination import SortKey
from crm_shared.scoping import get_in_scope, page_in_scope

from .models import Lead


def is_manager(principal: Principal) -> bool:
    """Managers and admins: they see the unassigned queue and hand leads out."""
    return principal.is_admin or principal.has_role(MANAGER)


def visible(principal: Principal) -> ColumnElement[bool]:
    """Leads the caller may see: their scope, plus the unassigned queue for managers."""
    clause = scope_clause(principal, Lead.owner_id, Lead.team_id)
    if principal.has_role(MANAGER) and not principal.is_admin:
        clause = or_(clause, Lead.owner_id.is_(None))
    return clause


def may_see(principal: Principal, lead: Lead) -> bool:
    """Whether the caller may see ``lead`` (the same rule as :func:`visible`, in Python)."""
    if lead.owner_id is None and is_manager(principal):
        return True
    return can_see(principal, lead.owner_id, lead.team_id)


def get_lead(
    session: Session,
    principal: Principal,
    lead_id: uuid.UUID,
    *,
    lock: bool = False,
    allow_hidden: bool = False,
) -> Lead:
    """A lead the caller may see; 404 otherwise (not 403: existence is not leaked).

    ``allow_hidden``: the caller just captured it (a touch on someone else's
    lead), so they get it back even when it is outside their scope.
    """
    return get_in_scope(
        session,
        Lead,
        lead_id,
        None if allow_hidden else principal,
        visible=visible(principal),
        lock=lock,
        what="lead",
    )


def page_of_leads(
    session: Session,
    principal: Principal,
    statement: Select[Any],
    keys: Sequence[SortKey],
    args: dict[str, Any],
) -> tuple[list[Any], str | None]:
    """One page of ``statement``'s leads within the caller's scope."""
    return page_in_scope(
        session,
        statement,
        keys,
        principal,
        visible=visible(principal),
        limit=args["limit"],
        cursor=args.get("cursor"),
    )
