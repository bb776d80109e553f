import pytest

from notifications.service import SERVICE


@pytest.fixture
def svc(harness_factory, monkeypatch):
    """The notifications service on a fresh SQLite database with the in-memory bus."""
    # Handlers read the service's own settings from the environment.
    monkeypatch.setenv("CRM_NOTIFICATIONS_BATCH_SECONDS", "0")
    return harness_factory(SERVICE, environ={"CRM_NOTIFICATIONS_BATCH_SECONDS": "0"})


@pytest.fixture
def mail_svc(harness_factory, monkeypatch, smtp_sink):
    """The service sending email to a real local SMTP server."""
    environ = {
        "CRM_NOTIFICATIONS_BATCH_SECONDS": "0",
        "CRM_NOTIFICATIONS_SMTP_HOST": smtp_sink.host,
        "CRM_NOTIFICATIONS_SMTP_PORT": str(smtp_sink.port),
        "CRM_NOTIFICATIONS_RETRY_BASE_SECONDS": "0",
    }
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    harness = harness_factory(SERVICE, environ=environ)
    harness.sink = smtp_sink
    return harness
