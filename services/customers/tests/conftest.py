import pytest

from customers.service import SERVICE


@pytest.fixture
def svc(harness_factory):
    """The customers service on a fresh SQLite database with the in-memory bus."""
    return harness_factory(SERVICE)
