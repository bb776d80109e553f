"""The route of a customer's 360° view."""

from __future__ import annotations

import uuid
from typing import Any

from crm_shared.web import current_principal, db_session

from .. import view_360
from ..schemas.view_360 import Customer360Schema
from .customers import blp


@blp.get("/<uuid:customer_id>/360")
@blp.response(200, Customer360Schema)
def customer_360(customer_id: uuid.UUID) -> Any:
    """Profile, contacts, owner history, follow-ups, visits, opportunities, orders, payments,
    tickets and satisfaction, and the tier, in one request."""
    return view_360.view_360(db_session(), current_principal(), customer_id)
