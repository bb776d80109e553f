"""The event catalog: documented, enforced and consumed as the design says."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from crm_shared.approvals import EVENTS as APPROVAL_EVENTS
from crm_shared.asyncapi import render
from crm_shared.events import contract, contract_names
from crm_shared.service import discover

ROOT = Path(__file__).resolve().parents[2]
SPECS = discover()
BACKBONE = ("lead.qualified", "customer.recycled", "deal.won", "payment.received", "ticket.closed")
PUBLISH_CALL = re.compile(r"outbox\.publish(?:_many)?\(\s*session,\s*\"([a-z_]+\.[a-z_]+)\"", re.S)


def test_asyncapi_document_is_generated_from_the_contracts():
    committed = (ROOT / "docs" / "asyncapi.yaml").read_text()
    assert committed == render(SPECS), "docs/asyncapi.yaml is stale: run `make docs`"


@pytest.mark.parametrize(("event_type", "version"), contract_names())
def test_every_contract_is_a_valid_closed_json_schema(event_type, version):
    schema = contract(event_type, version)
    Draft202012Validator.check_schema(schema)
    assert schema["additionalProperties"] is False, "every field an event carries is documented"
    assert set(schema["required"]) <= set(schema["properties"])


def test_every_event_published_or_consumed_has_a_contract():
    known = {name for name, _ in contract_names()}
    for spec in SPECS.values():
        assert set(spec.publishes) <= known, spec.name
        assert set(spec.handlers()) <= known, spec.name


@pytest.mark.parametrize("name", sorted(SPECS))
def test_declared_publications_match_the_code(name):
    spec = SPECS[name]
    package = resources.files(spec.import_name)
    found = set()
    for path in Path(str(package)).rglob("*.py"):
        found |= set(PUBLISH_CALL.findall(path.read_text()))
    if spec.approvals:  # the shared approval mechanism publishes these for the service
        found |= set(APPROVAL_EVENTS)
    assert found == set(spec.publishes)


@pytest.mark.parametrize("event_type", BACKBONE)
def test_each_backbone_event_has_a_publisher_and_a_consumer(event_type):
    assert any(event_type in spec.publishes for spec in SPECS.values())
    assert any(event_type in spec.handlers() for spec in SPECS.values())
