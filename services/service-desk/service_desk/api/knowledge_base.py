"""HTTP routes of the knowledge base: staff editing and search, public self-service,
suggestions and links on tickets, and the deflection figure."""

from __future__ import annotations

import uuid
from typing import Any

from flask import request

from crm_shared.auth import ADMIN, MANAGER, SERVICE_AGENT
from crm_shared.ratelimit import Limit, RateLimiter
from crm_shared.web import (
    Blueprint,
    current_principal,
    db_session,
    idempotent,
    public,
    require_roles,
    service_context,
)

from .. import knowledge_base as kb
from .. import tickets
from ..models import Article
from ..schemas.knowledge_base import (
    ArticleInSchema,
    ArticleListSchema,
    ArticlePatchSchema,
    ArticleSchema,
    ArticleStateSchema,
    DeflectionArgsSchema,
    DeflectionSchema,
    FeedbackSchema,
    LinkSchema,
    PublicArticleListSchema,
    PublicArticleSchema,
    PublicSearchArgsSchema,
    SearchArgsSchema,
    VersionListSchema,
)

blp = Blueprint("kb", __name__, url_prefix="/api/v1/kb", description="Knowledge base")
ticket_blp = Blueprint(
    "ticket_articles", __name__, url_prefix="/api/v1/tickets", description="Articles on tickets"
)
EDITORS = (ADMIN, SERVICE_AGENT)


@blp.post("/articles")
@require_roles(*EDITORS)
@idempotent
@blp.arguments(ArticleInSchema)
@blp.response(201, ArticleSchema)
def create_article(data: dict[str, Any]) -> Article:
    """Write a new article (a draft, version 1)."""
    return kb.create(db_session(), current_principal(), data)


@blp.get("/articles")
@require_roles(ADMIN, MANAGER, SERVICE_AGENT)
@blp.arguments(SearchArgsSchema, location="query", as_kwargs=True)
@blp.response(200, ArticleListSchema)
def search_articles(q: str, limit: int, language: str | None = None) -> dict[str, Any]:
    """Full-text search over every article (any state, internal too), best first."""
    return {"items": kb.search(db_session(), q, public_only=False, language=language, limit=limit)}


@blp.get("/articles/<uuid:article_id>")
@require_roles(ADMIN, MANAGER, SERVICE_AGENT)
@blp.response(200, ArticleSchema)
def get_article(article_id: uuid.UUID) -> Article:
    """One article."""
    return kb.get(db_session(), article_id)


@blp.patch("/articles/<uuid:article_id>")
@require_roles(*EDITORS)
@blp.arguments(ArticlePatchSchema)
@blp.response(200, ArticleSchema)
def edit_article(data: dict[str, Any], article_id: uuid.UUID) -> Article:
    """Change an article; a new title or body is a new version."""
    return kb.edit(db_session(), current_principal(), article_id, data)


@blp.post("/articles/<uuid:article_id>/state")
@require_roles(*EDITORS)
@blp.arguments(ArticleStateSchema)
@blp.response(200, ArticleSchema)
def move_article(data: dict[str, Any], article_id: uuid.UUID) -> Article:
    """Move an article: draft → in_review → published → archived."""
    return kb.move(db_session(), current_principal(), article_id, data["state"])


@blp.get("/articles/<uuid:article_id>/versions")
@require_roles(ADMIN, MANAGER, SERVICE_AGENT)
@blp.response(200, VersionListSchema)
def article_versions(article_id: uuid.UUID) -> dict[str, Any]:
    """Every version of an article, newest first."""
    return {"items": kb.versions(db_session(), article_id)}


@blp.get("/deflection")
@require_roles(ADMIN, MANAGER, SERVICE_AGENT)
@blp.arguments(DeflectionArgsSchema, location="query", as_kwargs=True)
@blp.response(200, DeflectionSchema)
def deflection(since: Any, until: Any) -> dict[str, Any]:
    """Self-service searches followed by no ticket from that visitor within 24 hours."""
    return kb.deflection(db_session(), since, until)


def _limit_public(what: str) -> None:
    # Counted before the request's own transaction (the limiter commits alone).
    settings = service_context().settings.extra
    RateLimiter(service_context().db).check(
        f"kb-public:{request.remote_addr}",
        Limit(settings["kb_public_per_minute"], 60),
        what=what,
    )


@blp.get("/public/search")
@public
@blp.doc(security=[])
@blp.arguments(PublicSearchArgsSchema, location="query", as_kwargs=True)
@blp.response(200, PublicArticleListSchema)
def public_search(
    q: str, limit: int, language: str | None = None, visitor: str | None = None
) -> dict[str, Any]:
    """Self-service search of published public articles (no login; rate-limited)."""
    _limit_public("searches")
    session = db_session()
    found = kb.search(session, q, public_only=True, language=language, limit=limit)
    kb.record_search(session, visitor, q, len(found))
    return {"items": found}


@blp.get("/public/articles/<uuid:article_id>")
@public
@blp.doc(security=[])
@blp.response(200, PublicArticleSchema)
def public_article(article_id: uuid.UUID) -> Article:
    """A published public article."""
    _limit_public("requests")
    return kb.get(db_session(), article_id, public_only=True)


@blp.post("/public/articles/<uuid:article_id>/feedback")
@public
@blp.doc(security=[])
@blp.arguments(FeedbackSchema)
@blp.response(204)
def public_feedback(data: dict[str, Any], article_id: uuid.UUID) -> None:
    """Was this article helpful? (yes/no)"""
    _limit_public("requests")
    kb.feedback(db_session(), article_id, data["helpful"])


@ticket_blp.get("/<uuid:ticket_id>/suggested-articles")
@ticket_blp.response(200, ArticleListSchema)
def suggested(ticket_id: uuid.UUID) -> dict[str, Any]:
    """Published articles matching the ticket's subject and description."""
    session = db_session()
    ticket = tickets.get(session, current_principal(), ticket_id)
    return {"items": kb.suggestions(session, ticket)}


@ticket_blp.post("/<uuid:ticket_id>/articles")
@ticket_blp.arguments(LinkSchema)
@ticket_blp.response(200, ArticleListSchema)
def link_article(data: dict[str, Any], ticket_id: uuid.UUID) -> dict[str, Any]:
    """Link an article to a ticket; returns the ticket's linked articles."""
    session = db_session()
    ticket = tickets.get(session, current_principal(), ticket_id)
    kb.link(session, current_principal(), ticket, data["article_id"])
    session.flush()
    return {"items": kb.linked(session, ticket.id)}


@ticket_blp.get("/<uuid:ticket_id>/articles")
@ticket_blp.response(200, ArticleListSchema)
def linked_articles(ticket_id: uuid.UUID) -> dict[str, Any]:
    """Articles linked to a ticket."""
    session = db_session()
    ticket = tickets.get(session, current_principal(), ticket_id)
    return {"items": kb.linked(session, ticket.id)}
