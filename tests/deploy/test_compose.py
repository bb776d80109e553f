"""docker-compose.yml describes the same topology as the code (no Docker engine runs here)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml

from crm_shared.config import env_prefix, load_settings
from crm_shared.service import discover

ROOT = Path(__file__).resolve().parents[2]
SPECS = discover()
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def environment(service: str) -> dict[str, str]:
    env = {k: str(v) for k, v in SERVICES[service]["environment"].items()}
    env = {k: re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", v) for k, v in env.items()}
    return {k: re.sub(r"\$\{[A-Z_]+:\?[^}]*\}", "secret", v) for k, v in env.items()}


def dockerfile(spec) -> Path:
    return ROOT / ("gateway" if spec.name == "gateway" else f"services/{spec.name}") / "Dockerfile"


def test_infrastructure_has_healthchecks():
    for name in ("postgres", "rabbitmq"):
        assert "healthcheck" in SERVICES[name]


@pytest.mark.parametrize("name", sorted(SPECS))
def test_each_service_has_migration_web_and_worker(name):
    spec = SPECS[name]
    assert SERVICES[f"{name}-migrate"]["command"] == ["python", "-m", spec.import_name, "migrate"]
    worker = ["python", "-m", spec.import_name, "worker"]
    roles = [name, f"{name}-worker"]
    if spec.jobs_apart:
        assert SERVICES[f"{name}-worker"]["command"] == [*worker, "--roles", "relay,consumer"]
        assert SERVICES[f"{name}-jobs"]["command"] == [*worker, "--roles", "jobs"]
        roles.append(f"{name}-jobs")
    else:
        assert SERVICES[f"{name}-worker"]["command"] == worker
    for role in roles:
        depends = SERVICES[role]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["rabbitmq"]["condition"] == "service_healthy"
        assert depends[f"{name}-migrate"]["condition"] == "service_completed_successfully"
        assert "healthcheck" in SERVICES[role]
    assert f":{spec.port}/readyz" in " ".join(SERVICES[name]["healthcheck"]["test"])


@pytest.mark.parametrize("name", sorted(SPECS))
def test_each_image_builds_the_right_app_from_files_that_exist(name):
    spec = SPECS[name]
    path = dockerfile(spec)
    text = path.read_text()
    assert SERVICES[name]["build"]["dockerfile"] == str(path.relative_to(ROOT))
    # A copy from another build stage (COPY --from=...) names no repository file.
    for source in re.findall(r"^COPY (?!--from=)(\S+)", text, re.M):
        assert (ROOT / source).exists(), source
    cmd = re.search(r"^CMD (\[.*\])$", text, re.M).group(1)
    assert f"0.0.0.0:{spec.port}" in cmd and f"{spec.import_name}.app:create_app()" in cmd


@pytest.mark.parametrize("name", sorted(SPECS))
def test_each_container_environment_is_a_valid_configuration(name):
    spec = SPECS[name]
    env = environment(name)
    settings = load_settings(name, env, extra=spec.extra_settings)
    database = settings.database_url.rsplit("/", 1)[1]
    assert database == f"crm_{name.replace('-', '_')}"
    for other in SPECS:
        if other != "gateway":
            url = env[f"{env_prefix(other)}_URL"]
            host, port = re.match(r"http://([a-z-]+):(\d+)", url).groups()
            assert host in SERVICES and int(port) == SPECS[other].port


def test_databases_are_not_shared():
    urls = [environment(name)[f"{env_prefix(name)}_DATABASE_URL"] for name in SPECS]
    assert len(set(urls)) == len(urls)


def test_only_the_gateway_is_published_to_the_host():
    exposed = {name for name, service in SERVICES.items() if "ports" in service}
    assert exposed == {"gateway"}, "the broker's management port stays inside the network"
    assert shlex.split(SERVICES["gateway"]["ports"][0]) == ["8000:8000"]


TEXT = (ROOT / "docker-compose.yml").read_text()


def test_no_password_is_written_in_the_compose_file():
    assert "crm:crm@" not in TEXT
    for service in ("postgres", "rabbitmq"):
        for key, value in SERVICES[service]["environment"].items():
            if "PASS" in key:
                assert re.fullmatch(r"\$\{[A-Z_]+:\?[^}]*\}", str(value)), key
    for url in re.findall(r"(?:amqp|postgresql\+psycopg)://[^\s]+", TEXT):
        password = url.split("://", 1)[1].split("@", 1)[0].split(":", 1)[1]
        assert password.startswith("${") and ":?" in password, url


def test_every_variable_the_compose_file_needs_is_in_the_example():
    example = (ROOT / ".env.example").read_text()
    given = {line.split("=", 1)[0] for line in example.splitlines() if "=" in line}
    required = set(re.findall(r"\$\{([A-Z_]+):\?", TEXT))
    assert required <= given, required - given
    assert ".env" in (ROOT / ".gitignore").read_text().split()


@pytest.mark.parametrize("name", sorted(SPECS))
def test_each_service_uses_its_own_broker_user_provisioned_first(name):
    url = str(SERVICES[name]["environment"]["CRM_BROKER_URL"])
    assert url.startswith(f"amqp://crm-{name}:")
    provision = SERVICES["broker-provision"]
    assert f"{env_prefix(name)}_BROKER_PASSWORD" in provision["environment"]
    depends = SERVICES[name]["depends_on"]
    assert depends["broker-provision"]["condition"] == "service_completed_successfully"
    assert provision["command"][:3] == ["python", "-m", "crm_shared.broker_users"]


def test_services_believe_forwarded_addresses_only_from_the_gateway():
    """Per-address limits behind the gateway see the client, not one shared address."""
    import ipaddress

    from crm_shared.client_address import trusted_proxies_from_env

    gateway_ip = SERVICES["gateway"]["networks"]["default"]["ipv4_address"]
    subnet = COMPOSE["networks"]["default"]["ipam"]["config"][0]["subnet"]
    assert ipaddress.ip_address(gateway_ip) in ipaddress.ip_network(subnet)
    neighbour = str(ipaddress.ip_address(gateway_ip) + 1)  # another container
    for name in SPECS:
        proxies = trusted_proxies_from_env(name, environment(name))
        if name == "gateway":
            assert proxies.networks == (), "clients reach the gateway directly"
            continue
        assert proxies.trusts(gateway_ip), name
        assert not proxies.trusts(neighbour), name
        seen = proxies.client(gateway_ip, "203.0.113.9")
        assert seen == "203.0.113.9"
        assert proxies.client(neighbour, "203.0.113.9") == neighbour


def test_services_fetch_the_keys_from_the_gateways_own_keys_listener():
    from urllib.parse import urlsplit

    bind = environment("gateway")["CRM_GATEWAY_KEYS_BIND"]
    for name in SPECS:
        url = urlsplit(environment(name)["CRM_JWKS_URL"])
        assert (url.hostname, url.port) == ("gateway", int(bind.rsplit(":", 1)[1])), name
