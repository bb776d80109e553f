"""The schemathesis conformance test every service adopts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from .harness import ServiceHarness


@pytest.fixture
def api_headers(svc: ServiceHarness) -> dict[str, str]:
    """Who calls the API in conformance tests: an admin, who may reach everything."""
    return svc.user("admin").headers


def openapi_conformance_test(max_examples: int = 12) -> Callable[..., None]:
    """A test sending schemathesis-generated requests to every documented operation.

    Valid and invalid requests go to each operation of the service's own
    OpenAPI document; every response must be no server error, carry a
    documented status, content type and headers, and match its documented
    schema, and requests that break the schema must be refused. A service's
    test module adopts it with ``test_openapi = openapi_conformance_test()``.
    """
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from hypothesis.errors import Unsatisfiable
    from schemathesis import GenerationMode
    from schemathesis.core.result import Err
    from schemathesis.specs.openapi import checks as oas

    def negative_data_refused(ctx: Any, response: Any, case: Any) -> bool | None:
        # A body over the route's size limit is refused with 413 before it is
        # parsed: that is a refusal too, whatever else is wrong with it.
        if response.status_code == 413:
            return None
        # A case made "negative" by dropping the Authorization header is sent
        # with the harness's token anyway: its mutation never reached the API.
        if "authorization" not in {k.lower() for k in (case.headers or {})}:
            return None
        return oas.negative_data_rejection(ctx, response, case)

    chosen = [
        schemathesis.checks.not_a_server_error,
        oas.status_code_conformance,
        oas.content_type_conformance,
        oas.response_schema_conformance,
        oas.response_headers_conformance,
        negative_data_refused,
    ]

    def test_openapi(svc: ServiceHarness, api_headers: dict[str, str]) -> None:
        schema = schemathesis.openapi.from_wsgi("/openapi.json", svc.app)
        failures: list[str] = []
        operations = []
        for result in schema.get_all_operations():
            if isinstance(result, Err):
                failures.append(f"unreadable operation: {result.err()}")
                continue
            operations.append(result.ok())
        assert operations, "the service documents no operations"
        for operation in operations:
            for mode in GenerationMode:

                @given(case=operation.as_strategy(generation_mode=mode))
                @settings(
                    max_examples=max_examples,
                    deadline=None,
                    suppress_health_check=list(HealthCheck),
                    database=None,
                )
                def exercise(case: Any) -> None:
                    case.call_and_validate(headers=api_headers, checks=chosen)

                try:
                    exercise()
                except Unsatisfiable:
                    continue  # nothing to break: the operation takes no input
                except Exception as exc:
                    failures.append(f"{operation.label} [{mode.value}]: {exc}")
        assert not failures, "\n\n".join(failures)

    return test_openapi
