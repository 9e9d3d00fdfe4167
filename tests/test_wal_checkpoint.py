"""The SQLite write-ahead log is copied into the database file by `xuncha serve`'s own thread."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from server import create_app
from server.domain.database import install_engine_hooks
from server.domain.wal_checkpoint import BACKSTOP_PAGES, start_background_checkpoint
from server.extensions import db


def _rows_in_main_file(path: Path) -> list[tuple[int]] | None:
    """The table as the database file alone holds it, the log not read (None: not there yet)."""
    reader = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        return reader.execute("SELECT n FROM t ORDER BY n").fetchall()
    except sqlite3.OperationalError:
        return None
    finally:
        reader.close()


def _wait_for(path: Path, expected: list[tuple[int]]) -> list[tuple[int]] | None:
    rows = None
    for _ in range(100):
        rows = _rows_in_main_file(path)
        if rows == expected:
            break
        time.sleep(0.05)
    return rows


def test_commits_reach_the_database_file_without_a_request_copying_them(tmp_path):
    path = tmp_path / "c.sqlite3"
    engine = sa.create_engine(f"sqlite:///{path}")
    install_engine_hooks(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (n INTEGER)")
    assert _rows_in_main_file(path) is None  # still only in the log: SQLite copies at 1,000 pages
    checkpoint = start_background_checkpoint(engine)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO t VALUES (1)")
            # The requests' own connections copy only past the far backstop now.
            assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == BACKSTOP_PAGES
        assert _wait_for(path, [(1,)]) == [(1,)]
        with engine.begin() as connection:  # and again after a later commit
            connection.exec_driver_sql("INSERT INTO t VALUES (2)")
        assert _wait_for(path, [(1,), (2,)]) == [(1,), (2,)]
    finally:
        checkpoint.stop()
    assert checkpoint.checkpoints >= 2
    engine.dispose()
    with engine.connect() as connection:  # stopped: connections made now keep SQLite's default
        assert connection.exec_driver_sql("SELECT count(*) FROM t").scalar() == 2
        assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 1000
    engine.dispose()


def test_only_an_sqlite_file_gets_one():
    assert start_background_checkpoint(sa.create_engine("sqlite://")) is None
    assert start_background_checkpoint(
        sa.create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/unused")) is None


def test_a_served_database_flushes_every_commit_and_the_tests_do_not(tmp_path, app):
    served = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/s.sqlite3", "SECRET_KEY": "k",
                         "PHOTO_DIR": str(tmp_path / "photos")})
    with served.app_context():
        assert db.session.execute(sa.text("PRAGMA synchronous")).scalar() == 2  # FULL
        db.session.remove()
        db.engine.dispose()
    if app.config["DATABASE_URL"].startswith("sqlite"):
        with app.app_context():
            assert db.session.execute(sa.text("PRAGMA synchronous")).scalar() == 0  # OFF


def test_an_unknown_synchronous_mode_is_refused():
    with pytest.raises(ValueError, match="SQLITE_SYNCHRONOUS"):
        install_engine_hooks(sa.create_engine("sqlite://"), "SOMETIMES")
