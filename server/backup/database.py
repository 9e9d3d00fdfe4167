"""Copying the database as of one moment: SQLite's online backup API, or pg_dump/pg_restore
(Debian's postgresql-client). Both give a transactionally consistent copy while the server runs."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import sqlalchemy as sa


class DatabaseCopyError(RuntimeError):
    """The copy could not be made or put back; the message is one line for the operator."""


def dialect_of(url: sa.URL) -> str:
    return url.get_backend_name()


def dump_database(url: sa.URL, target: Path) -> None:
    """Write the whole database to `target` (a SQLite file, or a pg_dump custom-format file)."""
    if dialect_of(url) == "sqlite":
        _sqlite_copy(Path(url.database), target)
    elif dialect_of(url) == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(target),
              *_pg_args(url)], url)
    else:
        raise DatabaseCopyError(f"不支持备份 {dialect_of(url)} 数据库 (unsupported database)")


def load_database(url: sa.URL, source: Path) -> None:
    """Replace the (fresh) database's contents with the copy in `source`."""
    if dialect_of(url) == "sqlite":
        _sqlite_copy(source, Path(url.database))
    else:
        # --clean drops what a `db upgrade` of the fresh instance made; one transaction, so a
        # failed restore leaves the database as it was.
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
              "--exit-on-error", *_pg_args(url), str(source)], url)


def _sqlite_copy(source: Path, target: Path) -> None:
    """Page by page through SQLite's backup API: writers may go on meanwhile, the copy is of one
    moment (it restarts if a page it copied changes)."""
    if not source.exists():
        raise DatabaseCopyError(f"找不到数据库文件 {source} (database file not found)")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(partial)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    os.replace(partial, target)
    for suffix in ("-wal", "-shm"):  # stale journal files of an older file would corrupt the new one
        Path(str(target) + suffix).unlink(missing_ok=True)


def _pg_args(url: sa.URL) -> list[str]:
    args = ["--dbname", url.database or ""]
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    return args


def _run(command: list[str], url: sa.URL) -> None:
    if shutil.which(command[0]) is None:
        raise DatabaseCopyError(f"找不到 {command[0]}：请安装 postgresql-client "
                                "(apt-get install postgresql-client)")
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)  # not on the command line, where `ps` would show it
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        detail = (result.stderr.strip().splitlines() or ["?"])[-1]
        raise DatabaseCopyError(f"{command[0]} 失败 (failed): {detail}")
