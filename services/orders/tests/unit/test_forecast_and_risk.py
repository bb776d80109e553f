"""The cash forecast's shift by history, its band, the backtest measure; credit risk; aging."""

import uuid
from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from orders.rules.aging import bucket_of, dso
from orders.rules.credit import PaymentRecord, credit_risk
from orders.rules.forecast import Lateness, OpenAmount, blended, forecast, stats_of, wape
from orders.rules.pricing import Buyer, PriceRule, best_price

START = date(2026, 12, 7)  # a Monday


def test_a_late_payer_shifts_their_cash_and_a_new_customer_takes_the_segment():
    late, new = uuid.uuid4(), uuid.uuid4()
    customers = {late: stats_of([14, 14, 14, 14])}
    segment = Lateness(100, 0.0, 0.0)
    items = [OpenAmount(late, START, Decimal(100)), OpenAmount(new, START, Decimal(50))]
    weeks = forecast(items, customers, segment, START, 4)
    assert [w.plain for w in weeks] == [Decimal(150), 0, 0, 0]
    assert weeks[0].expected == Decimal(50) and weeks[2].expected == Decimal(100)
    assert blended(None, segment) == segment
    assert (
        blended(stats_of([30]), segment).mean_days == 10.0
    )  # one paid installment: a third of its own


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.integers(-10, 60), st.decimals(1, 10000, places=2)),
        min_size=1,
        max_size=30,
    ),
    st.lists(st.integers(-5, 40), min_size=0, max_size=6),
)
def test_cash_is_only_moved_never_made_and_the_band_holds_the_expected(rows, history):
    ids = [uuid.UUID(int=i) for i in range(4)]
    customers = {ids[0]: stats_of(history)}
    items = [OpenAmount(ids[c], date.fromordinal(START.toordinal() + d), a) for c, d, a in rows]
    weeks = forecast(items, customers, Lateness(10, 5.0, 3.0), START, 52)
    assert sum(w.expected for w in weeks) <= sum(i.amount for i in items)
    for w in weeks:
        assert w.low <= w.expected <= w.high


def test_wape_compares_against_what_was_paid():
    assert wape([Decimal(100), Decimal(0)], [Decimal(0), Decimal(100)]) == Decimal(2)
    assert wape([Decimal(100)], [Decimal(100)]) == Decimal(0)
    assert wape([Decimal(0)], [Decimal(5)]) is None


def test_credit_risk_levels():
    assert credit_risk(PaymentRecord(0, 0, 0, Decimal(0), Decimal(0))) == "low"
    assert credit_risk(PaymentRecord(10, 1, 3, Decimal(100), Decimal(0))) == "low"
    assert credit_risk(PaymentRecord(10, 3, 15, Decimal(100), Decimal(0))) == "medium"
    assert credit_risk(PaymentRecord(10, 6, 60, Decimal(100), Decimal(10))) == "high"
    assert credit_risk(PaymentRecord(0, 0, 0, Decimal(500), Decimal(0), Decimal(100))) == "high"


def test_aging_buckets_and_dso():
    today = date(2026, 12, 31)
    assert [bucket_of(date(2026, 12, d), today) for d in (31, 30, 1)] == ["current", "0_30", "0_30"]
    assert bucket_of(date(2026, 11, 30), today) == "31_60"
    assert bucket_of(date(2026, 9, 1), today) == "90_plus"
    assert dso(Decimal(500), Decimal(1500), 90) == Decimal("30.0")


def test_the_best_applicable_price_wins():
    vip, other = uuid.uuid4(), uuid.uuid4()
    rules = [
        PriceRule(uuid.uuid4(), "CNY", None, None, Decimal(1), percent_off=Decimal(10)),
        PriceRule(uuid.uuid4(), "CNY", None, None, Decimal(100), fixed_price=Decimal(70)),
        PriceRule(
            uuid.uuid4(),
            "CNY",
            None,
            None,
            Decimal(1),
            fixed_price=Decimal(50),
            customer_ids=(vip,),
        ),
        PriceRule(uuid.uuid4(), "CNY", date(2027, 1, 1), None, Decimal(1), fixed_price=Decimal(1)),
    ]
    on = date(2026, 12, 1)
    assert best_price(Decimal(100), rules, Buyer(other), "CNY", Decimal(5), on, 2)[0] == Decimal(
        "90.00"
    )
    assert best_price(Decimal(100), rules, Buyer(other), "CNY", Decimal(100), on, 2)[0] == Decimal(
        70
    )
    assert best_price(Decimal(100), rules, Buyer(vip), "CNY", Decimal(5), on, 2)[0] == Decimal(50)
    assert best_price(Decimal(100), rules, Buyer(vip), "USD", Decimal(5), on, 2)[0] == Decimal(100)
