"""Teams and the org tree (manager, parent team), over the gateway's database."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_shared import outbox
from crm_shared.db import utcnow
from crm_shared.errors import Conflict, NotFound, ValidationFailed

from .models import Team, User
from .rules.team_tree import creates_cycle


def team_event(team: Team) -> dict[str, Any]:
    """The data of ``team.created`` / ``team.updated``: the team's whole state."""
    return {
        "team_id": team.id,
        "name": team.name,
        "manager_id": team.manager_id,
        "parent_id": team.parent_id,
    }


def _check_name(session: Session, name: str, team_id: uuid.UUID | None = None) -> str:
    name = name.strip()
    if not name:
        raise ValidationFailed.field("name", "must not be blank")
    taken = session.scalar(select(Team.id).where(Team.name == name))
    if taken is not None and taken != team_id:
        raise Conflict("team name is taken", errors=[{"field": "name", "message": "is taken"}])
    return name


def _check_manager(session: Session, manager_id: uuid.UUID | None) -> None:
    if manager_id is not None and session.get(User, manager_id) is None:
        raise ValidationFailed.field("manager_id", "no such user")


def _check_parent(session: Session, team_id: uuid.UUID, parent_id: uuid.UUID | None) -> None:
    if parent_id is None:
        return
    if session.get(Team, parent_id) is None:
        raise ValidationFailed.field("parent_id", "no such team")
    parent_of = {row.id: row.parent_id for row in session.execute(select(Team.id, Team.parent_id))}
    if creates_cycle(team_id, parent_id, parent_of):
        raise ValidationFailed.field("parent_id", "would make the team its own ancestor")


def create_team(session: Session, data: dict[str, Any]) -> Team:
    """Create a team (admins; the route checks) and announce it."""
    name = _check_name(session, data["name"])
    team_id = uuid.uuid4()
    _check_manager(session, data.get("manager_id"))
    _check_parent(session, team_id, data.get("parent_id"))
    now = utcnow()
    team = Team(
        id=team_id,
        name=name,
        manager_id=data.get("manager_id"),
        parent_id=data.get("parent_id"),
        created_at=now,
        updated_at=now,
    )
    session.add(team)
    session.flush()
    outbox.publish(session, "team.created", team_event(team), subject=team.id)
    return team


def update_team(session: Session, team_id: uuid.UUID, data: dict[str, Any]) -> Team:
    """Rename a team or set its manager or parent team, and announce it."""
    team = session.get(Team, team_id, with_for_update=True)
    if team is None:
        raise NotFound("no such team")
    if "name" in data:
        team.name = _check_name(session, data["name"], team.id)
    if "manager_id" in data:
        _check_manager(session, data["manager_id"])
        team.manager_id = data["manager_id"]
    if "parent_id" in data:
        _check_parent(session, team.id, data["parent_id"])
        team.parent_id = data["parent_id"]
    team.updated_at = utcnow()
    outbox.publish(session, "team.updated", team_event(team), subject=team.id)
    return team
