"""deploy/k8s describes every service with probes on the ports the code serves."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from crm_shared.service import discover

ROOT = Path(__file__).resolve().parents[2]
SPECS = discover()


KEYS_PORT = 8099


def config() -> dict[str, str]:
    documents = yaml.safe_load_all((ROOT / "deploy" / "k8s" / "namespace.yaml").read_text())
    [found] = [d for d in documents if d["kind"] == "ConfigMap"]
    return found["data"]


def manifests(name: str) -> dict[tuple[str, str], dict]:
    documents = yaml.safe_load_all((ROOT / "deploy" / "k8s" / f"{name}.yaml").read_text())
    return {(d["kind"], d["metadata"]["name"]): d for d in documents}


def test_kustomization_lists_every_file():
    kustomization = yaml.safe_load((ROOT / "deploy" / "k8s" / "kustomization.yaml").read_text())
    assert set(kustomization["resources"]) == {
        "namespace.yaml",
        "broker-provision.yaml",
        "disruption.yaml",
        "autoscaling.yaml",
        "ingress.yaml",
    } | {f"{n}.yaml" for n in SPECS}


@pytest.mark.parametrize("name", sorted(SPECS))
def test_every_container_connects_as_the_services_own_broker_user(name):
    for (kind, _), document in manifests(name).items():
        if kind != "Deployment":
            continue
        pod = document["spec"]["template"]["spec"]
        for container in pod.get("initContainers", []) + pod["containers"]:
            env = {e["name"]: e for e in container.get("env", [])}
            ref = env["CRM_BROKER_URL"]["valueFrom"]["secretKeyRef"]
            assert ref == {"name": "crm-secrets", "key": f"{name}-broker-url"}


def test_the_provisioning_job_and_secrets_name_every_service():
    job = yaml.safe_load((ROOT / "deploy" / "k8s" / "broker-provision.yaml").read_text())
    assert job["spec"]["template"]["spec"]["containers"][0]["command"][:3] == [
        "python",
        "-m",
        "crm_shared.broker_users",
    ]
    secrets = yaml.safe_load((ROOT / "deploy" / "k8s" / "secrets.example.yaml").read_text())
    data = secrets["stringData"]
    assert "CRM_BROKER_URL" not in data, "no broker user shared by every service"
    for name in SPECS:
        assert data[f"{name}-broker-url"].startswith(f"amqp://crm-{name}:")
        assert f"CRM_{name.upper().replace('-', '_')}_BROKER_PASSWORD" in data


@pytest.mark.parametrize("name", sorted(SPECS))
def test_web_worker_and_service(name):
    spec = SPECS[name]
    found = manifests(name)
    web = found[("Deployment", name)]["spec"]["template"]["spec"]
    [migrate] = web["initContainers"]
    assert migrate["command"] == ["python", "-m", spec.import_name, "migrate"]
    [container] = web["containers"]
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": spec.port}
    # The gateway's liveness is answered beside proxied traffic (its keys listener).
    live = KEYS_PORT if name == "gateway" else spec.port
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": live}
    command = ["python", "-m", spec.import_name, "worker"]
    workers = {f"{name}-worker": command}
    if spec.jobs_apart:
        workers = {
            f"{name}-worker": [*command, "--roles", "relay,consumer"],
            f"{name}-jobs": [*command, "--roles", "jobs"],
        }
    for deployment, expected in workers.items():
        worker = found[("Deployment", deployment)]["spec"]["template"]["spec"]["containers"][0]
        assert worker["command"] == expected
        health = {e["name"]: e.get("value") for e in worker["env"]}
        port = int(next(v for k, v in health.items() if k.endswith("_WORKER_HEALTH_PORT")))
        assert worker["readinessProbe"]["httpGet"]["port"] == port
    assert found[("Service", name)]["spec"]["ports"][0]["port"] == spec.port


def test_lead_intake_scales_out():
    hpa = manifests("leads")[("HorizontalPodAutoscaler", "leads")]["spec"]
    assert hpa["scaleTargetRef"]["name"] == "leads"
    assert hpa["maxReplicas"] > hpa["minReplicas"] >= 2


def test_services_fetch_the_keys_from_the_gateways_keys_listener():
    from urllib.parse import urlsplit

    data = config()
    assert data["CRM_GATEWAY_KEYS_BIND"] == f"0.0.0.0:{KEYS_PORT}"
    url = urlsplit(data["CRM_JWKS_URL"])
    assert (url.hostname, url.port) == ("gateway", KEYS_PORT)
    found = manifests("gateway")
    service_ports = {
        p["port"]: p["targetPort"] for p in found[("Service", "gateway")]["spec"]["ports"]
    }
    assert service_ports[KEYS_PORT] == KEYS_PORT
    [web] = found[("Deployment", "gateway")]["spec"]["template"]["spec"]["containers"]
    assert KEYS_PORT in {p["containerPort"] for p in web["ports"]}


def test_services_believe_forwarded_addresses_only_from_the_pod_network():
    from crm_shared.client_address import trusted_proxies_from_env

    data = config()
    for name in SPECS:
        proxies = trusted_proxies_from_env(name, data)
        if name == "gateway":
            assert proxies.networks == (), "clients (or an ingress you add) reach it directly"
        else:
            assert proxies.networks, f"{name} would see every client as the gateway"
            assert proxies.client("10.244.3.7", "203.0.113.9") == "203.0.113.9"
            assert proxies.client("192.0.2.1", "203.0.113.9") == "192.0.2.1"
