"""The event catalog as an AsyncAPI 3 document, built from the contracts the code enforces.

``docs/asyncapi.yaml`` is this document, written by ``make docs``; a test
rebuilds it and fails when the two differ, so the catalog teams read cannot
drift from the schemas events are checked against.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .events import CONTENT_TYPE, contract, contract_names, schema_uri
from .service import ServiceSpec

ENVELOPE_FIELDS = {
    "specversion": {"type": "string", "const": "1.0"},
    "id": {"type": "string", "description": "unique per event; consumers deduplicate on it"},
    "source": {"type": "string", "description": "crm/<publishing service>"},
    "type": {"type": "string", "description": "the event type, also the routing key"},
    "time": {"type": "string", "format": "date-time"},
    "subject": {"type": "string", "description": "id of the entity the event is about"},
    "datacontenttype": {"type": "string", "const": "application/json"},
    "dataschema": {"type": "string", "description": "urn:crm:events:<type>:v<version>"},
    "traceparent": {"type": "string", "description": "W3C trace context of the change"},
    "crmautomation": {
        "type": "string",
        "description": "ids of the automation rules whose actions caused the event, comma "
        "separated (loop protection; absent otherwise)",
    },
}


def _message_name(event_type: str, version: int) -> str:
    return f"{event_type}.v{version}"


def build_document(specs: Mapping[str, ServiceSpec]) -> dict[str, Any]:
    """The AsyncAPI document for every contract, with who publishes and consumes it."""
    publishers: dict[str, list[str]] = {}
    consumers: dict[str, list[str]] = {}
    for spec in sorted(specs.values(), key=lambda s: s.name):
        for event_type in spec.publishes:
            publishers.setdefault(event_type, []).append(spec.name)
        for event_type in spec.handlers():
            consumers.setdefault(event_type, []).append(spec.name)

    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for event_type, version in contract_names():
        name = _message_name(event_type, version)
        schemas[name] = contract(event_type, version)
        messages[name] = {
            "name": name,
            "title": event_type,
            "summary": contract(event_type, version).get("description", ""),
            "contentType": CONTENT_TYPE,
            "payload": {
                "type": "object",
                "required": ["specversion", "id", "source", "type", "time", "data"],
                "properties": {
                    **ENVELOPE_FIELDS,
                    "dataschema": {
                        **ENVELOPE_FIELDS["dataschema"],
                        "const": schema_uri(event_type, version),
                    },
                    "type": {"type": "string", "const": event_type},
                    "data": {"$ref": f"#/components/schemas/{name}"},
                },
            },
        }
        channel = channels.setdefault(
            event_type,
            {
                "address": event_type,
                "messages": {},
                "bindings": {
                    "amqp": {
                        "is": "routingKey",
                        "exchange": {"name": "crm.events", "type": "topic", "durable": True},
                    }
                },
            },
        )
        channel["messages"][name] = {"$ref": f"#/components/messages/{name}"}
        ref = {"$ref": f"#/channels/{event_type}"}
        message_ref = [{"$ref": f"#/channels/{event_type}/messages/{name}"}]
        for service in publishers.get(event_type, []):
            operations[f"{service}.sends.{event_type}"] = {
                "action": "send",
                "channel": ref,
                "messages": message_ref,
                "summary": f"{service} publishes {event_type} through its outbox",
            }
        for service in consumers.get(event_type, []):
            operations[f"{service}.receives.{event_type}"] = {
                "action": "receive",
                "channel": ref,
                "messages": message_ref,
                "summary": f"{service} consumes {event_type} from its queue {service}.events",
                "bindings": {"amqp": {"ack": True}},
            }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "CRM domain events",
            "version": "1.0.0",
            "description": (
                "Every event is a CloudEvents 1.0 document (structured JSON mode) published to "
                "the durable topic exchange crm.events with the event type as routing key. "
                "Each consuming service reads a durable quorum queue <service>.events with a "
                "delivery limit, dead-lettering to crm.dead -> <service>.dead. Delivery is "
                "at-least-once; consumers deduplicate on the event id. Order is not "
                "guaranteed, not even per aggregate: consumers keep the newest state. "
                "Changes within a version are additive."
            ),
        },
        "defaultContentType": CONTENT_TYPE,
        "servers": {
            "rabbitmq": {
                "host": "localhost:5672",
                "protocol": "amqp",
                "protocolVersion": "0.9.1",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }


def render(specs: Mapping[str, ServiceSpec]) -> str:
    """The document as YAML text."""
    import yaml

    header = "# Generated by `make docs` from shared/crm_shared/contracts; do not edit by hand.\n"
    return header + yaml.safe_dump(
        build_document(specs), sort_keys=False, allow_unicode=True, width=100
    )
