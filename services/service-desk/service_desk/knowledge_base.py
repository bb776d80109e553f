"""The knowledge base over the database: articles with versions and states,
full-text search (PostgreSQL tsvector + GIN; SQLite FTS5), feedback,
suggestions for a ticket, links to tickets, and the deflection figure."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, literal_column, select, text
from sqlalchemy.orm import Session

from crm_shared.auth import Principal
from crm_shared.db import utcnow
from crm_shared.errors import Conflict, NotFound, ValidationFailed

from .models import Article, ArticleVersion, PortalSearch, Ticket, TicketArticle
from .rules.kb_states import can_move
from .rules.kb_text import indexed_text, query_tokens

DEFLECTION_WINDOW = timedelta(hours=24)


def _index(article: Article) -> None:
    article.search_text = indexed_text(
        article.title, article.title, article.body, " ".join(article.tags or [])
    )


def create(session: Session, principal: Principal, data: dict[str, Any]) -> Article:
    """A new draft, version 1."""
    now = utcnow()
    article = Article(
        id=uuid.uuid4(),
        title=data["title"].strip(),
        body=data["body"],
        category=data.get("category"),
        tags=sorted(set(data.get("tags") or [])),
        language=data.get("language") or "zh",
        visibility=data.get("visibility") or "internal",
        state="draft",
        version=1,
        helpful=0,
        not_helpful=0,
        updated_by=principal.id,
        updated_at=now,
    )
    _index(article)
    session.add(article)
    session.flush()
    session.add(
        ArticleVersion(
            article_id=article.id,
            version=1,
            title=article.title,
            body=article.body,
            edited_by=principal.id,
            edited_at=now,
        )
    )
    return article


def get(session: Session, article_id: uuid.UUID, *, public_only: bool = False) -> Article:
    """An article (only a published public one when ``public_only``); 404 otherwise."""
    article = session.get(Article, article_id)
    if article is None or (
        public_only and (article.state != "published" or article.visibility != "public")
    ):
        raise NotFound("no such article")
    return article


def edit(
    session: Session, principal: Principal, article_id: uuid.UUID, data: dict[str, Any]
) -> Article:
    """Change an article; a new title or body is a new version (the old one is kept)."""
    article = get(session, article_id)
    for name in ("category", "language", "visibility"):
        if name in data:
            setattr(article, name, data[name])
    if "tags" in data:
        article.tags = sorted(set(data["tags"]))
    text_changed = ("title" in data and data["title"] != article.title) or (
        "body" in data and data["body"] != article.body
    )
    now = utcnow()
    if text_changed:
        article.title = data.get("title", article.title).strip()
        article.body = data.get("body", article.body)
        article.version += 1
        session.add(
            ArticleVersion(
                article_id=article.id,
                version=article.version,
                title=article.title,
                body=article.body,
                edited_by=principal.id,
                edited_at=now,
            )
        )
    _index(article)
    article.updated_by, article.updated_at = principal.id, now
    return article


def move(session: Session, principal: Principal, article_id: uuid.UUID, state: str) -> Article:
    """Move an article: draft → in review → published → archived (and back to draft)."""
    article = get(session, article_id)
    if not can_move(article.state, state):
        raise Conflict(f"a {article.state} article cannot become {state}")
    article.state = state
    article.updated_by, article.updated_at = principal.id, utcnow()
    return article


def versions(session: Session, article_id: uuid.UUID) -> list[ArticleVersion]:
    """Every version of an article, newest first."""
    get(session, article_id)
    return list(
        session.scalars(
            select(ArticleVersion)
            .where(ArticleVersion.article_id == article_id)
            .order_by(ArticleVersion.version.desc())
        )
    )


def search(
    session: Session,
    query: str,
    *,
    public_only: bool,
    language: str | None = None,
    limit: int = 20,
) -> list[Article]:
    """Articles matching any token of ``query``, best first.

    PostgreSQL ranks with ``ts_rank`` over the GIN-indexed tsvector; SQLite
    with FTS5's bm25. Staff see every state and visibility; the public only
    published public articles.
    """
    terms = query_tokens(query)
    if not terms:
        raise ValidationFailed.field("q", "give at least one word to search for")
    if session.get_bind().dialect.name == "postgresql":
        tsquery = func.to_tsquery("simple", " | ".join(_pg_quote(t) for t in terms))
        vector: ColumnElement[Any] = literal_column("kb_articles.search_vector")
        statement = (
            select(Article)
            .where(vector.op("@@")(tsquery))
            .order_by(func.ts_rank(vector, tsquery).desc(), Article.updated_at.desc())
        )
    else:
        match = " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)
        ranked = text(
            "SELECT rowid AS rid, bm25(kb_fts) AS score FROM kb_fts WHERE kb_fts MATCH :match"
        ).bindparams(match=match)
        hits = ranked.columns().subquery("hits")
        statement = (
            select(Article)
            .join(hits, text("hits.rid = kb_articles.rowid"))
            .order_by(text("hits.score"), Article.updated_at.desc())
        )
    if public_only:
        statement = statement.where(Article.state == "published", Article.visibility == "public")
    if language:
        statement = statement.where(Article.language == language)
    return list(session.scalars(statement.limit(limit)))


def _pg_quote(token: str) -> str:
    return "'" + token.replace("'", "''").replace("\\", "") + "'"


def record_search(
    session: Session, visitor: str | None, query: str, results: int, now: datetime | None = None
) -> None:
    """Remember a self-service search (for the deflection figure)."""
    session.add(
        PortalSearch(
            id=uuid.uuid4(),
            visitor=visitor.strip().lower() if visitor else None,
            query=query[:500],
            results=results,
            at=now or utcnow(),
        )
    )


def feedback(session: Session, article_id: uuid.UUID, helpful: bool) -> Article:
    """Count a visitor's 'was this helpful?' on a published public article."""
    article = session.scalars(
        select(Article).where(Article.id == article_id).with_for_update()
    ).first()
    if article is None or article.state != "published" or article.visibility != "public":
        raise NotFound("no such article")
    if helpful:
        article.helpful += 1
    else:
        article.not_helpful += 1
    return article


