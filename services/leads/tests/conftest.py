import pytest

from leads.service import SERVICE


@pytest.fixture
def svc(harness_factory):
    """The leads service on a fresh SQLite database with the in-memory bus."""
    return harness_factory(SERVICE)
