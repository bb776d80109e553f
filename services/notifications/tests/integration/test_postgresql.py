"""The notification flows on real PostgreSQL: routing, the list, email, templates."""

import pytest

from notifications.service import SERVICE

from ..service import test_email, test_inbox, test_stream_prefs_templates

pytestmark = pytest.mark.integration


@pytest.fixture
def pg_svc(harness_factory, pg_database, monkeypatch):
    monkeypatch.setenv("CRM_NOTIFICATIONS_BATCH_SECONDS", "0")
    return harness_factory(
        SERVICE,
        database_url=pg_database("notifications"),
        environ={"CRM_NOTIFICATIONS_BATCH_SECONDS": "0"},
    )


@pytest.fixture
def pg_mail_svc(harness_factory, pg_database, monkeypatch, smtp_sink):
    environ = {
        "CRM_NOTIFICATIONS_BATCH_SECONDS": "0",
        "CRM_NOTIFICATIONS_SMTP_HOST": smtp_sink.host,
        "CRM_NOTIFICATIONS_SMTP_PORT": str(smtp_sink.port),
    }
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    harness = harness_factory(SERVICE, database_url=pg_database("notifications"), environ=environ)
    harness.sink = smtp_sink
    return harness


def test_routing_and_the_list_on_postgresql(pg_svc):
    test_inbox.test_a_lead_assigned_reaches_its_new_owner_and_the_previous_one(pg_svc)
    test_inbox.test_routes_reach_managers_roles_and_earlier_holders(pg_svc)


def test_pages_and_read_marks_on_postgresql(pg_svc, monkeypatch):
    test_inbox.test_unread_first_then_newest_in_cursor_pages(pg_svc, monkeypatch)


def test_email_and_floods_on_postgresql(pg_mail_svc):
    test_email.test_a_lead_assigned_is_emailed_in_the_owners_language(pg_mail_svc)


def test_flood_is_one_email_on_postgresql(pg_mail_svc):
    test_email.test_a_flood_is_one_email_per_recipient(pg_mail_svc)


def test_templates_on_postgresql(pg_svc):
    test_stream_prefs_templates.test_templates_are_checked_previewed_and_never_drop_a_message(
        pg_svc
    )
