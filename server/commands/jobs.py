"""`xuncha jobs ...`: run the scheduler once, or as a worker process beside the web server."""

from __future__ import annotations

import signal
import threading
from datetime import UTC, datetime

import click
from flask import current_app
from flask.cli import with_appcontext

from server.cli import UserError


@click.group()
def jobs() -> None:
    """Scheduled work: overdue findings, escalation, reminders (定时任务)."""


def _parse_now(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UserError(f"--now 需要 ISO 时间 (ISO 8601 UTC), got {value!r}") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


@jobs.command("run-once")
@click.option("--now", "now_text", help="UTC time to act as now (tests, catching up): 2026-03-10T02:00:00")
@with_appcontext
def run_once_command(now_text: str | None) -> None:
    """Run one scheduler tick and print what it did."""
    from server.jobs.scheduler import run_once

    report = run_once(_parse_now(now_text))
    click.echo(str(report))
    for error in report.errors:
        click.echo(f"  错误 error: {error}", err=True)


@jobs.command("worker")
@click.option("--interval", type=float, default=None, help="Seconds between ticks (default from config).")
@with_appcontext
def worker_command(interval: float | None) -> None:
    """Run the scheduler until stopped (SIGTERM / Ctrl-C); safe to run several at once."""
    from server.jobs.scheduler import run_forever

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    click.echo("调度进程已启动 (scheduler worker started)")
    run_forever(current_app._get_current_object(), stop, interval)
    click.echo("调度进程已停止 (scheduler worker stopped)")
