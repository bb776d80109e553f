"""The public survey endpoint: a signed one-time link, no account needed."""

from __future__ import annotations

from typing import Any

from crm_shared.web import Blueprint, db_session, public

from .. import satisfaction
from ..schemas.surveys import SurveyAnswerSchema, SurveyViewSchema

blp = Blueprint(
    "surveys", __name__, url_prefix="/api/v1/surveys", description="Satisfaction surveys"
)


@blp.get("/<string:token>")
@public
@blp.doc(security=[])
@blp.response(200, SurveyViewSchema)
def show_survey(token: str) -> dict[str, Any]:
    """What the link is about (404 for a forged or expired link)."""
    return satisfaction.survey_view(db_session(), token)


@blp.post("/<string:token>")
@public
@blp.doc(security=[])
@blp.arguments(SurveyAnswerSchema)
@blp.response(200, SurveyViewSchema)
def answer_survey(data: dict[str, Any], token: str) -> dict[str, Any]:
    """Rate the service 1-5 with an optional comment, once, within the survey's window."""
    return satisfaction.answer_survey(db_session(), token, data["rating"], data["comment"])
