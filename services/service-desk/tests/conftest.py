import pytest

from service_desk.service import SERVICE


@pytest.fixture
def svc(harness_factory):
    """The service-desk service on a fresh SQLite database with the in-memory bus."""
    return harness_factory(SERVICE)
