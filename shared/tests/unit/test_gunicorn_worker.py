"""What gunicorn refuses before the app is answered as problem details."""

from __future__ import annotations

import json

import pytest
from gunicorn.http import errors

from crm_shared.gunicorn_worker import problem_bytes, problem_for


@pytest.mark.parametrize(
    ("exc", "status"),
    [
        (errors.LimitRequestLine(9000, 8190), 414),
        (errors.LimitRequestHeaders("limit request headers fields size"), 431),
        (errors.InvalidRequestLine("NOT A REQUEST"), 400),
        (errors.InvalidHeaderName("bad name"), 400),
        (errors.UnsupportedTransferCoding("gzip"), 501),
    ],
)
def test_a_refused_request_becomes_a_whole_problem_response(exc, status):
    problem = problem_for(exc)
    assert problem is not None and problem.status == status
    head, _, body = problem_bytes(problem).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    assert lines[0].startswith(f"HTTP/1.1 {status} ")
    assert "Content-Type: application/problem+json" in lines
    assert f"Content-Length: {len(body)}" in lines
    assert json.loads(body)["status"] == status


def test_an_application_error_is_left_to_gunicorn():
    assert problem_for(RuntimeError("the app failed")) is None
