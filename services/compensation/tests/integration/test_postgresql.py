"""The commission flow and the shuffled replay on real PostgreSQL."""

import pytest

from compensation.service import SERVICE

from ..service import test_commission, test_shuffled_replay

pytestmark = pytest.mark.integration


@pytest.fixture
def pg_svc(harness_factory, pg_database):
    return harness_factory(SERVICE, database_url=pg_database("compensation"))


def test_declare_to_payout_on_postgresql(pg_svc):
    test_commission.test_declare_approve_receipts_refund_statement_payout(pg_svc)


def test_splits_and_window_on_postgresql(pg_svc):
    test_commission.test_splits_share_the_credit(pg_svc)
    test_commission.test_a_refund_after_the_window_claws_nothing_back(pg_svc)


def test_shuffled_replay_on_postgresql(harness_factory, pg_database):
    first = harness_factory(SERVICE, database_url=pg_database("compensation"))
    second = harness_factory(SERVICE, database_url=pg_database("compensation"))

    def make(_spec):
        return second

    test_shuffled_replay.test_shuffled_duplicated_replay_equals_the_ordered_one(first, make)
