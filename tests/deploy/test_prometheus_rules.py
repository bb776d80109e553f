"""deploy/prometheus/rules.yaml: a valid rule file whose alerts read metrics the code exports."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import promql_parser
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "prometheus" / "rules.yaml"
EXPORTED = {
    "crm_outbox_oldest_pending_seconds",
    "crm_outbox_pending",
    "crm_dead_letter_messages",
    "crm_consumer_connected",
    "crm_consumer_events_total",
    "crm_http_requests_total",
    "crm_http_refusals_total",
    "crm_http_request_duration_seconds_bucket",
    "crm_db_pool_in_use",
}
DOCUMENT = yaml.safe_load(RULES.read_text())
ALERTS = [rule for group in DOCUMENT["groups"] for rule in group["rules"]]


def test_the_rule_file_has_the_shape_prometheus_loads():
    assert set(DOCUMENT) == {"groups"}
    names = [group["name"] for group in DOCUMENT["groups"]]
    assert len(names) == len(set(names))
    for rule in ALERTS:
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}
        assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", rule["alert"])
        assert re.fullmatch(r"\d+[smh]", rule.get("for", "0s"))
        assert rule["labels"]["severity"] in {"page", "ticket"}
        assert rule["annotations"]["summary"]


@pytest.mark.parametrize("rule", ALERTS, ids=lambda r: r["alert"])
def test_each_expression_parses_and_reads_exported_metrics(rule):
    promql_parser.parse(rule["expr"])
    metrics = set(re.findall(r"\bcrm_[a-z_]+", rule["expr"]))
    assert metrics and metrics <= EXPORTED, metrics - EXPORTED


def test_the_alerts_that_matter_are_there():
    names = {rule["alert"] for rule in ALERTS}
    assert {"CrmOutboxLag", "CrmDeadLetters", "CrmHighErrorRate"} <= names


def test_promtool_accepts_it_where_installed():
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool is not installed; the schema and PromQL checks above stand in")
    subprocess.run([promtool, "check", "rules", str(RULES)], check=True)
