"""Connection pools are settings, per service and per process kind, within a budget."""

from __future__ import annotations

from pathlib import Path

from crm_shared.config import POOL_DEFAULTS, Env, load_pool_settings, load_settings
from crm_shared.runner import connection_budget, local_environment
from crm_shared.service import discover

# PostgreSQL's default max_connections is 100; migrations, psql sessions,
# tests and a second deployment's tools need the rest.
BUDGET = 60


def test_make_up_holds_well_under_postgresqls_default_connections():
    specs = discover()
    env = local_environment(specs, embedded=False, data_dir=Path("var"), environ={})
    budget = connection_budget(specs, env)
    assert {f"{name}-web" for name in specs} <= set(budget)
    assert {f"{name}-worker" for name in specs} <= set(budget)
    assert sum(budget.values()) < BUDGET, budget


def test_two_gunicorn_workers_each_hold_their_own_pool():
    specs = discover()
    env = local_environment(
        specs, embedded=False, data_dir=Path("var"), environ={"CRM_WEB_WORKERS": "3"}
    )
    budget = connection_budget(specs, env)
    assert budget["leads-web"] == 3 * POOL_DEFAULTS["web"].max_connections


def test_a_service_may_override_the_kind_wide_setting():
    env = Env(
        {
            "CRM_WEB_DB_POOL_SIZE": "4",
            "CRM_SERVICE_DESK_WEB_DB_POOL_SIZE": "7",
            "CRM_WORKER_DB_MAX_OVERFLOW": "0",
            "CRM_WORKER_DB_POOL_RECYCLE": "300",
        }
    )
    assert load_pool_settings(env, "service-desk", "web").size == 7
    assert load_pool_settings(env, "leads", "web").size == 4
    worker = load_pool_settings(env, "leads", "worker")
    assert (worker.max_overflow, worker.recycle) == (0, 300)
    assert worker.pre_ping is True
    env.check()


def test_a_bad_pool_setting_is_named_with_the_others():
    environ = {
        "CRM_LEADS_DATABASE_URL": "sqlite:///x.db",
        "CRM_BROKER_URL": "memory://",
        "CRM_WEB_DB_POOL_SIZE": "many",
        "CRM_LEADS_WORKER_DB_MAX_OVERFLOW": "-1",
    }
    try:
        load_settings("leads", environ)
    except Exception as exc:
        assert "CRM_WEB_DB_POOL_SIZE" in str(exc)
        assert "CRM_LEADS_WORKER_DB_MAX_OVERFLOW" in str(exc)
    else:
        raise AssertionError("bad pool settings were accepted")


def test_settings_carry_both_kinds_of_pool():
    settings = load_settings(
        "leads",
        {
            "CRM_LEADS_DATABASE_URL": "sqlite:///x.db",
            "CRM_BROKER_URL": "memory://",
            "CRM_LEADS_WORKER_DB_POOL_SIZE": "5",
        },
    )
    assert settings.web_pool == POOL_DEFAULTS["web"]
    assert settings.worker_pool.size == 5
