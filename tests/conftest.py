"""Fixtures in the Flask-tutorial style.

The suite runs on a SQLite file by default, and on PostgreSQL when XUNCHA_TEST_DATABASE_URL
names a database (.ci/run does both). The schema is made once per run; each test starts from
empty tables.
"""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from server import create_app
from server.extensions import db
from tests import factories
from tests.smtp_sink import SmtpServer

# A cheap hash keeps the suite fast; production uses scrypt (see server.config).
TEST_HASH_METHOD = "pbkdf2:sha256:1000"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("XUNCHA_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


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
    """Delete every row, children first, and reset the change counter."""
    tables = [t for t in reversed(db.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(t.name for t in tables)
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())
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
