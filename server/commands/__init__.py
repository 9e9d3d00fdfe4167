"""CLI command groups, one module per area."""

from flask import Flask


def register_all(app: Flask) -> None:
    from server.commands import city

    for group in (city.city,):
        app.cli.add_command(group)
