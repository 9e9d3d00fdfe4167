"""Backups: a small demo city backed up and restored into an empty instance has every row and
every photo (by hash); a second backup copies only the new photos; a used instance is refused."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import date

import pytest
import sqlalchemy as sa

from server import create_app
from server.backup import write_backup
from server.demo import DemoOptions, build_demo_city
from server.domain.models import Photo
from server.domain.photos import PhotoLimits, add_photo
from server.extensions import db
from server.storage import Variant, get_photo_store
from tests import factories
from tests.conftest import _test_config

SMALL = DemoOptions(seed=11, today=date(2026, 3, 16), months=1, photo_limit=4)


@pytest.fixture
def fresh_url(database_url: str, tmp_path) -> Iterator[str]:
    """An empty database of the same kind as the suite's: a new SQLite file, or `<db>_restore`."""
    with factories.scratch_database(database_url, "_restore", tmp_path / "fresh" / "xuncha.sqlite3") as url:
        yield url


def every_row() -> dict[str, list[str]]:
    """Every value of every table, as text, sorted: two databases with the same rows agree."""
    def plain(value):
        if isinstance(value, dict | list):
            return json.dumps(value, sort_keys=True, default=str)
        return str(value)
    result = {}
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(sa.select(table)).all()
        result[table.name] = sorted(repr(tuple(plain(v) for v in row)) for row in rows)
    return result


def stored_photos(app) -> dict[tuple[str, str], str]:
    """(sha256, variant) → SHA-256 of the bytes the photo store gives back."""
    store = get_photo_store(app)
    out = {}
    for sha in db.session.scalars(sa.select(Photo.sha256).where(Photo.stored.is_(True))):
        for variant in Variant:
            if store.exists(sha, variant):
                with store.open(sha, variant) as handle:
                    out[(sha, variant.value)] = hashlib.sha256(handle.read()).hexdigest()
    return out


def test_a_demo_city_restored_into_an_empty_instance_has_every_row_and_photo(app, runner, fresh_url,
                                                                               tmp_path):
    out = tmp_path / "备份"
    with app.app_context():
        build_demo_city(db.session, get_photo_store(app), SMALL)
        db.session.commit()
        rows, photos = every_row(), stored_photos(app)
        db.session.rollback()
    assert sum(len(r) for r in rows.values()) > 1000 and len(photos) >= 8
    assert all(sha == digest for (sha, variant), digest in photos.items() if variant == "original")

    first = runner.invoke(args=["backup", str(out)])
    assert first.exit_code == 0, first.output
    assert f"{len(photos) // 2}张照片（新复制{len(photos) // 2}张）" in first.output
    again = runner.invoke(args=["backup", str(out)])
    assert again.exit_code == 0 and "（新复制0张）" in again.output  # only new photos are copied
    with app.app_context():
        add_photo(get_photo_store(app), factories.jpeg_bytes(seed=99), PhotoLimits.from_config(app.config))
        db.session.commit()
        assert write_backup(app, out).photos_copied == 1
        rows, photos = every_row(), stored_photos(app)
        db.session.rollback()

    fresh = create_app(_test_config(fresh_url, tmp_path / "fresh"))
    restored = fresh.test_cli_runner().invoke(args=["restore", str(out)])
    assert restored.exit_code == 0, restored.output
    with fresh.app_context():
        assert every_row() == rows
        assert stored_photos(fresh) == photos
        db.session.remove()
        # The restored instance is no longer fresh: a second restore is refused in one line.
        refused = fresh.test_cli_runner().invoke(args=["restore", str(out)])
        assert refused.exit_code == 1 and "只能恢复到新的空实例" in refused.output
        assert "Traceback" not in refused.output
        db.session.remove()
        db.engine.dispose()


def test_restore_names_what_is_wrong_with_the_folder(app, runner, tmp_path):
    result = runner.invoke(args=["restore", str(tmp_path)])
    assert result.exit_code == 1 and "不是备份目录" in result.output
    assert runner.invoke(args=["backup", str(tmp_path / "bk")]).exit_code == 0
    named = runner.invoke(args=["restore", str(tmp_path / "bk"), "--snapshot", "20200101T000000000000Z"])
    assert named.exit_code == 1 and "找不到备份" in named.output
