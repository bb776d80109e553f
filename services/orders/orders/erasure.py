"""``customer.erased``: anonymise the personal data in orders' copies, keep the legal records.

Per document (written down in docs/orders.md):

- quotes: the customer name and the notes are erased (an offer is no record the
  law requires us to keep; the lines, amounts and number stay for the figures);
- contracts: the customer's signatory (a contact person) is erased; the document
  itself, its terms and our signatory stay (a contract must be kept as a legal record);
- invoices (发票): buyer title, tax number, bank and address stay — an issued
  invoice is an accounting record kept by law (会计档案);
- the buyer details remembered for new invoices and the customer's credit rating
  are deleted.

Running it twice changes nothing more: it is idempotent by construction.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from .models import BuyerProfile, Contract, CreditRating, Quote


def erase_customer(session: Session, data: dict[str, Any]) -> dict[str, int]:
    """Anonymise one customer's personal data; returns how many rows each step touched."""
    customer_id = uuid.UUID(data["customer_id"])
    quotes = session.execute(
        update(Quote).where(Quote.customer_id == customer_id).values(customer_name=None, notes=None)
    )
    contracts = session.execute(
        update(Contract).where(Contract.customer_id == customer_id).values(their_signatory=None)
    )
    profiles = session.execute(delete(BuyerProfile).where(BuyerProfile.customer_id == customer_id))
    ratings = session.execute(delete(CreditRating).where(CreditRating.customer_id == customer_id))
    return {
        "quotes": quotes.rowcount,  # type: ignore[attr-defined]
        "contracts": contracts.rowcount,  # type: ignore[attr-defined]
        "buyer_profiles": profiles.rowcount,  # type: ignore[attr-defined]
        "credit_ratings": ratings.rowcount,  # type: ignore[attr-defined]
    }
