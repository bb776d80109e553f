"""Pipelines, their stages and the lost-reason list, over the database."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm_shared.auth import Principal
from crm_shared.db import utcnow
from crm_shared.errors import Conflict, NotFound, ValidationFailed

from .models import LostReason, Opportunity, Pipeline, Stage
from .rules.stages import DEFAULT_PIPELINE, DEFAULT_STAGES, check_pipeline_shape


def seed_default(session: Session) -> None:
    """Create the default pipeline and lost reasons once (a fresh install needs them)."""
    if session.scalar(select(func.count()).select_from(Pipeline)):
        return
    pipeline = Pipeline(id=uuid.uuid4(), name=DEFAULT_PIPELINE, is_default=True, team_ids=[])
    session.add(pipeline)
    for position, (name, kind, probability, category, stale, needs) in enumerate(DEFAULT_STAGES):
        session.add(
            Stage(
                id=uuid.uuid4(),
                pipeline_id=pipeline.id,
                name=name,
                position=position,
                kind=kind,
                probability=probability,
                forecast_category=category,
                stale_after_days=stale,
                requirements=list(needs),
            )
        )
    for reason in ("price", "competitor", "no budget", "no decision", "timing", "other"):
        session.add(LostReason(id=uuid.uuid4(), name=reason, active=True))


def stages_of(session: Session, pipeline_id: uuid.UUID) -> list[Stage]:
    """A pipeline's stages in order."""
    return list(
        session.scalars(
            select(Stage).where(Stage.pipeline_id == pipeline_id).order_by(Stage.position)
        )
    )


def may_use(principal: Principal, pipeline: Pipeline) -> bool:
    """Whether the caller's team may see and use a pipeline (admins always)."""
    if principal.is_admin or not pipeline.team_ids:
        return True
    return principal.team_id is not None and str(principal.team_id) in pipeline.team_ids


def present(session: Session, pipeline: Pipeline) -> dict[str, Any]:
    """A pipeline with its stages, as the API shows it."""
    return {
        "id": pipeline.id,
        "name": pipeline.name,
        "is_default": pipeline.is_default,
        "team_ids": pipeline.team_ids,
        "stages": stages_of(session, pipeline.id),
        "created_at": pipeline.created_at,
        "updated_at": pipeline.updated_at,
    }


def get(session: Session, principal: Principal, pipeline_id: uuid.UUID) -> Pipeline:
    """A pipeline the caller may use; 404 otherwise."""
    pipeline = session.get(Pipeline, pipeline_id)
    if pipeline is None or not may_use(principal, pipeline):
        raise NotFound("no such pipeline")
    return pipeline


def default(session: Session) -> Pipeline:
    """The pipeline new deals go to when none is named."""
    pipeline = session.scalars(select(Pipeline).where(Pipeline.is_default.is_(True))).first()
    if pipeline is None:
        pipeline = session.scalars(select(Pipeline).order_by(Pipeline.created_at)).first()
    if pipeline is None:  # pragma: no cover - the migration seeds one
        raise Conflict("no pipeline exists; an admin must create one")
    return pipeline


def list_all(session: Session, principal: Principal) -> list[dict[str, Any]]:
    """The pipelines the caller may use, default first."""
    rows = session.scalars(select(Pipeline).order_by(Pipeline.is_default.desc(), Pipeline.name))
    return [present(session, p) for p in rows if may_use(principal, p)]


def _stage_values(data: dict[str, Any], position: int) -> dict[str, Any]:
    return {
        "name": data["name"].strip(),
        "position": position,
        "kind": data.get("kind", "open"),
        "probability": data["probability"],
        "forecast_category": data["forecast_category"],
        "stale_after_days": data.get("stale_after_days"),
        "requirements": list(dict.fromkeys(data.get("requirements") or [])),
    }


def _check_stages(stages: list[dict[str, Any]]) -> None:
    problem = check_pipeline_shape([s.get("kind", "open") for s in stages])
    if problem:
        raise ValidationFailed.field("stages", problem)
    names = [s["name"].strip().lower() for s in stages]
    if len(set(names)) != len(names):
        raise ValidationFailed.field("stages", "stage names must be unique in a pipeline")


def _check_name(session: Session, name: str, exclude: uuid.UUID | None = None) -> None:
    statement = select(Pipeline.id).where(func.lower(Pipeline.name) == name.lower())
    if exclude is not None:
        statement = statement.where(Pipeline.id != exclude)
    if session.scalar(statement) is not None:
        raise ValidationFailed.field("name", "another pipeline has this name")


