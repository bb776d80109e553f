import uuid

import pytest
from flask import jsonify

from opportunities.service import SERVICE


@pytest.fixture
def customers(stub_service):
    """A stand-in customers service knowing one customer, visible to everyone."""
    app, url = stub_service
    known = {"id": str(uuid.uuid4()), "lead_id": str(uuid.uuid4())}

    @app.get("/api/v1/customers/<customer_id>")
    def customer(customer_id):
        if customer_id == known["id"]:
            return jsonify(known)
        return jsonify(status=404), 404

    return known, url


@pytest.fixture
def svc(harness_factory, customers):
    """Opportunities, asking a stand-in customers service."""
    return harness_factory(SERVICE, environ={"CRM_CUSTOMERS_URL": customers[1]})
