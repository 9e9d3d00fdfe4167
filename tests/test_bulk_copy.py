"""New rows written in bulk (COPY's text on PostgreSQL, executemany on SQLite) read back as sent."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from server.domain.models import Finding
from server.domain.sync.bulk import CopyStream, _column_values, _compiled, copy_text
from server.domain.sync.push import STREAM_ROWS
from server.extensions import db
from tests.factories import PASSWORD
from tests.small_city import build_small_city
from tests.sync_client import pair

AWKWARD = ["a\\b", "tab\there", "two\nlines", "cr\rlf\r\n", "\\N", "\\.", "", " 前后空格 ",
           "楼道内私拉电线，\\\t\n给电动车充电", "'quotes\" and ,commas;"]


def test_findings_with_awkward_text_are_stored_as_sent(app_ctx, client):
    city = build_small_city()
    tablet = pair(client, "insp_a", PASSWORD)
    records = [tablet.record("finding", {
        "estate_id": city.estate_a1.id, "category": "楼道堆放杂物", "severity": "major",
        "location": text[:100], "description": text, "found_at": datetime(2026, 12, 3, 8, 30)})
        for text in AWKWARD]
    reply = tablet.push(records)
    assert {r["status"] for r in reply["results"]} == {"accepted"}
    db.session.expire_all()
    stored = {str(f.id): f for f in db.session.scalars(sa.select(Finding))}
    for record, text in zip(records, AWKWARD, strict=True):
        finding = stored[record["id"]]
        assert (finding.description, finding.location) == (text, text[:100])
        assert finding.found_at == datetime(2026, 12, 3, 8, 30) and finding.closed_at is None


def test_copy_text_reads_back_on_postgresql_as_the_values_were(app_ctx):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    columns = [
        AWKWARD + [None],
        [uuid.uuid4().hex for _ in range(len(AWKWARD))] + [None],
        [datetime(2026, 1, 2, 3, 4, 5, 678901)] * len(AWKWARD) + [None],
        list(range(-5, len(AWKWARD) - 5)) + [None],
        [n % 2 == 0 for n in range(len(AWKWARD))] + [None],
        [0.1 * n for n in range(len(AWKWARD))] + [None],
        [Decimal("12.50")] * len(AWKWARD) + [None],
        [date(2026, 12, 3)] * len(AWKWARD) + [None],
        [None] * (len(AWKWARD) + 1),
    ]
    text = copy_text(columns)
    assert text is not None
    connection = db.session.connection()
    connection.exec_driver_sql(
        "CREATE TEMP TABLE copied (n serial, t text, u uuid, at timestamp, i integer, b boolean, "
        "f double precision, d numeric(7, 2), day date, nothing text)")
    driver = connection.connection.driver_connection
    with driver.cursor() as cursor, cursor.copy(
            "COPY copied (t, u, at, i, b, f, d, day, nothing) FROM STDIN") as copy:
        copy.write(text)
    rows = connection.exec_driver_sql(
        "SELECT t, replace(u::text, '-', ''), at, i, b, f, d, day, nothing FROM copied ORDER BY n").all()
    assert [tuple(row) for row in rows] == list(zip(*columns, strict=True))
    db.session.rollback()


def test_values_copy_text_does_not_write_are_left_to_psycopg():
    aware = datetime(2026, 1, 1, tzinfo=UTC)
    assert copy_text([[aware]]) is None  # psycopg converts by the session's time zone
    assert copy_text([[float("nan")]]) is None
    assert copy_text([[b"bytes"]]) is None
    assert copy_text([["text", 1]]) is None  # two types in one column
    assert copy_text([["a", None], [1, 2]]) == "a\t1\n\\N\t2\n"


def test_a_batch_streamed_in_parts_with_lookups_between_them_stores_every_finding(app_ctx, client):
    """Findings of two estates, the second first named past the first COPY's rows: its lookup
    ends that COPY, the rest go into another; all are stored, numbered once, in order."""
    city = build_small_city()
    tablet = pair(client, "insp_a", PASSWORD)
    count = STREAM_ROWS * 2 + 37
    records = [tablet.record("finding", {
        "estate_id": (city.estate_a1 if n < STREAM_ROWS + 20 else city.estate_a2).id,
        "category": "飞线充电", "severity": "minor", "description": f"第{n}条",
        "found_at": datetime(2026, 12, 3)})
        for n in range(count)]
    estate_b_id = city.estate_a2.id
    db.session.remove()  # so the second estate is looked up in the database mid-batch
    reply = tablet.push(records)
    assert [r["status"] for r in reply["results"]] == ["accepted"] * count
    db.session.expire_all()
    stored = db.session.scalars(sa.select(Finding).order_by(Finding.server_seq)).all()
    assert [str(f.id) for f in stored] == [r["id"] for r in records]
    assert len({f.server_seq for f in stored}) == count
    assert {f.estate_id for f in stored[-17:]} == {estate_b_id}


def _table_rows(connection, names: list[str]) -> list[dict]:
    return [dict(zip(names, row, strict=True)) for row in connection.exec_driver_sql(
        f"SELECT {', '.join(names)} FROM copy_probe ORDER BY n").all()]


def test_a_copy_stream_ends_before_another_statement_and_reports_duplicates_as_sqlalchemy_does(app_ctx):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    connection = db.session.connection()
    connection.exec_driver_sql("CREATE TEMP TABLE copy_probe (n integer PRIMARY KEY, t text)")
    table = sa.Table("copy_probe", sa.MetaData(), sa.Column("n", sa.Integer, primary_key=True),
                     sa.Column("t", sa.Text))

    def columns_and_values(rows):
        _sql, columns, _ = _compiled(table, tuple(rows[0]), connection.dialect)
        return columns, [_column_values(rows, *column) for column in columns]

    stream = CopyStream(db.session)
    stream.write(table, *columns_and_values([{"n": 1, "t": "一"}, {"n": 2, "t": "二"}]))
    # Another statement on the connection: the open COPY ends first, so its rows are there.
    assert _table_rows(connection, ["n", "t"]) == [{"n": 1, "t": "一"}, {"n": 2, "t": "二"}]
    savepoint = db.session.begin_nested()  # as a push attempt runs in one
    stream.write(table, *columns_and_values([{"n": 3, "t": "三"}]))
    stream.abort()  # these rows are not kept
    savepoint.rollback()
    assert [row["n"] for row in _table_rows(connection, ["n"])] == [1, 2]

    savepoint = db.session.begin_nested()
    stream.write(table, *columns_and_values([{"n": 4, "t": "四"}, {"n": 2, "t": "again"}]))
    with pytest.raises(sa.exc.IntegrityError):
        stream.close()
    savepoint.rollback()
    assert [row["n"] for row in _table_rows(connection, ["n"])] == [1, 2]
    db.session.rollback()


def test_a_finding_another_push_commits_while_this_one_copies_is_merged_not_a_500(app, client):
    """PostgreSQL: another transaction inserts a finding with one of the batch's ids and commits
    only after the batch has looked its rows up (the batch waits for it at the change counter),
    so the batch's COPY meets that row: the duplicate comes as IntegrityError, the batch is
    applied again record by record and the record merges into the row (it was a 500)."""
    import threading
    import time

    from sqlalchemy.orm import Session

    from server.domain.models import FindingStatus, Severity

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite takes the write lock before it looks rows up")
        city = build_small_city()
        tablet = pair(client, "insp_a", PASSWORD)
        records = [tablet.record("finding", {
            "estate_id": city.estate_a1.id, "category": "飞线充电", "severity": "major",
            "description": f"第{n}条", "found_at": datetime(2026, 12, 3, 9, n)}) for n in range(3)]
        estate = city.estate_a1
        other = Session(bind=db.engine)  # another push's transaction, committing late
        other.add(Finding(id=uuid.UUID(records[1]["id"]), office_id=estate.office_id,
                          estate_id=estate.id, region_code=estate.region_code, category="飞线充电",
                          severity=Severity.MAJOR, status=FindingStatus.OPEN,
                          found_at=datetime(2026, 12, 3, 9, 1), field_clocks={}))
        other.flush()
        db.session.remove()

    replies = []
    pushing = threading.Thread(target=lambda: replies.append(
        client.post("/api/v1/sync/push", headers=tablet.headers,
                    json={"batch_id": str(uuid.uuid4()), "records": records})))
    pushing.start()
    with app.app_context():
        waiting = 0
        for _ in range(200):  # until the push waits for the other transaction
            waiting = db.session.execute(sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database()")).scalar()
            db.session.rollback()
            if waiting:
                break
            time.sleep(0.02)
        db.session.remove()
    other.commit()
    other.close()
    pushing.join(30)
    assert waiting, "the push never waited for the other transaction"
    reply = replies[0]
    assert reply.status_code == 200, reply.get_data(as_text=True)[:300]
    assert [r["status"] for r in reply.get_json()["results"]] == ["accepted"] * 3
    with app.app_context():
        stored = {str(f.id): f.description for f in db.session.scalars(sa.select(Finding))}
        assert stored == {r["id"]: r["fields"]["description"] for r in records}