def create(session: Session, data: dict[str, Any]) -> dict[str, Any]:
    """A new pipeline with its stages (admins)."""
    _check_stages(data["stages"])
    name = data["name"].strip()
    _check_name(session, name)
    now = utcnow()
    pipeline = Pipeline(
        id=uuid.uuid4(),
        name=name,
        is_default=False,
        team_ids=[str(t) for t in data.get("team_ids") or []],
        created_at=now,
        updated_at=now,
    )
    session.add(pipeline)
    for position, stage in enumerate(data["stages"]):
        session.add(
            Stage(id=uuid.uuid4(), pipeline_id=pipeline.id, **_stage_values(stage, position))
        )
    if data.get("is_default"):
        _make_default(session, pipeline)
    session.flush()
    return present(session, pipeline)


def _make_default(session: Session, pipeline: Pipeline) -> None:
    for other in session.scalars(select(Pipeline).where(Pipeline.is_default.is_(True))):
        other.is_default = False
    pipeline.is_default = True


def update(
    session: Session, principal: Principal, pipeline_id: uuid.UUID, data: dict[str, Any]
) -> dict[str, Any]:
    """Rename, re-team or make default a pipeline; replace its stage list (admins).

    Stages are matched by ``id``: listed ones are updated and reordered, new
    ones (no id) added, and missing ones deleted, which a stage still holding
    deals refuses (409) unless a listed stage ``replaces`` it (its deals move there).
    """
    pipeline = get(session, principal, pipeline_id)
    if "name" in data:
        _check_name(session, data["name"].strip(), exclude=pipeline.id)
        pipeline.name = data["name"].strip()
    if "team_ids" in data:
        pipeline.team_ids = [str(t) for t in data["team_ids"] or []]
    if data.get("is_default"):
        _make_default(session, pipeline)
    if "stages" in data:
        _replace_stages(session, principal, pipeline, data["stages"])
    pipeline.updated_at = utcnow()
    session.flush()
    return present(session, pipeline)


def _replace_stages(
    session: Session, principal: Principal, pipeline: Pipeline, wanted: list[dict[str, Any]]
) -> None:
    from .stage_moves import move_all  # a use case of its own: deals leave a stage

    _check_stages(wanted)
    existing = {s.id: s for s in stages_of(session, pipeline.id)}
    kept = {s["id"] for s in wanted if s.get("id")}
    unknown = kept - set(existing)
    if unknown:
        raise ValidationFailed.field(
            "stages", f"stage {sorted(unknown)[0]} is not in this pipeline"
        )
    # Deals of a deleted stage move to the stage that ``replaces`` it.
    replaced_by = {old: index for index, s in enumerate(wanted) for old in s.get("replaces") or []}
    for stage_id in set(existing) - kept:
        holding = session.scalar(
            select(func.count()).select_from(Opportunity).where(Opportunity.stage_id == stage_id)
        )
        if holding and stage_id not in replaced_by:
            raise Conflict(
                f"stage {existing[stage_id].name} still holds {holding} deals; "
                "list it in another stage's replaces to move them",
                stage_id=str(stage_id),
                deals=holding,
            )
    # Rename old positions out of the way first: (pipeline, name) is unique.
    for stage in existing.values():
        stage.name = f"~{stage.id}"
        stage.position = -1 - stage.position
    session.flush()
    moves: list[tuple[uuid.UUID, uuid.UUID]] = []
    for position, data in enumerate(wanted):
        values = _stage_values(data, position)
        if data.get("id"):
            stage = existing[data["id"]]
            for key, value in values.items():
                setattr(stage, key, value)
        else:
            stage = Stage(id=uuid.uuid4(), pipeline_id=pipeline.id, **values)
            session.add(stage)
        for old in data.get("replaces") or []:
            if old in existing and old not in kept:
                moves.append((old, stage.id))
    session.flush()
    for old, new in moves:
        move_all(session, principal, old, new)
    for stage_id in set(existing) - kept:
        session.delete(existing[stage_id])


def lost_reasons(session: Session, *, include_inactive: bool = False) -> list[LostReason]:
    """The reasons a deal may be lost for."""
    statement = select(LostReason).order_by(LostReason.name)
    if not include_inactive:
        statement = statement.where(LostReason.active.is_(True))
    return list(session.scalars(statement))


def add_lost_reason(session: Session, name: str) -> LostReason:
    """Add a reason to the list (admins); an existing one is reactivated."""
    found = session.scalars(
        select(LostReason).where(func.lower(LostReason.name) == name.strip().lower())
    ).first()
    if found is not None:
        found.active = True
        return found
    reason = LostReason(id=uuid.uuid4(), name=name.strip(), active=True)
    session.add(reason)
    return reason


def retire_lost_reason(session: Session, reason_id: uuid.UUID) -> None:
    """Take a reason off the list (deals lost for it keep it)."""
    reason = session.get(LostReason, reason_id)
    if reason is None:
        raise NotFound("no such lost reason")
    reason.active = False
