"""Pairing tablets, authenticating them, revoking them."""

from __future__ import annotations

import functools
import hashlib
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from server.domain.audit import record_audit
from server.domain.driver_sql import DriverStatement
from server.domain.models import FIELD_ROLES, Device, PairingCode, Region, Role, User
from server.domain.models.base import utcnow
from server.domain.rectification.access import region_prefix
from server.domain.registry.login import LoginRefused, attempt_login
from server.extensions import db

PAIRING_CODE_TTL = timedelta(minutes=15)
# Only field staff carry tablets.
TABLET_ROLES = FIELD_ROLES


WRONG_LOGIN = "用户名或密码错误 (wrong username or password)"


class PairingError(ValueError):
    """Pairing refused; the message is safe to show (it never tells which part was wrong)."""


def _digest(secret: str) -> str:
    # Tokens and codes are random with high entropy, so one SHA-256 is enough to make a
    # stolen database useless; the slow hash is for the low-entropy things people choose.
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_device(user: User, name: str, schema_version: int, app_version: str) -> tuple[Device, str]:
    if not user.active or user.role not in TABLET_ROLES:
        raise PairingError("该账号不能绑定平板 (this account cannot pair a tablet)")
    token = secrets.token_urlsafe(32)
    device = Device(
        user_id=user.id,
        office_id=user.office_id,
        name=name[:100],
        token_hash=_digest(token),
        schema_version=schema_version,
        app_version=app_version[:30],
        last_seen_at=utcnow(),
    )
    db.session.add(device)
    db.session.flush()
    record_audit(user, "pair_device", device, {"name": device.name})
    return device, token


def pair_with_password(
    username: str, password: str, name: str, schema_version: int, app_version: str = ""
) -> tuple[Device, str]:
    """Pair a tablet by the user's login; returns the device and its token (shown once).

    The password is checked by the dashboard's own login rule (attempt_login), so a wrong
    guess here counts towards the same lockout and a locked account stays locked. An account
    that holds no tablet (a company's) answers exactly like a wrong password; an account that
    must first change its password is sent to the dashboard to do so.
    """
    try:
        user = attempt_login(username, password, now=utcnow())
    except LoginRefused as exc:
        raise PairingError(str(exc)) from None
    if user.role not in TABLET_ROLES:
        raise PairingError(WRONG_LOGIN)
    if user.must_change_password:
        raise PairingError("请先登录网页修改初始密码，再配对平板 "
                           "(change your password on the dashboard first, then pair the tablet)")
    return _new_device(user, name, schema_version, app_version)


def create_pairing_code(user: User, actor: User | None = None) -> str:
    """A one-time 8-digit code for the dashboard to show; valid for 15 minutes."""
    code = f"{secrets.randbelow(10**8):08d}"
    db.session.add(
        PairingCode(user_id=user.id, code_hash=_digest(code), expires_at=utcnow() + PAIRING_CODE_TTL)
    )
    record_audit(actor or user, "create_pairing_code", user)
    return code


def pair_with_code(code: str, name: str, schema_version: int, app_version: str = "") -> tuple[Device, str]:
    now = utcnow()
    pairing = db.session.scalar(
        sa.select(PairingCode).where(PairingCode.code_hash == _digest(code.strip())).with_for_update()
    )
    if pairing is None or pairing.used_at is not None or pairing.expires_at < now:
        raise PairingError("配对码无效或已过期 (pairing code invalid or expired)")
    pairing.used_at = now
    return _new_device(db.session.get(User, pairing.user_id), name, schema_version, app_version)


# Built once: every API request runs it. The device and its user come in one statement (the
# user was a lazy SELECT of its own on every request).
_DEVICE_BY_TOKEN = (
    sa.select(Device).join(Device.user).options(contains_eager(Device.user))
    .where(Device.token_hash == sa.bindparam("token_hash"))
)


