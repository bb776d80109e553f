"""Leads' settings move into the platform table with their data, and back on downgrade."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import text

from crm_shared.db import Database, make_engine
from crm_shared.migrations import platform_config, service_config
from leads.configuration import SCORING_SEEDED, qualification_settings
from leads.service import SERVICE

BEFORE = "88664131c4f9"  # the last leads revision with its own lead_settings table


def _rows(url: str, table: str) -> dict[str, str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return dict(conn.execute(text(f"SELECT key, CAST(value AS TEXT) FROM {table}")).all())
    finally:
        engine.dispose()


def _round_trip(url: str) -> None:
    command.upgrade(platform_config(url), "head")
    command.upgrade(service_config(SERVICE, url), BEFORE)
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            for key, value in (
                ("qualification", '{"auto_qualify": true, "threshold": 65}'),
                ("scoring_seeded", "true"),
            ):
                conn.execute(
                    text(
                        "INSERT INTO lead_settings (key, value, updated_at)"
                        " VALUES (:k, :v, '2026-11-30 08:00:00+00:00')"
                    ),
                    {"k": key, "v": value},
                )
    finally:
        engine.dispose()
    before = _rows(url, "lead_settings")

    command.upgrade(service_config(SERVICE, url), "head")
    moved = _rows(url, "platform_settings")
    assert set(moved) == {"qualification", "scoring_seeded"}
    assert moved == before  # the same values, byte for byte as the database renders them

    # What the service reads after the move is what the admin had set.
    db = Database(url, service="leads")
    try:
        with db.reading() as session:
            assert qualification_settings(session)["threshold"] == 65
            assert qualification_settings(session)["auto_qualify"] is True
            assert SCORING_SEEDED.get(session) is True
    finally:
        db.dispose()

    command.downgrade(service_config(SERVICE, url), BEFORE)
    assert _rows(url, "lead_settings") == before
    assert _rows(url, "platform_settings") == {}


def test_settings_move_with_their_data_on_sqlite(tmp_path):
    _round_trip(f"sqlite:///{tmp_path / 'leads.db'}")


@pytest.mark.integration
def test_settings_move_with_their_data_on_postgresql(pg_database):
    _round_trip(pg_database("leads"))
