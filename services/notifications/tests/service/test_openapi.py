"""Schemathesis against the notifications OpenAPI document."""

from crm_shared.testing import openapi_conformance_test

test_openapi = openapi_conformance_test()
