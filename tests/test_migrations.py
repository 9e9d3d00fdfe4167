"""The Alembic migrations and the models describe the same schema.

Each test migrates a database of its own (a SQLite file, or on PostgreSQL a throw-away
database named after the test database plus "_mig"), so it never touches the schema that
conftest builds with create_all for the rest of the suite. The tests hold for any number of
migrations: they only ask that the history is one line and ends where the models are.
"""

from __future__ import annotations

from collections.abc import Iterator

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask

from server import create_app
from server.extensions import db
from tests import factories

MODELS_AHEAD = "models and migrations differ: add a migration (docs/HELPERS.md says how)"


@pytest.fixture
def migration_url(database_url: str, tmp_path) -> Iterator[str]:
    with factories.scratch_database(database_url, "_mig", tmp_path / "migrated.sqlite3") as url:
        yield url


@pytest.fixture
def migration_app(migration_url: str, tmp_path) -> Iterator[Flask]:
    app = create_app({
        "TESTING": True,
        "DATABASE_URL": migration_url,
        "SECRET_KEY": "test-secret",
        "PHOTO_DIR": str(tmp_path / "photos"),
    })
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def schema_differences() -> list:
    """What autogenerate would write into a new migration (types compared too)."""
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def table_names() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def heads(app: Flask) -> tuple[str, ...]:
    migrate = app.extensions["migrate"]
    return ScriptDirectory.from_config(migrate.migrate.get_config(migrate.directory)).get_heads()


def test_history_is_one_line(migration_app):
    script = ScriptDirectory.from_config(
        migration_app.extensions["migrate"].migrate.get_config(migration_app.extensions["migrate"].directory)
    )
    assert len(script.get_bases()) == 1
    assert len(script.get_heads()) == 1, (
        f"several migration heads {script.get_heads()}: renumber yours so its down_revision is the other head"
    )


def test_upgrade_of_an_empty_database_gives_exactly_the_models(migration_app):
    flask_migrate.upgrade()

    assert schema_differences() == [], MODELS_AHEAD
    assert table_names() == set(db.metadata.tables) | {"alembic_version"}
    with db.engine.connect() as conn:
        assert set(MigrationContext.configure(conn).get_current_heads()) == set(heads(migration_app))


def test_downgrade_to_base_removes_everything_and_upgrade_again_works(migration_app):
    flask_migrate.upgrade()
    flask_migrate.downgrade(revision="base")

    assert table_names() <= {"alembic_version"}

    flask_migrate.upgrade()
    assert schema_differences() == [], MODELS_AHEAD


def test_migrated_database_starts_the_change_counter_at_zero(migration_app):
    # create_all inserts this row through an after_create hook; the migrations must do the same.
    flask_migrate.upgrade()
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT id, value FROM change_counter")).all() == [(1, 0)]
