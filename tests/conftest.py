"""Fixtures in the Flask-tutorial style.

The suite runs on a SQLite file by default, and on PostgreSQL when XUNCHA_TEST_DATABASE_URL
names a database (.ci/run does both). The schema is made once per run (once per pytest-xdist
worker, each on a database of its own); each test starts from empty tables.

A PostgreSQL run skips the tests that cannot reach the suite's database: see
`pytest_collection_modifyitems`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from server import create_app
from server.extensions import db
from tests import factories
from tests.smtp_sink import SmtpServer

# A cheap hash keeps the suite fast; production uses scrypt (see server.config).
TEST_HASH_METHOD = "pbkdf2:sha256:1000"


def _postgresql_run() -> bool:
    return bool(os.environ.get("XUNCHA_TEST_DATABASE_URL"))


def pytest_collection_modifyitems(config, items) -> None:
    """On PostgreSQL, skip the tests that need no `database_url` fixture, directly or through
    another fixture (`app`, `_schema`, ...): they cannot reach the suite's database (pure
    tablet-core and pure-function tests, and CLI runs on an instance folder of their own, whose
    SQLite file is the same in both runs), so the SQLite run has already checked them exactly as
    a PostgreSQL run would. XUNCHA_TEST_EVERY_TEST=1 runs them anyway."""
    if not _postgresql_run() or os.environ.get("XUNCHA_TEST_EVERY_TEST") == "1":
        return
    skip = pytest.mark.skip(reason="不用数据库, 只在 SQLite 一轮运行 (needs no database: SQLite pass only)")
    for item in items:
        if "database_url" not in getattr(item, "fixturenames", ()):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    url = os.environ.get("XUNCHA_TEST_DATABASE_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if url and worker:
        # Parallel workers must not empty each other's tables: each gets `<db>_<worker>`.
        with factories.scratch_database(url, f"_{worker}", tmp_path_factory.mktemp("unused")) as own:
            _commit_without_waiting_for_disk(own)
            yield own
    elif url:
        yield url
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


def _commit_without_waiting_for_disk(url: str) -> None:
    """A throw-away test database need not survive a power cut: commits return before the WAL
    reaches the disk (the server stays fully transactional; only crash durability is given up)."""
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        name = conn.exec_driver_sql("SELECT current_database()").scalar()
        conn.exec_driver_sql(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    engine.dispose()


@pytest.fixture(scope="session")
def _schema(database_url, tmp_path_factory) -> None:
    app = create_app(_test_config(database_url, tmp_path_factory.mktemp("boot")))
    with app.app_context():
        db.drop_all()
        _drop_alembic_version(db.engine)
        db.create_all()
        db.engine.dispose()


def _drop_alembic_version(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))


def _test_config(database_url: str, tmp_path) -> dict:
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "PHOTO_DIR": str(tmp_path / "photos"),
        "PASSWORD_HASH_METHOD": TEST_HASH_METHOD,
        "MAIL_HOST": "127.0.0.1",
        # A throw-away database need not survive a power cut (as the PostgreSQL ones, below).
        "SQLITE_SYNCHRONOUS": "OFF",
    }


@pytest.fixture
def app(_schema, database_url, tmp_path):
    app = create_app(_test_config(database_url, tmp_path))
    yield app
    with app.app_context():
        db.session.remove()
        empty_all_tables(db.engine)
        db.engine.dispose()


def empty_all_tables(engine: sa.Engine) -> None:
    """Delete every row, children first, and reset the change counter and id sequences.

    DELETE, not TRUNCATE, on PostgreSQL too: a test leaves a handful of rows, and TRUNCATE of
    every table makes new files for each (about 85 ms a test against 1 ms)."""
    tables = [t for t in reversed(db.metadata.sorted_tables)]
    with engine.begin() as conn:
        for table in tables:
            conn.execute(table.delete())
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT setval(c.oid, 1, false) FROM pg_class c "
                                 "JOIN pg_namespace n ON n.oid = c.relnamespace "
                                 "WHERE c.relkind = 'S' AND n.nspname = current_schema()"))
        conn.execute(sa.text("INSERT INTO change_counter (id, value) VALUES (1, 0)"))


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make(app_ctx):
    """The factory helpers, bound to a live app context: `make.estate(...)`."""
    return factories


@pytest.fixture
def smtp(app):
    """A real SMTP server on 127.0.0.1 that keeps what it receives; the app mails it."""
    with SmtpServer() as server:
        app.config.update(MAIL_HOST="127.0.0.1", MAIL_PORT=server.port)
        yield server
