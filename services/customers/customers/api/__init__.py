"""HTTP routes of the customers service, one module per capability: parse, call, respond.

Each module's schemas are in the module of the same name under
:mod:`customers.schemas`. Routes under ``/api/v1/customers/<id>/...`` sit
with their capability (contacts, follow-ups, visits, ownership, tiers) on
the customers blueprint.
"""

from __future__ import annotations

from . import (
    calendars,
    contacts,
    customer_imports,
    customers,
    followups,
    ownership,
    pools,
    tasks,
    tiers,
    view_360,
    visits,
)

# The order is the order of the OpenAPI document's tags.
BLUEPRINTS = [
    customers.blp,
    pools.pools_blp,
    contacts.contacts_blp,
    followups.followups_blp,
    visits.visits_blp,
    tasks.tasks_blp,
    calendars.calendar_blp,
    tiers.tiers_blp,
]

# Modules that only add routes to the customers blueprint.
_ROUTES_ON_CUSTOMERS = (customer_imports, ownership, view_360)
