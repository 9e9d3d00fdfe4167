"""`xuncha user ...` and `xuncha office ...`: the first admin and the office's frame on a new
server (no demo): an office with its root region, its districts/streets/communities, accounts.

Passwords set here are temporary like an admin's reset: the person changes it at first login.
A password is read from a hidden prompt (twice) or, for scripts, from stdin with
--password-stdin; it is never an argument (it would sit in the shell history)."""

from __future__ import annotations

import sys

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from server.cli import UserError
from server.commands.city import pad
from server.commands.ledger import find_office
from server.domain.models import Company, Region, Role, User
from server.domain.registry import (
    AccountRefused,
    create_user,
    deactivate_user,
    reset_password,
    unlock_user,
)
from server.domain.registry.offices import add_region, create_office
from server.domain.registry.users import ROLE_LABELS, AccountFields
from server.extensions import db

ROLES = click.Choice([r.value for r in Role])
FROM_STDIN = "从标准输入读一行作为密码 (read the password from stdin)."


def _find_user(username: str) -> User:
    user = db.session.scalar(sa.select(User).where(User.username == username.strip()))
    if user is None:
        raise UserError(f"找不到用户“{username}” (no such user)")
    return user


def _read_password(from_stdin: bool) -> str | None:
    """None: make one up (it is printed)."""
    if from_stdin:
        line = sys.stdin.readline().rstrip("\n")
        if not line:
            raise UserError("标准输入中没有密码 (no password on stdin)")
        return line
    return click.prompt("密码 Password (留空自动生成 empty: made up)", hide_input=True,
                        confirmation_prompt="再输入一次 Repeat", default="", show_default=False) or None


def _commit_or_refuse(action) -> object:
    try:
        result = action()
    except AccountRefused as exc:
        db.session.rollback()
        raise UserError(str(exc)) from None
    db.session.commit()
    return result


@click.group("user")
def user() -> None:
    """账号 Accounts: create, passwd, deactivate, unlock, list."""


@user.command("create")
@click.argument("username")
@click.option("--role", type=ROLES, required=True, help="admin / supervisor / inspector / company")
@click.option("--name", "display_name", required=True, help="姓名 (the person's name).")
@click.option("--office", "office_name", help="单位名称或简称；只有一个单位时可省略 (office).")
@click.option("--region", "region_code", help="辖区代码，检查员和科室负责人用 (area code).")
@click.option("--company", "credit_code", help="企业统一社会信用代码，企业账号用 (company's credit code).")
@click.option("--email", default="", help="邮箱，提醒邮件发到这里 (reminders are mailed here).")
@click.option("--phone", default="", help="手机 (phone).")
@click.option("--password-stdin", is_flag=True, help=FROM_STDIN)
@with_appcontext
def create(username: str, role: str, display_name: str, office_name: str | None, region_code: str | None,
           credit_code: str | None, email: str, phone: str, password_stdin: bool) -> None:
    """新建账号 Create an account; it must change its password at first login."""
    office = find_office(office_name)
    region = company = None
    if region_code:
        region = db.session.scalar(sa.select(Region).where(Region.code == region_code,
                                                           Region.office_id == office.id))
        if region is None:
            raise UserError(f"本单位没有代码为 {region_code} 的区域 (no such region)")
    if credit_code:
        company = db.session.scalar(sa.select(Company).where(
            Company.credit_code == credit_code.strip().upper(), Company.office_id == office.id))
        if company is None:
            raise UserError(f"本单位没有信用代码为 {credit_code} 的企业 (no such company)")
    password = _read_password(password_stdin)
    fields = AccountFields(display_name=display_name, role=role, region_id=region.id if region else None,
                           company_id=company.id if company else None, email=email, phone=phone)
    account, password = _commit_or_refuse(lambda: create_user(office, None, username, fields, password))
    click.echo(f"已创建 {ROLE_LABELS[account.role]} {account.username}（{account.display_name}）"
               f" (account created)")
    click.echo(f"临时密码 Temporary password: {password}   首次登录须修改 (to be changed at first login)")


