"""The `xuncha` command line: one group per area; user errors print one line, never a traceback."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import FlaskGroup, ScriptInfo

from server.config import ConfigError


class UserError(click.ClickException):
    """A problem with the operator's input, printed as one readable line."""

    def format_message(self) -> str:
        return self.message


def register_commands(app: Flask) -> None:
    """Attach every command group to the app's CLI."""
    from server.commands import register_all

    register_all(app)


def _create_app():
    from server import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def cli() -> None:
    """巡查 Xuncha server commands."""


def main() -> None:
    if len(sys.argv) == 1:  # a bare `xuncha` shows the help, and that is not an error
        sys.argv.append("--help")
    try:
        # Build the app before click parses anything: a broken configuration then ends here in
        # one line, not in the traceback Flask prints while listing commands for `--help`.
        info = ScriptInfo(create_app=_create_app)
        info.load_app()
        cli.main(standalone_mode=False, obj=info)
    except ConfigError as exc:
        click.echo(f"错误: {exc}", err=True)
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo("已取消 (aborted)", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        click.echo(f"错误: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("已中断 (interrupted); nothing half-written was kept", err=True)
        sys.exit(130)
    except Exception as exc:  # the last guard: an operator sees one line, not a traceback
        click.echo(f"错误: {type(exc).__name__}: {exc}", err=True)
        sys.exit(1)
