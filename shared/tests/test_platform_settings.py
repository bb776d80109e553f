"""Run-time settings in the platform table: defaults, overlays, transactional writes."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from crm_shared import platform_settings
from crm_shared.db import Database
from crm_shared.platform_settings import Setting
from crm_shared.tables import platform_metadata

QUALIFICATION = Setting("qualification", {"auto_qualify": False, "threshold": 80})
SEEDED = Setting("seeded", False)
MODEL: Setting[dict | None] = Setting("model", None)


@pytest.fixture
def db(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 's.db'}", service="test")
    platform_metadata.create_all(database.engine)
    yield database
    database.dispose()


def test_an_unset_setting_reads_its_default(db):
    with db.reading() as session:
        assert QUALIFICATION.get(session) == {"auto_qualify": False, "threshold": 80}
        assert SEEDED.get(session) is False
        assert MODEL.get(session) is None
        assert platform_settings.get(session, "nothing", 7) == 7


def test_a_stored_dict_overlays_the_defaults_key_by_key(db):
    admin = uuid.uuid4()
    with db.transaction() as session:
        QUALIFICATION.set(session, {"auto_qualify": True}, by=admin)
    with db.reading() as session:
        assert QUALIFICATION.get(session) == {"auto_qualify": True, "threshold": 80}
        row = session.execute(select(platform_metadata.tables["platform_settings"])).one()
        assert row.key == "qualification" and row.updated_by == admin


def test_setting_again_replaces_the_value(db):
    with db.transaction() as session:
        SEEDED.set(session, True)
        MODEL.set(session, {"weights": {"a": 1.5}})
    with db.transaction() as session:
        MODEL.set(session, {"weights": {"b": -2}})
    with db.reading() as session:
        assert SEEDED.get(session) is True
        assert MODEL.get(session) == {"weights": {"b": -2}}
        rows = session.execute(select(platform_metadata.tables["platform_settings"])).all()
        assert len(rows) == 2


def test_a_rolled_back_transaction_stores_nothing(db):
    with pytest.raises(RuntimeError), db.transaction() as session:
        QUALIFICATION.set(session, {"threshold": 10})
        raise RuntimeError("the request failed")
    with db.reading() as session:
        assert QUALIFICATION.get(session)["threshold"] == 80


def test_defaults_are_not_shared_between_reads(db):
    with db.reading() as session:
        first = QUALIFICATION.get(session)
        first["threshold"] = 1
        assert QUALIFICATION.get(session)["threshold"] == 80
