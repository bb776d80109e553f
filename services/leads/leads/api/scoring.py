"""Routes of scoring: the rules, auto-qualification settings and the learned model."""

from __future__ import annotations

import uuid
from typing import Any

from crm_shared.auth import ADMIN, MANAGER
from crm_shared.web import (
    Blueprint,
    db_session,
    require_roles,
)

from .. import configuration, scoring
from ..schemas.scoring import (
    ModelSchema,
    QualificationSettingsSchema,
    ScoringRuleInSchema,
    ScoringRuleListSchema,
    ScoringRuleSchema,
)

blp = Blueprint("scoring", __name__, url_prefix="/api/v1/scoring-rules", description="Lead scoring")


@blp.get("")
@blp.response(200, ScoringRuleListSchema)
def list_scoring_rules() -> dict[str, Any]:
    """Every scoring rule."""
    return {"items": scoring.list_scoring_rules(db_session())}


@blp.post("")
@require_roles(ADMIN, MANAGER)
@blp.arguments(ScoringRuleInSchema)
@blp.response(201, ScoringRuleSchema)
def create_scoring_rule(data: dict[str, Any]) -> Any:
    """A new scoring rule; open leads are rescored."""
    return scoring.create_scoring_rule(db_session(), data)


@blp.put("/<uuid:rule_id>")
@require_roles(ADMIN, MANAGER)
@blp.arguments(ScoringRuleInSchema)
@blp.response(200, ScoringRuleSchema)
def replace_scoring_rule(data: dict[str, Any], rule_id: uuid.UUID) -> Any:
    """Replace a scoring rule; open leads are rescored."""
    return scoring.replace_scoring_rule(db_session(), rule_id, data)


@blp.delete("/<uuid:rule_id>")
@require_roles(ADMIN, MANAGER)
@blp.response(204)
def delete_scoring_rule(rule_id: uuid.UUID) -> None:
    """Remove a scoring rule; open leads are rescored."""
    scoring.delete_scoring_rule(db_session(), rule_id)


@blp.get("/settings")
@blp.response(200, QualificationSettingsSchema)
def get_qualification() -> Any:
    """Automatic qualification and the model's weight."""
    return configuration.qualification_settings(db_session())


@blp.put("/settings")
@require_roles(ADMIN, MANAGER)
@blp.arguments(QualificationSettingsSchema)
@blp.response(200, QualificationSettingsSchema)
def put_qualification(data: dict[str, Any]) -> Any:
    """Turn automatic qualification on or off, and set its threshold."""
    return configuration.set_qualification(db_session(), data)


@blp.get("/model")
@blp.response(200, ModelSchema)
def get_model() -> Any:
    """Optional: the learned model and its held-out accuracy."""
    return scoring.model_view(db_session())


@blp.post("/model/train")
@require_roles(ADMIN, MANAGER)
@blp.response(200, ModelSchema)
def train_model() -> Any:
    """Optional: learn from past qualified and disqualified leads."""
    return scoring.train_model(db_session())
