import uuid

import pytest

from orders.service import SERVICE


@pytest.fixture
def svc(harness_factory):
    """The orders service on a fresh SQLite database with the in-memory bus."""
    return harness_factory(SERVICE)


def make_book(svc, seed, *, customers=20, today=None):
    """A random receivables book built through the use cases: orders in CNY, USD and JPY
    for a few owners and teams, plans due around today, early/late/partial receipts,
    refunds and cancellations. Returns the principals to read it as."""
    import random
    from datetime import date, timedelta
    from decimal import Decimal

    from crm_shared.auth import Principal
    from orders import ordering, receivables

    rng = random.Random(seed)
    today = today or date.today()
    teams = [uuid.uuid4(), uuid.uuid4()]
    owners = [(uuid.uuid4(), teams[0]), (uuid.uuid4(), teams[0]), (uuid.uuid4(), teams[1])]
    owners.append((uuid.uuid4(), None))
    admin = Principal(uuid.uuid4(), "admin", frozenset({"admin"}))
    ids = [uuid.uuid4() for _ in range(customers)]
    places = {"CNY": 2, "USD": 2, "JPY": 0}
    with svc.db.session() as session:
        for _n in range(customers * 2):
            customer = rng.choice(ids)
            currency = rng.choice(list(places))
            owner, team = rng.choice(owners)
            step = Decimal(1).scaleb(-places[currency])
            # Tenths and hundredths that floats cannot hold exactly (0.1 + 0.2 ...).
            parts = [
                step * rng.choice([10, 20, 30, 33, 1, 7]) * rng.randint(1, 500)
                for _ in range(rng.randint(1, 4))
            ]
            total = sum(parts, Decimal(0))
            order = ordering.order_from_deal(
                session,
                {
                    "opportunity_id": str(uuid.uuid4()),
                    "customer_id": str(customer),
                    "owner_id": str(owner),
                    "team_id": str(team) if team else None,
                    "amount": str(total),
                    "currency": currency,
                },
            )
            assert order is not None
            # Some orders older than the 90 days DSO looks at.
            order.created_at = order.created_at - timedelta(days=rng.randint(0, 200))
            receivables.set_plan(
                session,
                admin,
                order.id,
                {
                    "installments": [
                        {
                            "amount": a,
                            "due_on": today + timedelta(days=rng.randint(-150, 120)),
                            "remind_days": 3,
                        }
                        for a in parts
                    ]
                },
                today,
            )
            roll = rng.random()
            if roll < 0.15:
                ordering.cancel(session, admin, order.id, "客户取消")
                continue
            for _ in range(rng.randint(0, 4)):
                left = order.amount - order.paid_amount
                if left <= 0:
                    break
                amount = min(left, step * rng.randint(1, 40000))
                receivables.record_receipt(
                    session,
                    admin,
                    order.id,
                    {
                        "amount": amount,
                        "currency": currency,
                        "received_on": today - timedelta(days=rng.randint(0, 160)),
                    },
                    today,
                )
            if order.paid_amount > 0 and rng.random() < 0.2:
                receivables.record_refund(
                    session,
                    admin,
                    order.id,
                    {
                        "amount": min(order.paid_amount, step * 50),
                        "currency": currency,
                        "reason": "退款",
                    },
                    today,
                )
            session.commit()
    return [
        admin,
        Principal(owners[0][0], "rep", frozenset({"rep"}), teams[0]),
        Principal(uuid.uuid4(), "manager", frozenset({"manager"}), teams[0]),
        Principal(owners[3][0], "rep-no-team", frozenset({"rep"})),
    ]


@pytest.fixture
def random_book():
    """Builds a random receivables book: ``random_book(svc, seed, customers=N)``."""
    return make_book
