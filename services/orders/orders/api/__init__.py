"""HTTP routes of the orders service, one module per capability: parse, call, respond."""

from crm_shared.db import utcnow


def today():
    """Today's date in UTC (rules take it as an argument)."""
    return utcnow().date()
