"""Accounts an admin manages: create, edit, deactivate, reset; everyone changes their own.

A new or reset account gets a temporary password and must choose its own at first login.
Every password is set through accounts.set_password (which also ends the user's open
sessions)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import sqlalchemy as sa

from server.domain.accounts import set_password, verify_password
from server.domain.audit import record_audit
from server.domain.models import Company, Office, Region, Role, User
from server.domain.registry.errors import AccountRefused
from server.domain.registry.passwords import check_password_rules, temporary_password
from server.extensions import db

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{2,49}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^[0-9+\-() ]{5,30}$")
ROLE_LABELS = {Role.ADMIN: "管理员", Role.SUPERVISOR: "科室负责人", Role.INSPECTOR: "检查员",
               Role.COMPANY: "企业/责任单位"}
EDITABLE = ("display_name", "role", "region_id", "company_id", "email", "phone")


@dataclass
class AccountFields:
    """What an admin types about a person; ids as the form gives them (None or a UUID)."""

    display_name: str
    role: Role | str
    region_id: uuid.UUID | None = None
    company_id: uuid.UUID | None = None
    email: str = ""
    phone: str = ""


def _clean(office_id: uuid.UUID, fields: AccountFields) -> dict:
    """Check one set of fields against the rules; returns the values to store."""
    name = (fields.display_name or "").strip()
    if not 1 <= len(name) <= 50:
        raise AccountRefused("invalid_input", "请填写姓名（不超过50字）(name, up to 50 characters)")
    try:
        role = Role(fields.role)
    except ValueError:
        raise AccountRefused("invalid_input", "请选择角色 (choose a role)") from None
    email, phone = (fields.email or "").strip(), (fields.phone or "").strip()
    if email and (len(email) > 120 or not EMAIL.match(email)):
        raise AccountRefused("invalid_input", f"邮箱格式不对：{email} (malformed email)")
    if phone and not PHONE.match(phone):
        raise AccountRefused("invalid_input", f"电话格式不对：{phone} (malformed phone)")
    region_id, company_id = fields.region_id, fields.company_id
    if role == Role.COMPANY:
        company = db.session.get(Company, company_id) if company_id else None
        if company is None or company.office_id != office_id or company.deleted_at is not None:
            raise AccountRefused("invalid_input", "企业账号须选择本单位的企业或责任单位 (choose the company)")
        region_id = None
    else:
        # Office staff never belong to a company: the company rule would hide the office's work.
        company_id = None
        if region_id is not None:
            region = db.session.get(Region, region_id)
            if region is None or region.office_id != office_id:
                raise AccountRefused("invalid_input", "所选辖区不属于本单位 (region of another office)")
    return {"display_name": name, "role": role, "region_id": region_id, "company_id": company_id,
            "email": email, "phone": phone}


def create_user(office: Office, actor: User | None, username: str, fields: AccountFields,
                password: str | None = None) -> tuple[User, str]:
    """A new account and the temporary password to hand over (typed, or made up when None)."""
    _require_admin(actor, office.id)
    username = (username or "").strip()
    if not USERNAME.match(username):
        raise AccountRefused("invalid_input", "用户名为3–50位字母、数字或 _ . -，以字母或数字开头 "
                                              "(3–50 letters, digits, _ . -)")
    if db.session.scalar(sa.select(sa.exists().where(sa.func.lower(User.username) == username.lower()))):
        raise AccountRefused("duplicate", f"用户名「{username}」已被使用 (username taken)")
    values = _clean(office.id, fields)
    password = password or temporary_password()
    check_password_rules(password, username)
    user = User(office_id=office.id, username=username, must_change_password=True, **values)
    set_password(user, password)
    db.session.add(user)
    db.session.flush()
    record_audit(actor, "create_user", user, {"username": username, **values})
    return user, password


def update_user(user: User, actor: User, fields: AccountFields) -> User:
    """Change a person's name, role, area, company or contacts; the audit keeps old → new."""
    _require_admin(actor, user.office_id)
    values = _clean(user.office_id, fields)
    if user.id == actor.id and values["role"] != Role.ADMIN:
        raise AccountRefused("forbidden", "不能取消自己的管理员角色 (you cannot demote yourself)")
    if user.role == Role.ADMIN and values["role"] != Role.ADMIN:
        _keep_one_admin(user)
    changes = {key: [getattr(user, key), value] for key, value in values.items()
               if getattr(user, key) != value}
    for key, (_, value) in changes.items():
        setattr(user, key, value)
    if changes:
        record_audit(actor, "update_user", user, changes)
    db.session.flush()
    return user


def deactivate_user(user: User, actor: User | None) -> User:
    """停用: the account can no longer log in and its sessions end; its history stays."""
    _require_admin(actor, user.office_id)
    if actor is not None and user.id == actor.id:
        raise AccountRefused("forbidden", "不能停用自己的账号 (you cannot deactivate yourself)")
    if user.role == Role.ADMIN:
        _keep_one_admin(user)
    if user.active:
        user.active = False
        record_audit(actor, "deactivate_user", user, {"active": [True, False]})
    db.session.flush()
    return user


def reactivate_user(user: User, actor: User | None) -> tuple[User, str]:
    """启用 again, with a fresh temporary password (the old one may have been shared since)."""
    _require_admin(actor, user.office_id)
    user.active = True
    record_audit(actor, "reactivate_user", user, {"active": [False, True]})
    return user, reset_password(user, actor)


def reset_password(user: User, actor: User | None, password: str | None = None) -> str:
    """A temporary password the person must change at first login; lifts a lockout too."""
    _require_admin(actor, user.office_id)
    password = password or temporary_password()
    check_password_rules(password, user.username)
    set_password(user, password)
    user.must_change_password, user.failed_logins, user.locked_until = True, 0, None
    record_audit(actor, "reset_password", user, {"must_change_password": True})
    db.session.flush()
    return password


def change_own_password(user: User, current: str, new: str, repeat: str) -> User:
    """修改密码: the person proves the current password and chooses one that meets the rules."""
    if not verify_password(user, current or ""):
        raise AccountRefused("wrong_password", "当前密码不正确 (the current password is wrong)")
    if new != repeat:
        raise AccountRefused("invalid_input", "两次输入的新密码不一致 (the new passwords differ)")
    if new == current:
        raise AccountRefused("invalid_input", "新密码不能与当前密码相同 (choose a different password)")
    check_password_rules(new, user.username)
    set_password(user, new)
    user.must_change_password = False
    record_audit(user, "change_password", user, {})
    db.session.flush()
    return user


def _require_admin(actor: User | None, office_id: uuid.UUID) -> None:
    """Only an admin of the same office; None is the operator at the server's console."""
    if actor is not None and (actor.role != Role.ADMIN or actor.office_id != office_id or not actor.active):
        raise AccountRefused("forbidden", "只有本单位管理员可以管理账号 (admins only)")


def _keep_one_admin(user: User) -> None:
    others = db.session.scalar(sa.select(sa.func.count()).select_from(User).where(
        User.office_id == user.office_id, User.role == Role.ADMIN, User.active.is_(True), User.id != user.id))
    if not others:
        raise AccountRefused("last_admin", "这是本单位最后一个启用的管理员账号，不能停用或降级 "
                                           "(the office's last active admin)")
