"""Campaign figures: cost per lead and ROI, per currency."""

from __future__ import annotations

from decimal import Decimal

from leads.rules import campaign_figures as campaigns


def test_campaign_figures():
    out = campaigns.figures(
        budget=Decimal("1000"),
        currency="USD",
        captured=50,
        qualified=10,
        won=2,
        revenue={"USD": Decimal("3000"), "EUR": Decimal("10")},
    )
    assert out["cost_per_lead"] == "20.00"
    assert out["roi"] == "2.0000"
    assert out["qualification_rate"] == 0.2
    assert {"amount": "10", "currency": "EUR"} in out["revenue"]
    assert (
        campaigns.figures(budget=None, currency=None, captured=0, qualified=0, won=0, revenue={})[
            "roi"
        ]
        is None
    )
