"""`xuncha city ...`: look at the city that is loaded (regions, estates, companies)."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from server.domain.models import Company, Estate, Finding, Inspection, Office, Region, User
from server.extensions import db


@click.group()
def city() -> None:
    """Browse the loaded city."""


@city.command("summary")
@with_appcontext
def summary() -> None:
    """Counts of everything in the database, per office."""
    for office in db.session.scalars(sa.select(Office).order_by(Office.name)):
        click.echo(f"{office.name} ({office.short_name})")
        for label, model in (
            ("regions", Region),
            ("companies", Company),
            ("estates", Estate),
            ("users", User),
            ("inspections", Inspection),
            ("findings", Finding),
        ):
            count = db.session.scalar(
                sa.select(sa.func.count()).select_from(model).where(model.office_id == office.id)
            )
            click.echo(f"  {label:<12} {count}")
