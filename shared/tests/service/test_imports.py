"""The shared CSV import mechanism: decoding, header detection, resumable jobs."""

from __future__ import annotations

import codecs
import uuid

import pytest
from sqlalchemy import select

from crm_shared import files, imports
from crm_shared.db import Database
from crm_shared.errors import ValidationFailed
from crm_shared.tables import import_jobs, platform_metadata

SPEC = imports.ImportSpec(
    kind="things",
    fields=frozenset({"name", "email", "size"}),
    presets={"ours": {"name": "name", "email": "email"}, "theirs": {"Full Name": "name"}},
    required_any=("name",),
)


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("name\nJosé\n".encode(), "utf-8"),
        (codecs.BOM_UTF8 + "name\nJosé\n".encode(), "utf-8-sig"),
        ("name\nJosé\n".encode("utf-16"), "utf-16"),
        ("name\n张伟\n".encode("gb18030"), "gb18030"),
    ],
)
def test_decodes_the_encodings_we_accept(data, encoding):
    text, found = imports.decode(data)
    assert found == encoding
    assert text.splitlines()[0] == "name"


@pytest.mark.parametrize(
    "data", [b"", b"name\n\xff\xfe\xfa\x80\x81", b"\xef\xbb\xbfname\n\xff", b"a\x00b"]
)
def test_refuses_undecodable_input_naming_the_file(data):
    with pytest.raises(ValidationFailed) as problem:
        imports.decode(data)
    assert problem.value.errors[0]["field"] == "file"