def find_device_by_token(token: str) -> Device | None:
    """The device holding this token, with its user loaded; None for an unknown token."""
    return db.session.execute(_DEVICE_BY_TOKEN, {"token_hash": _digest(token)}).scalar()


_devices, _users = Device.__table__, User.__table__
_CREDENTIALS_BY_TOKEN = (
    sa.select(_devices.c.id, _devices.c.user_id, _devices.c.revoked_at, _devices.c.last_seen_at,
              _users.c.active, _users.c.username, _users.c.office_id)
    .join_from(_devices, _users, _devices.c.user_id == _users.c.id)
    .where(_devices.c.token_hash == sa.bindparam("token_hash"))
)


@functools.cache
def _credentials_statement(dialect: sa.Dialect) -> DriverStatement:
    return DriverStatement.compile(_CREDENTIALS_BY_TOKEN, dialect)


def find_device_credentials(token: str) -> Any:
    """The same lookup as plain columns (id, user_id, revoked_at, last_seen_at, active, username,
    office_id), no ORM objects: for a request that needs no more (a photo upload)."""
    connection = db.session.connection()
    return _credentials_statement(connection.dialect).first(connection, {"token_hash": _digest(token)})


def mark_device_seen(device_id: uuid.UUID, at: datetime) -> None:
    """last_seen_at of a device that was read as plain columns."""
    db.session.connection().execute(
        sa.update(_devices).where(_devices.c.id == device_id).values(last_seen_at=at))


def revoke_device(device: Device, actor: User | None = None) -> Device:
    if device.revoked_at is None:
        device.revoked_at = utcnow()
        device.revoked_by_id = actor.id if actor else None
        record_audit(actor, "revoke_device", device, office_id=device.office_id)
    return device


# Who outranks whom on tablets: a user manages their own, and those of users strictly below
# them inside their own area; an admin's area is the whole office (as for estates).
_RANK = {Role.INSPECTOR: 1, Role.SUPERVISOR: 2, Role.ADMIN: 3}


def _area_prefix(user: User) -> str | None:
    """The region code the user's area starts with; None: the whole office."""
    return None if user.role == Role.ADMIN else region_prefix(user)


def can_manage_devices_of(actor: User, owner: User) -> bool:
    """May `actor` make pairing codes for, list and revoke the tablets of, `owner`?

    Themselves, or a user of a lower role whose region lies inside the actor's area. A user
    without a region counts as office-wide, so only an office-wide actor outranks them.
    """
    if not actor.active or actor.office_id != owner.office_id or owner.role not in TABLET_ROLES:
        return False
    if actor.id == owner.id:
        return True
    if _RANK.get(actor.role, 0) <= _RANK[owner.role]:
        return False
    area = _area_prefix(actor)
    if area is None:
        return True
    owner_area = region_prefix(owner)
    return owner_area is not None and owner_area.startswith(area)


def managed_users(actor: User) -> sa.ColumnElement[bool]:
    """The same rule as `can_manage_devices_of`, as a condition on User rows."""
    below = [role for role, rank in _RANK.items() if rank < _RANK.get(actor.role, 0)]
    others = (User.office_id == actor.office_id) & User.role.in_(below)
    area = _area_prefix(actor)
    if area is not None:
        others &= User.region_id.in_(
            sa.select(Region.id).where(Region.office_id == actor.office_id, Region.code.startswith(area)))
    if not actor.active:
        return sa.false()
    return (User.id == actor.id) | others


def device_owners(actor: User) -> sa.Select:
    """The active accounts `actor` may make a pairing code for, by username."""
    return (sa.select(User).where(managed_users(actor), User.active.is_(True), User.role.in_(TABLET_ROLES))
            .order_by(User.username))


def devices_visible_to(actor: User) -> sa.Select:
    """(Device, owner) rows of the tablets `actor` manages, newest first."""
    return (sa.select(Device, User).join(User, Device.user_id == User.id)
            .where(Device.office_id == actor.office_id, managed_users(actor))
            .order_by(Device.created_at.desc()))
