"""`xuncha serve`: run the server with waitress (and the scheduler), after the checks production needs."""

from __future__ import annotations

import gc
import signal
import sys

import click
import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy.orm import selectinload

from server.cli import UserError
from server.commands.demo import echo_logins, login_of, login_order
from server.config import check_production_safety
from server.domain.models import User
from server.domain.wal_checkpoint import start_background_checkpoint
from server.extensions import db
from server.jobs.scheduler import SchedulerThread

LOGINS_PER_ROLE = 3


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="监听地址; 0.0.0.0 让局域网内的平板连接"
                   " (address to listen on; 0.0.0.0 lets tablets on the LAN connect)")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(0, 65535),
              help="端口, 0 = 任选空闲端口 (port; 0 picks a free one)")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64),
              help="处理请求的线程数 (worker threads)")
@click.option("--jobs/--no-jobs", default=True, show_default=True,
              help="在本进程内运行定时任务 (run the scheduler in this process; with several servers,"
                   " or `xuncha jobs worker` beside them, that is still safe)")
@with_appcontext
def serve(host: str, port: int, threads: int, jobs: bool) -> None:
    """启动服务器 (serve the app with waitress, a production WSGI server)."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    demo_logins = check_ready_to_serve(app)
    db.session.remove()  # the request threads open their own sessions

    from waitress import create_server

    from server.access_log import print_access_log
    from server.body_buffer import mark_bodies_buffered

    print_access_log()
    checkpoint = start_background_checkpoint(db.engine)

    # A push of 500 records is ~0.6 MB: read 256 KB at a time and kept in memory (waitress's
    # defaults, 8 KB reads and a temporary file past 512 KB, doubled its time on the wire; a
    # 150 KB photo now arrives in one or two reads). Waitress has the whole body before a
    # worker thread runs the app, so a slow tablet never holds a thread or a transaction.
    server = create_server(mark_bodies_buffered(app), host=host, port=port, threads=threads, ident="xuncha",
                           recv_bytes=262144, inbuf_overflow=2 * 1024 * 1024)
    url = f"http://{_url_host(server.effective_host)}:{server.effective_port}/"
    click.echo(f"巡查 Xuncha 服务已启动 (serving): {url}")
    if host in ("0.0.0.0", "::"):
        click.echo("  平板请用本机的局域网地址连接 (tablets connect to this computer's LAN address)")
    if demo_logins:
        _print_demo_logins(demo_logins)
    # One machine runs its reminders and deadlines inside the server (docs: ARCHITECTURE).
    scheduler = SchedulerThread(app) if jobs else None
    if scheduler:
        scheduler.start()
        click.echo("定时任务在本进程内运行 (the scheduler runs in this process)")
    click.echo("按 Ctrl+C 停止 (press Ctrl+C to stop)", err=True)
    # systemd and `kill` stop a service with SIGTERM: end like Ctrl+C, with the sockets closed.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    # What is loaded by now (app, models, schemas) lives as long as the process: kept out of the
    # cyclic collector's full passes, which walked all of it while a push of 500 records made
    # its dicts (a third of the push's time; docs/performance.md).
    gc.collect()
    gc.freeze()
    try:
        server.run()  # returns after Ctrl+C or SIGTERM
    finally:
        if scheduler:
            scheduler.stop()
        if checkpoint:
            checkpoint.stop()
    click.echo("已停止 (stopped)", err=True)


def check_ready_to_serve(app: Flask) -> list[User]:
    """The checks before serving (`xuncha serve` and `xuncha run` alike): production's safety
    rules with the database's demo accounts, and a schema at the code's migration head.
    Returns the active demo accounts, for the demo's welcome."""
    try:
        demo_logins = active_demo_accounts()
    except sa.exc.DBAPIError:
        check_schema_is_current(app)  # an old schema lacks columns read there: say that instead
        raise
    check_production_safety(app.config, [u.username for u in demo_logins])
    check_schema_is_current(app)
    return demo_logins


def active_demo_accounts() -> list[User]:
    """Active users whose password is the public demo one (a small table: one cheap query)."""
    query = (sa.select(User).where(User.password_is_demo.is_(True), User.active.is_(True))
             .options(selectinload(User.company), selectinload(User.region)))
    try:
        return list(db.session.scalars(query))
    except sa.exc.DBAPIError as exc:
        if not sa.inspect(db.engine).has_table(User.__tablename__):
            raise UserError(
                "数据库还没有建表，请先运行 `xuncha db upgrade`"
                " (the database has no tables yet: run `xuncha db upgrade` first)"
            ) from exc
        raise


def check_schema_is_current(app: Flask) -> None:
    """Refuse to serve a database whose migrations lag behind (or run ahead of) the code."""
    directory = app.extensions["migrate"].directory
    config = app.extensions["migrate"].migrate.get_config(directory)
    expected = set(ScriptDirectory.from_config(config).get_heads())
    with db.engine.connect() as conn:
        actual = set(MigrationContext.configure(conn).get_current_heads())
    if actual != expected:
        found = ", ".join(sorted(actual)) or "无 (none)"
        raise UserError(
            f"数据库结构版本是 {found}，代码需要 {', '.join(sorted(expected))}；请先运行 `xuncha db upgrade`"
            " (the database schema is not at the code's migration head: run `xuncha db upgrade`)"
        )


def _print_demo_logins(users: list[User]) -> None:
    """A few logins per role: enough to look around; `xuncha demo logins` lists them all."""
    echo_logins([login_of(u) for u in sorted(users, key=login_order)], per_role=LOGINS_PER_ROLE)


def _exit_on_sigterm(_signum: int, _frame: object) -> None:
    sys.exit(0)  # waitress's loop catches SystemExit and shuts its threads down


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", ""):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host
