"""Scope helpers: one record or a page, out-of-scope answered as missing."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import Column, String, Table, Uuid, insert, or_, select
from sqlalchemy.orm import DeclarativeBase

from crm_shared.auth import ADMIN, MANAGER, Principal
from crm_shared.db import Database, new_metadata
from crm_shared.errors import NotFound
from crm_shared.pagination import SortKey
from crm_shared.scoping import get_in_scope, page_in_scope


class Base(DeclarativeBase):
    metadata = new_metadata()


class Thing(Base):
    __table__ = Table(
        "things",
        Base.metadata,
        Column("id", Uuid, primary_key=True),
        Column("name", String(50), nullable=False),
        Column("owner_id", Uuid, nullable=True),
        Column("team_id", Uuid, nullable=True),
    )


TEAM = uuid.uuid4()
REP = Principal(uuid.uuid4(), "rep", frozenset({"rep"}), TEAM)
PEER = Principal(uuid.uuid4(), "peer", frozenset({"rep"}), TEAM)
BOSS = Principal(uuid.uuid4(), "boss", frozenset({MANAGER}), TEAM)
OUTSIDER = Principal(uuid.uuid4(), "out", frozenset({"rep"}), uuid.uuid4())
ROOT = Principal(uuid.uuid4(), "root", frozenset({ADMIN}))


@pytest.fixture
def db(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'scope.db'}", service="test")
    Base.metadata.create_all(database.engine)
    with database.transaction() as session:
        for name, owner in (("mine", REP), ("peers", PEER), ("outside", OUTSIDER)):
            session.execute(
                insert(Thing.__table__).values(
                    id=uuid.uuid4(), name=name, owner_id=owner.id, team_id=owner.team_id
                )
            )
        session.execute(insert(Thing.__table__).values(id=uuid.uuid4(), name="nobody's"))
    yield database
    database.dispose()


def _id(db, name):
    with db.reading() as session:
        return session.scalar(select(Thing.id).where(Thing.name == name))


def _names(db, principal, **kwargs):
    with db.reading() as session:
        keys = [SortKey(Thing.name, "name")]
        items, cursor = page_in_scope(
            session, select(Thing), keys, principal, limit=10, cursor=None, **kwargs
        )
        assert cursor is None
        return [t.name for t in items]


def test_one_in_scope_or_404_exactly_like_a_missing_one(db):
    cols = {"owner": Thing.owner_id, "team": Thing.team_id}
    with db.reading() as session:
        assert get_in_scope(session, Thing, _id(db, "mine"), REP, **cols).name == "mine"
        assert get_in_scope(session, Thing, _id(db, "peers"), BOSS, **cols).name == "peers"
        assert get_in_scope(session, Thing, _id(db, "outside"), ROOT, **cols).name == "outside"
        with pytest.raises(NotFound, match="no such thing") as hidden:
            get_in_scope(session, Thing, _id(db, "peers"), REP, what="thing", **cols)
        with pytest.raises(NotFound, match="no such thing") as missing:
            get_in_scope(session, Thing, uuid.uuid4(), REP, what="thing", **cols)
        assert str(hidden.value) == str(missing.value)
        # No principal: the caller knows it may see it (it just made it).
        assert get_in_scope(session, Thing, _id(db, "outside"), None, **cols).name == "outside"


def test_a_page_holds_only_what_the_caller_may_see(db):
    cols = {"owner": Thing.owner_id, "team": Thing.team_id}
    assert _names(db, REP, **cols) == ["mine"]
    assert _names(db, BOSS, **cols) == ["mine", "peers"]
    assert _names(db, ROOT, **cols) == ["mine", "nobody's", "outside", "peers"]


def test_a_wider_visibility_replaces_the_default_scope(db):
    queue = or_(Thing.owner_id == BOSS.id, Thing.owner_id.is_(None))
    assert _names(db, BOSS, visible=queue) == ["nobody's"]
    with db.reading() as session:
        found = get_in_scope(session, Thing, _id(db, "nobody's"), BOSS, visible=queue)
        assert found.name == "nobody's"


def test_a_scope_needs_an_owner_column_or_a_condition(db):
    with db.reading() as session, pytest.raises(TypeError):
        get_in_scope(session, Thing, uuid.uuid4(), REP)
