"""`xuncha device ...`: pairing codes, the list of tablets, revocation, sync conflicts."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from server.cli import UserError
from server.domain.devices import create_pairing_code, revoke_device
from server.domain.models import Device, SyncConflict, User
from server.extensions import db


def _user(username: str) -> User:
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        raise UserError(f"没有用户 {username!r} (no such user)")
    return user


@click.group("device")
def device() -> None:
    """Tablets: pair, list, revoke."""


@device.command("pairing-code")
@click.argument("username")
@with_appcontext
def pairing_code(username: str) -> None:
    """Print a one-time code (15 minutes) that pairs a tablet to USERNAME."""
    code = create_pairing_code(_user(username))
    db.session.commit()
    click.echo(f"配对码 (pairing code) for {username}: {code}  — 15 分钟内有效 (valid 15 minutes)")


@device.command("list")
@click.option("--user", "username", help="only this user's tablets")
@with_appcontext
def list_devices(username: str | None) -> None:
    """Every paired tablet with its user, last contact and state."""
    query = sa.select(Device, User).join(User, Device.user_id == User.id).order_by(Device.created_at)
    if username:
        query = query.where(User.id == _user(username).id)
    for tablet, user in db.session.execute(query):
        state = "已注销 revoked" if tablet.is_revoked else "正常 active"
        seen = tablet.last_seen_at.strftime("%Y-%m-%d %H:%M") if tablet.last_seen_at else "-"
        click.echo(f"{tablet.id}  {user.username:<14} {tablet.name:<20} {seen:<17} {state}")


@device.command("revoke")
@click.argument("device_id", type=click.UUID)
@with_appcontext
def revoke(device_id) -> None:
    """Revoke a lost tablet: its next sync is told to wipe its local data."""
    tablet = db.session.get(Device, device_id)
    if tablet is None:
        raise UserError(f"没有设备 {device_id} (no such device)")
    revoke_device(tablet)
    db.session.commit()
    click.echo(f"已注销 {device_id} (revoked)")


@device.command("conflicts")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
@with_appcontext
def conflicts(limit: int) -> None:
    """The latest sync conflicts, for a supervisor to review."""
    rows = db.session.scalars(sa.select(SyncConflict).order_by(SyncConflict.at.desc()).limit(limit))
    for row in rows:
        message = (row.detail or {}).get("message", "")
        click.echo(f"{row.at:%Y-%m-%d %H:%M}  {row.kind:<12} {row.record_id}  {row.reason}  {message}")
