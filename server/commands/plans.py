"""`xuncha plan ...`: re-draw a double-random plan from its recorded seed to check it."""

from __future__ import annotations

import uuid

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from server.cli import UserError
from server.domain.models import Estate, InspectionPlan, User
from server.domain.random_plans import verify_plan
from server.extensions import db


class PlanDiffers(UserError):
    """The recorded plan is not what its seed draws: exit code 3 for scripts."""

    exit_code = 3


@click.group()
def plan() -> None:
    """双随机抽查计划 (double-random plans)."""


@plan.command("verify")
@click.argument("plan_id")
@with_appcontext
def verify(plan_id: str) -> None:
    """按记录的种子和候选名单重抽，核对结果 (re-draw from the seed and compare)."""
    try:
        key = uuid.UUID(plan_id)
    except ValueError:
        raise UserError(f"计划编号格式不正确：{plan_id} (malformed plan id)") from None
    found = db.session.get(InspectionPlan, key)
    if found is None:
        raise UserError(f"没有这个计划：{plan_id} (no such plan)")
    check = verify_plan(found)
    names = dict(db.session.execute(sa.select(Estate.id, Estate.name).where(
        Estate.id.in_([uuid.UUID(e.estate_id) for e in check.redrawn + check.recorded]))).all())
    people = dict(db.session.execute(sa.select(User.id, User.display_name).where(
        User.id.in_([uuid.UUID(i) for e in check.redrawn + check.recorded for i in e.inspector_ids]))).all())
    click.echo(f"计划 {found.title} · 种子 {found.seed} · 算法 {found.algorithm} · "
               f"候选小区 {len(found.estate_pool)} · 候选检查员 {len(found.inspector_pool)}")
    for n, entry in enumerate(check.redrawn, start=1):
        pair = "、".join(people.get(uuid.UUID(i), i) for i in entry.inspector_ids)
        click.echo(f"{n:>3}. {names.get(uuid.UUID(entry.estate_id), entry.estate_id)} · {pair}")
    if not check.matches:
        raise PlanDiffers("重抽结果与记录不一致 (the re-draw differs from the recorded plan)")
    click.echo("重抽结果与记录一致 (the re-draw matches the recorded plan)")
