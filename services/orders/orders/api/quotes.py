"""Quote routes: create, revise, send, accept, reject, PDF."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response

from crm_shared.web import Blueprint, current_principal, db_session, idempotent

from .. import quotes
from ..pdf import quote_pdf
from ..schemas.quotes import (
    QuoteInSchema,
    QuoteListArgsSchema,
    QuotePageSchema,
    QuoteReviseSchema,
    QuoteSchema,
)
from . import today
from .views import quote_view

blp = Blueprint("quotes", __name__, url_prefix="/api/v1/quotes", description="Quotes")


@blp.get("")
@blp.arguments(QuoteListArgsSchema, location="query", as_kwargs=True)
@blp.response(200, QuotePageSchema)
def list_quotes(**args: Any) -> dict[str, Any]:
    """Quotes in the caller's scope, newest first."""
    session = db_session()
    items, cursor = quotes.list_page(session, current_principal(), args)
    return {"items": [quote_view(session, q) for q in items], "next_cursor": cursor}


@blp.post("")
@idempotent
@blp.arguments(QuoteInSchema)
@blp.response(201, QuoteSchema)
def create_quote(data: dict[str, Any]) -> dict[str, Any]:
    """A draft quote, priced from the catalog and price lists."""
    session = db_session()
    return quote_view(session, quotes.create(session, current_principal(), data, today()))


@blp.get("/<uuid:quote_id>")
@blp.response(200, QuoteSchema)
def get_quote(quote_id: uuid.UUID) -> dict[str, Any]:
    """One quote (any version)."""
    session = db_session()
    return quote_view(session, quotes.get(session, current_principal(), quote_id))


@blp.get("/<uuid:quote_id>.pdf")
@blp.response(200, description="the quote as PDF", content_type="application/pdf")
def get_quote_pdf(quote_id: uuid.UUID) -> Response:
    """The quote rendered as PDF (Chinese text included)."""
    session = db_session()
    quote = quotes.get(session, current_principal(), quote_id)
    body = quote_pdf(quote, quotes.lines_of(session, quote.id))
    return Response(
        body,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{quote.number}-v{quote.version}.pdf"'},
    )


@blp.post("/<uuid:quote_id>/revisions")
@idempotent
@blp.arguments(QuoteReviseSchema)
@blp.response(201, QuoteSchema)
def revise_quote(data: dict[str, Any], quote_id: uuid.UUID) -> dict[str, Any]:
    """A new version; the old one is superseded and stays readable."""
    session = db_session()
    return quote_view(session, quotes.revise(session, current_principal(), quote_id, data, today()))


def _move(action: Any, quote_id: uuid.UUID, *args: Any) -> dict[str, Any]:
    session = db_session()
    return quote_view(session, action(session, current_principal(), quote_id, *args))


@blp.post("/<uuid:quote_id>/send")
@blp.response(200, QuoteSchema)
def send_quote(quote_id: uuid.UUID) -> dict[str, Any]:
    """Mark the draft as sent."""
    return _move(quotes.send, quote_id)


@blp.post("/<uuid:quote_id>/accept")
@blp.response(200, QuoteSchema)
def accept_quote(quote_id: uuid.UUID) -> dict[str, Any]:
    """The customer accepted (publishes ``quote.accepted``)."""
    return _move(quotes.accept, quote_id, today())


@blp.post("/<uuid:quote_id>/reject")
@blp.response(200, QuoteSchema)
def reject_quote(quote_id: uuid.UUID) -> dict[str, Any]:
    """The customer declined."""
    return _move(quotes.reject, quote_id)