def suggestions(session: Session, ticket: Ticket, limit: int = 5) -> list[Article]:
    """Published articles matching a ticket's subject and description."""
    query = f"{ticket.subject} {ticket.description or ''}"
    if not query_tokens(query):
        return []
    found = search(session, query, public_only=False, limit=limit * 3)
    return [a for a in found if a.state == "published"][:limit]


def link(session: Session, principal: Principal, ticket: Ticket, article_id: uuid.UUID) -> None:
    """Link an article to a ticket (once)."""
    try:
        get(session, article_id)
    except NotFound as exc:
        raise ValidationFailed.field("article_id", "no such article") from exc
    if session.get(TicketArticle, (ticket.id, article_id)) is None:
        session.add(
            TicketArticle(
                ticket_id=ticket.id,
                article_id=article_id,
                linked_by=principal.id,
                linked_at=utcnow(),
            )
        )


def linked(session: Session, ticket_id: uuid.UUID) -> list[Article]:
    """Articles linked to a ticket."""
    return list(
        session.scalars(
            select(Article)
            .join(TicketArticle, TicketArticle.article_id == Article.id)
            .where(TicketArticle.ticket_id == ticket_id)
            .order_by(TicketArticle.linked_at)
        )
    )


def deflection(session: Session, since: datetime, until: datetime) -> dict[str, Any]:
    """Portal searches by a known visitor (their email) followed by no ticket from that
    address within 24 hours, over all such searches in [since, until)."""
    searches = list(
        session.execute(
            select(PortalSearch.visitor, PortalSearch.at).where(
                PortalSearch.at >= since,
                PortalSearch.at < until,
                PortalSearch.visitor.is_not(None),
            )
        )
    )
    visitors = {visitor for visitor, _ in searches}
    opened: dict[str, list[datetime]] = {}
    for email, at in session.execute(
        select(Ticket.requester_email, Ticket.opened_at).where(
            Ticket.requester_email.in_(visitors),
            Ticket.opened_at >= since,
            Ticket.opened_at < until + DEFLECTION_WINDOW,
        )
    ):
        if email is not None:
            opened.setdefault(email, []).append(at)
    deflected = 0
    for visitor, at in searches:
        later = opened.get(visitor or "", [])
        if not any(at <= t < at + DEFLECTION_WINDOW for t in later):
            deflected += 1
    total = len(searches)
    return {
        "since": since,
        "until": until,
        "searches": total,
        "deflected": deflected,
        "rate": round(deflected / total, 4) if total else None,
    }
