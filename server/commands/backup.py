"""`xuncha backup OUT` and `xuncha restore IN`: the database and the photos, consistently."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from server.backup import BackupError, restore_backup, write_backup
from server.cli import UserError


@click.command("backup")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def backup(out: Path) -> None:
    """备份数据库和照片到目录 OUT；再次备份只复制新照片 (back up the database and photos)."""
    try:
        report = write_backup(current_app, out)
    except BackupError as exc:
        raise UserError(str(exc)) from None
    click.echo(f"已备份 (backed up) {report.snapshot}: {sum(report.rows.values())}行数据，"
               f"{report.photos}张照片（新复制{report.photos_copied}张） "
               f"({report.photos} photos, {report.photos_copied} copied now)")


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--snapshot", help="恢复哪一次备份（snapshots/ 下的名称）；默认最新 (default: the newest).")
@with_appcontext
def restore(source: Path, snapshot: str | None) -> None:
    """把备份恢复到新的空实例 (restore a backup onto a fresh instance)."""
    try:
        report = restore_backup(current_app, source, snapshot)
    except BackupError as exc:
        raise UserError(str(exc)) from None
    click.echo(f"已恢复 (restored) {report.snapshot.name}: {sum(report.rows.values())}行数据，"
               f"{report.photos}张照片 ({report.photos} photos)")
