import pytest
from flask import jsonify

from service_desk.service import SERVICE


@pytest.fixture
def visible(stub_service):
    """A stand-in customers service; customers in the returned set exist."""
    app, url = stub_service

    class Known(set):
        pass

    known = Known()

    @app.get("/api/v1/customers/<customer_id>")
    def customer(customer_id):
        return (jsonify(id=customer_id), 200) if customer_id in known else (jsonify(), 404)

    known.url = url
    return known


@pytest.fixture
def svc(harness_factory, visible):
    """The service desk, asking a stand-in customers service."""
    return harness_factory(SERVICE, environ={"CRM_CUSTOMERS_URL": visible.url})