def test_a_large_upload_is_checked_and_read_as_a_stream_across_slice_boundaries():
    # A character cut by the 1 MiB slice boundary is still read whole; a NUL
    # far past the first slice is still found.
    row = "José,张伟\n"
    data = ("name,company\n" + row * (3 * 1024 * 1024 // len(row.encode()))).encode()
    assert imports.reading.detect_encoding(data) == "utf-8"
    reader = imports.reading.csv_reader(imports.reading.open_text(data, "utf-8"))
    rows = list(reader)
    assert rows[0] == ["name", "company"] and rows[1:] == [["José", "张伟"]] * (len(rows) - 1)
    with pytest.raises(ValidationFailed) as refused:
        imports.reading.detect_encoding(data + b"x\x00y")
    assert "NUL" in str(refused.value.errors)


def test_header_detection_prefers_the_best_preset_and_checks_custom_mappings():
    mapping, preset = imports.detect_mapping(["FULL_NAME", "Other"], SPEC)
    assert (mapping, preset) == ({"FULL_NAME": "name"}, "theirs")
    with pytest.raises(ValidationFailed, match="no recognisable header"):
        imports.detect_mapping(["foo", "bar"], SPEC)
    custom, preset = imports.detect_mapping(["A", "B"], SPEC, {"A": "name", "B": "size"})
    assert preset == "custom" and custom == {"A": "name", "B": "size"}
    with pytest.raises(ValidationFailed, match="columns not in the file"):
        imports.detect_mapping(["A"], SPEC, {"Z": "name"})
    with pytest.raises(ValidationFailed, match="unknown fields"):
        imports.detect_mapping(["A"], SPEC, {"A": "colour"})
    with pytest.raises(ValidationFailed, match="maps no column"):
        imports.detect_mapping(["A"], SPEC, {"A": "size"})


class Collect:
    """A processor keeping rows in memory; fails rows without an email."""

    spec = SPEC

    def __init__(self):
        self.seen = []

    def process(self, session, job, rows):
        out = []
        for row in rows:
            if "email" not in row.values:
                out.append(imports.RowOutcome(row.line, "failed", "email: is required", "email"))
            else:
                self.seen.append((row.line, row.values))
                out.append(imports.RowOutcome(row.line, "imported"))
        return out


@pytest.fixture
def db(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'p.db'}", service="test")
    platform_metadata.create_all(database.engine)
    yield database
    database.dispose()


def test_a_job_runs_in_chunks_and_reports_rows_by_line(db):
    text = 'name,email\n"Multi\nline",m@example.com\n\nNo Email,\nAda,ada@example.com\n'
    with db.transaction() as session:
        job = imports.create_job(
            session, SPEC, data=text.encode(), filename="t.csv", created_by=uuid.uuid4()
        )
    assert job["total"] == 3 and job["status"] == "pending"
    collect = Collect()
    assert imports.run_pending(db, collect, chunk_size=2) == 1
    assert collect.seen == [
        (2, {"name": "Multi\nline", "email": "m@example.com"}),
        (6, {"name": "Ada", "email": "ada@example.com"}),
    ]
    with db.reading() as session:
        done = imports.get_job(session, "things", job["id"])
    assert done["status"] == "completed"
    assert (done["processed"], done["imported"], done["failed"]) == (3, 2, 1)
    assert done["errors"] == [{"line": 5, "field": "email", "reason": "email: is required"}]


def test_a_crash_mid_chunk_loses_nothing_and_repeats_nothing(db):
    rows = "\n".join(f"N{i},n{i}@example.com" for i in range(10))
    with db.transaction() as session:
        imports.create_job(
            session,
            SPEC,
            data=f"name,email\n{rows}\n".encode(),
            filename="t.csv",
            created_by=None,
        )

    class Dies(Collect):
        def process(self, session, job, rows):
            if len(self.seen) >= 4:
                raise imports.ImportCrash()
            return super().process(session, job, rows)

    dying = Dies()
    with pytest.raises(imports.ImportCrash):
        imports.run_pending(db, dying, chunk_size=4, worker_id="a")
    with db.transaction() as session:
        session.execute(import_jobs.update().values(lease_until=None))
    heir = Collect()
    imports.run_pending(db, heir, chunk_size=4, worker_id="b")
    assert [line for line, _ in dying.seen + heir.seen] == list(range(2, 12))
    with db.reading() as session:
        row = session.execute(select(import_jobs)).one()
    assert (row.status, row.imported, row.attempts) == ("completed", 10, 2)


def test_a_processor_bug_fails_the_job_with_a_reason(db):
    with db.transaction() as session:
        imports.create_job(session, SPEC, data=b"name\nx\n", filename="t.csv", created_by=None)

    class Broken(Collect):
        def process(self, session, job, rows):
            raise RuntimeError("boom")

    imports.run_pending(db, Broken())
    with db.reading() as session:
        row = session.execute(select(import_jobs)).one()
    assert row.status == "failed" and "RuntimeError" in row.failure


class Prepares(Collect):
    """Does its pure work ahead: upper-cases names on the reader thread."""

    def __init__(self):
        super().__init__()
        self.threads = set()

    def prepare(self, job, rows):
        import threading

        self.threads.add(threading.current_thread().name)
        return [
            imports.ImportRow(r.line, {**r.values, "name": r.values["name"].upper()}) for r in rows
        ]


def test_prepared_chunks_reach_process_in_order_from_a_reader_thread(db):
    rows = "\n".join(f"n{i},n{i}@example.com" for i in range(25))
    with db.transaction() as session:
        imports.create_job(
            session, SPEC, data=f"name,email\n{rows}\n".encode(), filename="t.csv", created_by=None
        )
    processor = Prepares()
    imports.run_pending(db, processor, chunk_size=4)
    assert [values["name"] for _, values in processor.seen] == [f"N{i}" for i in range(25)]
    assert len(processor.threads) == 1 and processor.threads.pop().startswith("import-")
    with db.reading() as session:
        row = session.execute(select(import_jobs)).one()
    assert (row.status, row.imported) == ("completed", 25)


def test_a_failing_prepare_fails_the_job_after_the_chunks_before_it(db):
    rows = "\n".join(f"n{i},n{i}@example.com" for i in range(10))
    with db.transaction() as session:
        imports.create_job(
            session, SPEC, data=f"name,email\n{rows}\n".encode(), filename="t.csv", created_by=None
        )

    class BrokenPrepare(Prepares):
        def prepare(self, job, rows):
            if rows[0].line > 5:
                raise ValueError("cannot clean")
            return super().prepare(job, rows)

    processor = BrokenPrepare()
    imports.run_pending(db, processor, chunk_size=4)
    with db.reading() as session:
        row = session.execute(select(import_jobs)).one()
    assert row.status == "failed" and "ValueError" in row.failure and "row 5" in row.failure
    assert (row.processed, row.imported) == (4, 4)


def test_a_job_is_seen_by_its_uploader_and_admins_only(db):
    from crm_shared.auth import ADMIN, Principal
    from crm_shared.errors import NotFound

    uploader = Principal(uuid.uuid4(), "rep")
    with db.transaction() as session:
        job = imports.create_job(
            session, SPEC, data=b"name\nx\n", filename="t.csv", created_by=uploader.id
        )
    with db.reading() as session:
        assert imports.get_job(session, "things", job["id"], viewer=uploader)["id"] == job["id"]
        admin = Principal(uuid.uuid4(), "boss", frozenset({ADMIN}))
        assert imports.get_job(session, "things", job["id"], viewer=admin)["id"] == job["id"]
        with pytest.raises(NotFound):
            imports.get_job(session, "things", job["id"], viewer=Principal(uuid.uuid4(), "other"))
        with pytest.raises(NotFound):
            imports.get_job(session, "other-kind", job["id"], viewer=uploader)


def test_an_upload_form_takes_a_json_mapping_and_the_services_options_only():
    assert imports.upload_mapping({"mapping": '{"A": "name"}', "x": "1"}, options=["x"]) == {
        "A": "name"
    }
    assert imports.upload_mapping({}, options=()) is None
    for form, field in (
        ({"colour": "red"}, "colour"),
        ({"mapping": "{nope"}, "mapping"),
        ({"mapping": '["A"]'}, "mapping"),
        ({"mapping": '{"A": 1}'}, "mapping"),
    ):
        with pytest.raises(ValidationFailed) as problem:
            imports.upload_mapping(form, options=["x"])
        assert problem.value.errors[0]["field"] == field


def test_a_kept_file_reads_back_whole_a_piece_at_a_time(db):
    data = ("name\n" + "".join(f"Zoë {i}\n" for i in range(500))).encode()
    with db.transaction() as session:
        file_id = files.save(
            session, purpose="import", filename="a.csv", content_type="text/csv", data=data
        )
    stream = files.open_stream(db, file_id, piece=7)  # pieces cut through characters
    assert stream is not None and stream.read() == data
    assert files.open_stream(db, uuid.uuid4()) is None