@user.command("passwd")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help=FROM_STDIN)
@with_appcontext
def passwd(username: str, password_stdin: bool) -> None:
    """重置密码 Set a temporary password (lifts a lockout); changed at first login."""
    account = _find_user(username)
    password = _read_password(password_stdin)
    password = _commit_or_refuse(lambda: reset_password(account, None, password))
    click.echo(f"已重置 {account.username} 的密码 (password reset); 临时密码 Temporary password: {password}")


@user.command("deactivate")
@click.argument("username")
@with_appcontext
def deactivate(username: str) -> None:
    """停用账号 The account can no longer log in; its records stay."""
    _on_account(username, deactivate_user, "已停用 (deactivated)")


@user.command("unlock")
@click.argument("username")
@with_appcontext
def unlock(username: str) -> None:
    """解锁 Lift a lockout after too many wrong passwords."""
    _on_account(username, unlock_user, "已解锁 (unlocked)")


def _on_account(username: str, service, done: str) -> None:
    account = _find_user(username)
    _commit_or_refuse(lambda: service(account, None))
    click.echo(f"{done}: {account.username}")


@user.command("list")
@click.option("--role", type=ROLES, help="只列出该角色 (only this role).")
@click.option("--all", "include_inactive", is_flag=True, help="包括已停用的账号 (include deactivated).")
@with_appcontext
def list_users(role: str | None, include_inactive: bool) -> None:
    """账号列表 Username, role, name, area or unit, state."""
    query = sa.select(User).order_by(User.role, User.username)
    if role:
        query = query.where(User.role == Role(role))
    if not include_inactive:
        query = query.where(User.active.is_(True))
    widths = (16, 14, 12, 30)
    headers = ("用户名 user", "角色 role", "姓名 name", "辖区/单位 area")
    click.echo("  ".join(pad(h, w) for h, w in zip(headers, widths, strict=True)) + "  状态 state")
    for account in db.session.scalars(query):
        region = account.region.name if account.region else "全单位"
        where = account.company.name if account.company else region
        state = ("已停用" if not account.active else "待改密码" if account.must_change_password else "正常")
        click.echo("  ".join(pad(c, w) for c, w in zip(
            (account.username, ROLE_LABELS[account.role], account.display_name, where), widths, strict=True))
            + f"  {state}")


@click.group("office")
def office() -> None:
    """单位与辖区 The office and its regions, for a new server."""


@office.command("create")
@click.argument("name")
@click.option("--short-name", required=True, help="简称，用于通知书文号 (used in notice numbers).")
@click.option("--region-code", required=True, help="根区域代码，如 3205 (root region code).")
@click.option("--region-name", required=True, help="根区域名称，如 澜江市 (root region name).")
@click.option("--level", type=click.Choice(["city", "district"]), default="city", show_default=True)
@with_appcontext
def create_office_command(name: str, short_name: str, region_code: str, region_name: str, level: str) -> None:
    """新建单位 An office with the root region it supervises."""
    made = _commit_or_refuse(lambda: create_office(name, short_name, region_code, region_name, level))
    click.echo(f"已创建单位 {made.name}，辖区 {region_name} ({region_code}) (office created)")
    click.echo(f"下一步 Next: xuncha office add-region {region_code} <代码> <名称>；"
               f"xuncha user create <用户名> --role admin --name <姓名>")


@office.command("add-region")
@click.argument("parent_code")
@click.argument("code")
@click.argument("name")
@click.option("--office", "office_name", help="单位名称或简称 (office).")
@with_appcontext
def add_region_command(parent_code: str, code: str, name: str, office_name: str | None) -> None:
    """添加区域 A district, street or community under PARENT_CODE (the next level down)."""
    made = _commit_or_refuse(lambda: add_region(find_office(office_name), parent_code, code, name))
    click.echo(f"已添加 {made.name} ({made.code}, {made.level.value}) (region added)")

