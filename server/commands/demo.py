"""`xuncha demo ...`: build the demo city and show its logins."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from server.cli import UserError
from server.commands.city import pad
from server.commands.progress import StageProgressBars
from server.config import DEMO_PASSWORD
from server.demo import DemoBuildError, DemoCityExistsError, DemoOptions, Login, build_demo_city
from server.demo.names import OFFICE_NAME
from server.domain.models import Office, User
from server.domain.models.enums import UnitKind
from server.domain.registry.units import UNIT_KIND_LABELS
from server.domain.registry.users import ROLE_LABELS
from server.extensions import db
from server.storage import get_photo_store

# The company role covers every responsible unit (物业服务企业, 街道办事处 …): a single account is
# named by its unit's kind, a count of them by the role.
# The registry's labels, keyed by the role's value (the login lists' own key).
ROLE_LABEL = {role.value: label for role, label in ROLE_LABELS.items()}
ROLE_ORDER = ["admin", "supervisor", "inspector", "company"]
KIND_ORDER = [UnitKind.PROPERTY_COMPANY, UnitKind.WORK_UNIT, UnitKind.STREET_OFFICE, UnitKind.COMMUNITY]


def login_order(user: User) -> tuple[int, int, int, str]:
    """Roles in a fixed order, property companies before street offices, then account number."""
    kind = KIND_ORDER.index(user.company.kind) if user.company else 0
    digits = "".join(ch for ch in user.username if ch.isdigit())
    return ROLE_ORDER.index(user.role.value), kind, int(digits) if digits else 0, user.username


def login_of(user: User) -> Login:
    """A user as the login lists print them: with their unit (or area) and their unit's kind."""
    scope = user.company.name if user.company else (user.region.name if user.region else "")
    label = UNIT_KIND_LABELS[user.company.kind] if user.company else ""
    return Login(user.username, user.role.value, user.display_name, scope, label)


@click.group()
def demo() -> None:
    """演示城市 Demo city: build it, list its logins."""


@demo.command("build")
@click.option("--scale", type=click.IntRange(1, 1000), default=1, show_default=True,
              help="倍数：1 ≈ 120 个小区、20 家企业、40 个社区、4 个月约 240 次检查；"
                   "10 和 100 用于压测 (multiplies estates, companies, communities and inspections).")
@click.option("--seed", type=int, default=DemoOptions.seed, show_default=True,
              help="随机种子：同一种子、同一天 → 同样的数据 (same seed and day give the same rows).")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="历史截止日（默认今天，北京时间） "
                   "(the day the history ends before; default today in China).")
@click.option("--months", type=click.IntRange(1, 24), default=4, show_default=True,
              help="检查历史月数 (months of inspection history).")
@click.option("--photos/--no-photos", default=True, show_default=True,
              help="为问题生成现场照片 (draw JPEG evidence photos for findings).")
@click.option("--photo-limit", type=click.IntRange(0), default=1000, show_default=True,
              help="最多为多少个问题生成照片，优先未销号问题；其余问题无照片。100 倍时约 4 万个问题，"
                   "所以只是抽样 (at most this many findings get a photo, open ones first; at 100× "
                   "only a sample).")
@click.option("--replace", is_flag=True,
              help="删除已有的演示城市后重建 (delete the existing demo city first).")
@with_appcontext
def build(scale: int, seed: int, today, months: int, photos: bool, photo_limit: int, replace: bool) -> None:
    """构建演示城市 Build the demo city in one transaction (Ctrl-C leaves nothing behind)."""
    options = DemoOptions(scale=scale, seed=seed, today=today.date() if today else None, months=months,
                          photos=photos, photo_limit=photo_limit, replace=replace)
    bar = StageProgressBars()
    try:
        report = build_demo_city(db.session, get_photo_store(current_app), options, bar)
    except (DemoCityExistsError, DemoBuildError) as exc:
        raise UserError(str(exc)) from None
    finally:
        bar.close()
    click.echo(f"已建成演示城市 {report.office_name}（截至 {report.today.isoformat()}）")
    for table in ("region", "company", "estate", "user_account", "inspection", "answer", "finding",
                  "notice", "photo"):
        click.echo(f"  {table:<14} {report.counts.get(table, 0)}")
    echo_logins(report.logins)


@demo.command("logins")
@with_appcontext
def logins() -> None:
    """列出演示城市的登录账号 List the demo city's logins."""
    office = db.session.scalar(sa.select(Office).where(Office.name == OFFICE_NAME))
    if office is None:
        raise UserError("还没有演示城市，请先运行 xuncha demo build (no demo city yet)")
    users = db.session.scalars(sa.select(User).where(User.office_id == office.id)).all()
    echo_logins([login_of(u) for u in sorted(users, key=login_order)], per_role=len(users))


def echo_logins(logins: list[Login], per_role: int = 8) -> None:
    click.echo(f"\n演示账号 Demo logins（密码 password: {DEMO_PASSWORD}）")
    shown: dict[str, int] = {}
    hidden: dict[str, int] = {}
    for login in logins:
        if shown.get(login.role, 0) >= per_role:
            hidden[login.role] = hidden.get(login.role, 0) + 1
            continue
        shown[login.role] = shown.get(login.role, 0) + 1
        role = login.label or ROLE_LABEL.get(login.role, login.role)
        click.echo(f"  {pad(login.username, 14)}{pad(role, 10)}{pad(login.display_name, 14)}{login.scope}")
    for role, count in hidden.items():
        click.echo(f"  … 另有 {count} 个{ROLE_LABEL.get(role, role)}账号 (and {count} more {role} logins: "
                   "xuncha demo logins)")
