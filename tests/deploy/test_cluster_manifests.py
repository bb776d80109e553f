"""The cluster as rendered: every object valid against the Kubernetes schemas, web pods
protected by disruption budgets, workers scaled on queue depth and outbox lag."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from crm_shared.service import discover

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
SPECS = discover()
KUBERNETES_VERSION = "1.30.0"


def rendered() -> list[dict]:
    """What `kubectl apply -k deploy/k8s` would apply (kustomize where installed)."""
    kubectl = shutil.which("kubectl")
    if kubectl:
        out = subprocess.run(
            [kubectl, "kustomize", str(K8S)], check=True, capture_output=True, text=True
        ).stdout
        return [d for d in yaml.safe_load_all(out) if d]
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    found: list[dict] = []
    for name in kustomization["resources"]:
        found += [d for d in yaml.safe_load_all((K8S / name).read_text()) if d]
    return found


DOCUMENTS = rendered()


def by_kind(kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in DOCUMENTS if d["kind"] == kind}


@pytest.mark.parametrize(
    "document",
    [d for d in DOCUMENTS if not d["apiVersion"].startswith("keda.sh/")],
    ids=lambda d: f"{d['kind']}/{d['metadata']['name']}",
)
def test_every_core_object_is_valid_against_the_kubernetes_schema(document):
    import kubernetes_validate

    kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


def test_every_web_deployment_has_a_disruption_budget_and_a_readiness_probe():
    budgets = by_kind("PodDisruptionBudget")
    deployments = by_kind("Deployment")
    for name in SPECS:
        budget = budgets[f"{name}-web"]["spec"]
        assert budget["minAvailable"] >= 1
        web = deployments[name]
        assert budget["selector"]["matchLabels"] == web["spec"]["selector"]["matchLabels"]
        assert web["spec"]["replicas"] >= 2 or name != "leads"
        [container] = web["spec"]["template"]["spec"]["containers"]
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"


def test_lead_intake_scales_on_cpu_and_request_rate():
    hpa = by_kind("HorizontalPodAutoscaler")["leads"]["spec"]
    kinds = {m["type"]: m for m in hpa["metrics"]}
    assert kinds["Resource"]["resource"]["name"] == "cpu"
    assert kinds["Pods"]["pods"]["metric"]["name"] == "crm_http_requests_per_second"
    adapter = yaml.safe_load((ROOT / "deploy" / "prometheus" / "adapter.yaml").read_text())
    assert any(rule["name"]["as"] == "crm_http_requests_per_second" for rule in adapter["rules"]), (
        "the adapter serves the metric the HPA asks for"
    )


SCALED_OBJECT_TRIGGERS = {"rabbitmq", "prometheus"}


@pytest.mark.parametrize("name", sorted(n for n in SPECS if SPECS[n].handlers()))
def test_each_worker_scales_on_its_queue_and_its_outbox_lag(name):
    scaled = by_kind("ScaledObject")[f"{name}-worker"]["spec"]
    deployments = by_kind("Deployment")
    assert scaled["scaleTargetRef"]["name"] in deployments
    assert 1 <= scaled["minReplicaCount"] < scaled["maxReplicaCount"]
    triggers = {t["type"]: t for t in scaled["triggers"]}
    assert set(triggers) == SCALED_OBJECT_TRIGGERS
    rabbit = triggers["rabbitmq"]
    assert rabbit["metadata"]["queueName"] == f"{name}.events"
    assert rabbit["metadata"]["mode"] == "QueueLength"
    auth = by_kind("TriggerAuthentication")[rabbit["authenticationRef"]["name"]]["spec"]
    [ref] = auth["secretTargetRef"]
    assert ref == {"parameter": "host", "name": "crm-secrets", "key": f"{name}-broker-url"}
    query = triggers["prometheus"]["metadata"]["query"]
    assert f'service="{name}"' in query and "crm_outbox_oldest_pending_seconds" in query
    import promql_parser

    promql_parser.parse(query)
    float(triggers["prometheus"]["metadata"]["threshold"])
