"""Workers that take only some roles, and how crm-up splits a service's worker."""

from __future__ import annotations

import dataclasses

import pytest

from crm_shared.runner import process_table
from crm_shared.worker import Worker

from ..conftest import PROBE


def test_a_jobs_worker_runs_no_relay_and_no_consumer(tmp_path, probe_settings):
    settings = probe_settings(f"sqlite:///{tmp_path / 'p.db'}", "memory://", "roles")
    jobs = Worker(PROBE, settings, roles=["jobs"])
    both = Worker(PROBE, settings, roles=["relay", "consumer"])
    try:
        assert jobs.relay is None and jobs.consumer is None
        assert both.relay is not None and both.consumer is not None and both.jobs == []
    finally:
        jobs.stop()
        both.stop()


@pytest.mark.parametrize("roles", [[], ["relay", "cron"]])
def test_unknown_or_no_roles_are_refused(tmp_path, probe_settings, roles):
    settings = probe_settings(f"sqlite:///{tmp_path / 'p.db'}", "memory://", "roles")
    with pytest.raises(ValueError, match="worker roles"):
        Worker(PROBE, settings, roles=roles)


def test_crm_up_runs_the_jobs_of_a_jobs_apart_service_in_their_own_process():
    apart = dataclasses.replace(PROBE, jobs_apart=True, port=8150)
    env = {"CRM_GATEWAY_PORT": "8000", "CRM_PROBE_PORT": "8150"}
    env["CRM_PROBE_WORKER_HEALTH_PORT"] = "8250"
    split = process_table({"probe": apart}, env)
    assert split["probe-worker"].endswith("probe worker --roles relay,consumer")
    assert split["probe-jobs"].endswith("probe worker --roles jobs --health-port 8350")
    whole = process_table({"probe": PROBE}, {**env})
    assert whole["probe-worker"].endswith("probe worker") and "probe-jobs" not in whole
