"""Schemathesis against the gateway's own OpenAPI document."""

import pytest

from crm_shared.testing import openapi_conformance_test


@pytest.fixture
def svc(gw):
    return gw


@pytest.fixture
def api_headers(gw, bearer):
    return bearer(gw)


test_openapi = openapi_conformance_test()
