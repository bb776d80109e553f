import pytest

from orders.service import SERVICE


@pytest.fixture
def svc(harness_factory):
    """The orders service on a fresh SQLite database with the in-memory bus."""
    return harness_factory(SERVICE)
