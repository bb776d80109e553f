"""Who may record a satisfaction rating, and when a rating is still accepted.

Separation of duties (issue 13.4): a rep's satisfaction figure feeds their
commission, so a rep may not rate tickets of customers they own; ratings come
from the customer's own survey or from a service agent (or admin) recording
one given by phone.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

RECORDING_ROLES = frozenset({"service_agent", "admin"})


class RatingRefused(ValueError):
    """The rating cannot be recorded; the message says why."""


def check_agent_may_rate(
    roles: frozenset[str], caller_id: uuid.UUID, customer_owner_id: uuid.UUID | None
) -> None:
    """Only agents and admins record ratings, and never the customer's own owner."""
    if customer_owner_id is not None and caller_id == customer_owner_id:
        raise RatingRefused("you own this customer: its ratings must come from someone else")
    if not roles & RECORDING_ROLES:
        raise RatingRefused("only a service agent or an admin may record a rating")


def check_survey_open(
    answered_at: datetime | None, sent_at: datetime, now: datetime, window_days: int
) -> None:
    """A survey takes one answer, within ``window_days`` of being sent."""
    if answered_at is not None:
        raise RatingRefused("this survey has already been answered")
    if now - sent_at > timedelta(days=window_days):
        raise RatingRefused(f"surveys can be answered within {window_days} days")
