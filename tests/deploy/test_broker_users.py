"""Each service's RabbitMQ user may publish only the event types its spec publishes."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
import uuid
from urllib.parse import urlsplit

import pytest

from crm_shared.broker_users import (
    main,
    own_broker_url,
    rabbitmqctl_commands,
    user_for,
    users,
)
from crm_shared.bus import Topology, connect
from crm_shared.service import discover

SPECS = discover()


@pytest.mark.parametrize("name", sorted(SPECS))
def test_a_service_may_publish_exactly_what_it_declares(name):
    spec = SPECS[name]
    user = user_for(spec)
    pattern = re.compile(user.topic_write)
    for event_type in spec.publishes:
        assert pattern.match(event_type), event_type
    others = {t for s in SPECS.values() for t in s.publishes} - set(spec.publishes)
    for event_type in others:
        assert not pattern.match(event_type), f"{name} could forge {event_type}"
    assert not pattern.match("payment.received.x")
    assert re.match(user.configure, f"{name}.events")
    assert not any(re.match(user.configure, f"{o}.events") for o in SPECS if o != name)


def test_one_user_per_service_and_every_password_required(capsys):
    plan = users(SPECS)
    assert sorted(u.name for u in plan) == sorted(f"crm-{n}" for n in SPECS)
    assert main(["--via", "rabbitmqctl"], environ={}) == 2
    assert "CRM_LEADS_BROKER_PASSWORD" in capsys.readouterr().err


def test_crm_up_gives_each_process_its_own_credentials():
    url = own_broker_url("amqp://guest:guest@127.0.0.1:5672//", "service-desk", "p/w")
    assert url == "amqp://crm-service-desk:p%2Fw@127.0.0.1:5672//"


def test_a_namespace_scopes_the_names():
    user = user_for(SPECS["leads"], "t1")
    assert re.match(user.configure, "t1.leads.events")
    assert not re.match(user.configure, "leads.events")
    assert user.topic_exchange == "t1.crm.events"


@pytest.mark.integration
def test_the_broker_refuses_a_forged_event(amqp_url, bus_namespace):
    if shutil.which("rabbitmqctl") is None:
        pytest.skip("rabbitmqctl is not installed here")
    probe = subprocess.run(["rabbitmqctl", "list_users"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip("rabbitmqctl cannot reach the broker")
    spec = SPECS["leads"]
    user = dataclasses.replace(user_for(spec, bus_namespace), name=f"test-{uuid.uuid4().hex[:8]}")
    password = uuid.uuid4().hex
    for command in (
        rabbitmqctl_commands(user, password, "/")[:1]
        + rabbitmqctl_commands(user, password, "/")[2:]
    ):
        subprocess.run(command, capture_output=True, check=True)
    try:
        topology = Topology(bus_namespace)
        with connect(amqp_url) as admin:
            topology.declare(admin, "leads", ["lead.captured"])
        parts = urlsplit(amqp_url)
        own = amqp_url.replace(f"{parts.username}:{parts.password}@", f"{user.name}:{password}@")
        with connect(own) as connection:
            producer = connection.Producer(exchange=topology.events)
            producer.publish(json.dumps({"ok": 1}), routing_key="lead.captured")
        with connect(own) as connection:
            producer = connection.Producer(exchange=topology.events)
            with pytest.raises(Exception, match=r"(?i)access.refused"):
                producer.publish(json.dumps({"forged": 1}), routing_key="payment.received")
    finally:
        subprocess.run(["rabbitmqctl", "delete_user", user.name], capture_output=True, check=False)
