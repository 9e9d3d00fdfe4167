"""The `xuncha` command line: one group per area; user errors print one line, never a traceback."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import FlaskGroup, ScriptInfo, run_command

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


def _checked_run_command() -> click.Command:
    """Flask's development server (`xuncha run`), after the same checks as `xuncha serve`: a
    production instance must not come up through a side door with demo passwords or an old
    schema."""
    original = run_command

    @click.pass_context
    def run(ctx: click.Context, **options) -> None:
        from server.commands.serve import check_ready_to_serve

        app = ctx.ensure_object(ScriptInfo).load_app()
        with app.app_context():
            check_ready_to_serve(app)
        ctx.invoke(original, **options)

    return click.Command("run", params=original.params, callback=run, help=original.help,
                         short_help=original.short_help)


cli.add_command(_checked_run_command())


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
