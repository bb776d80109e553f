"""Satisfaction (CSAT): surveys sent on resolution, answers, agent-recorded ratings.

A rating known when the ticket closes rides on ``ticket.closed``; one that
arrives after closing publishes ``ticket.rated``, so compensation and
customers take either.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm_shared import outbox
from crm_shared.auth import Principal
from crm_shared.db import utcnow
from crm_shared.errors import Conflict, Forbidden, NotFound

from .models import CustomerRef, Secret, Survey, Ticket
from .rules import signed_links
from .rules.ratings import RatingRefused, check_agent_may_rate, check_survey_open


def _settings() -> dict[str, Any]:
    return current_app.extensions["crm"].settings.extra


def link_key(session: Session, *, create: bool = True) -> bytes:
    """The key links are signed with: the setting, else one kept in the database
    (made on first use unless ``create`` is false: then no key means no valid link)."""
    configured = _settings().get("link_secret")
    if configured:
        return str(configured).encode()
    row = session.get(Secret, "signed-links")
    if row is None and not create:
        raise NotFound("this link is not valid")
    if row is None:
        try:
            with session.begin_nested():
                row = Secret(name="signed-links", value=secrets.token_urlsafe(32))
                session.add(row)
        except IntegrityError:  # another process made it first: use theirs
            row = session.get(Secret, "signed-links")
    assert row is not None
    return row.value.encode()


def _owner(session: Session, ticket: Ticket) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    ref = session.get(CustomerRef, ticket.customer_id)
    return (ref.owner_id, ref.team_id) if ref else (None, None)


def send_survey(session: Session, ticket: Ticket, now: datetime) -> Survey:
    """Make the survey of a resolution and publish ``ticket.survey_sent`` with its link."""
    settings = _settings()
    survey = Survey(
        id=uuid.uuid4(),
        ticket_id=ticket.id,
        sent_at=now,
        expires_at=now + timedelta(days=settings["survey_days"]),
    )
    session.add(survey)
    token = signed_links.sign(link_key(session), survey.id, survey.expires_at)
    owner_id, _ = _owner(session, ticket)
    outbox.publish(
        session,
        "ticket.survey_sent",
        {
            "ticket_id": ticket.id,
            "survey_id": survey.id,
            "customer_id": ticket.customer_id,
            "contact_id": ticket.contact_id,
            "customer_owner_id": owner_id,
            "subject": ticket.subject,
            "link": f"{settings['public_base_url'].rstrip('/')}/api/v1/surveys/{token}",
            "expires_at": survey.expires_at,
            "sent_at": now,
        },
        subject=ticket.id,
    )
    return survey


def publish_closed(session: Session, ticket: Ticket) -> None:
    """Publish ``ticket.closed`` with the rating when one is known."""
    owner_id, team_id = _owner(session, ticket)
    outbox.publish(
        session,
        "ticket.closed",
        {
            "ticket_id": ticket.id,
            "customer_id": ticket.customer_id,
            "customer_owner_id": owner_id,
            "customer_team_id": team_id,
            "satisfaction": ticket.satisfaction,
            "rating_channel": ticket.rating_channel,
            "opened_at": ticket.opened_at,
            "closed_at": ticket.closed_at,
        },
        subject=ticket.id,
    )


def _rate(
    session: Session,
    ticket: Ticket,
    rating: int,
    comment: str | None,
    channel: str,
    now: datetime,
) -> Ticket:
    if ticket.satisfaction is not None:
        raise Conflict("this ticket has already been rated")
    ticket.satisfaction, ticket.rating_comment = rating, comment
    ticket.rating_channel, ticket.rated_at = channel, now
    if ticket.status == "closed":
        owner_id, team_id = _owner(session, ticket)
        outbox.publish(
            session,
            "ticket.rated",
            {
                "ticket_id": ticket.id,
                "customer_id": ticket.customer_id,
                "customer_owner_id": owner_id,
                "customer_team_id": team_id,
                "rating": rating,
                "channel": channel,
                "closed_at": ticket.closed_at,
                "rated_at": now,
            },
            subject=ticket.id,
        )
    return ticket


def _survey_of(session: Session, token: str, now: datetime, *, lock: bool = False) -> Survey:
    try:
        survey_id = signed_links.verify(link_key(session), token, now)
    except signed_links.BadToken as exc:
        raise NotFound(str(exc)) from exc
    statement = select(Survey).where(Survey.id == survey_id)
    if lock:
        statement = statement.with_for_update()
    survey = session.scalars(statement).first()
    if survey is None:
        raise NotFound("this survey link is not valid")
    return survey


def survey_view(session: Session, token: str, now: datetime | None = None) -> dict[str, Any]:
    """What the customer sees of their survey: the ticket's subject and whether it is answered."""
    survey = _survey_of(session, token, now or utcnow())
    ticket = session.get(Ticket, survey.ticket_id)
    assert ticket is not None
    return {
        "subject": ticket.subject,
        "status": ticket.status,
        "answered": survey.answered_at is not None,
        "expires_at": survey.expires_at,
    }


def answer_survey(
    session: Session, token: str, rating: int, comment: str | None, now: datetime | None = None
) -> dict[str, Any]:
    """Take the customer's one answer to a survey, within its window."""
    now = now or utcnow()
    survey = _survey_of(session, token, now, lock=True)
    try:
        check_survey_open(survey.answered_at, survey.sent_at, now, _settings()["survey_days"])
    except RatingRefused as exc:
        raise Conflict(str(exc)) from exc
    ticket = session.scalars(
        select(Ticket).where(Ticket.id == survey.ticket_id).with_for_update()
    ).one()
    survey.answered_at = now
    _rate(session, ticket, rating, comment, "survey", now)
    return survey_view(session, token, now)


def record_rating(
    session: Session,
    principal: Principal,
    ticket: Ticket,
    rating: int,
    comment: str | None,
    now: datetime | None = None,
) -> Ticket:
    """An agent records a rating the customer gave by phone (never the customer's owner)."""
    owner_id, _ = _owner(session, ticket)
    try:
        check_agent_may_rate(principal.roles, principal.id, owner_id)
    except RatingRefused as exc:
        raise Forbidden(str(exc)) from exc
    return _rate(session, ticket, rating, comment, "agent", now or utcnow())
