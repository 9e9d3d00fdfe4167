"""`xuncha ledger ...`: import the estate ledger (台账导入) from Excel or CSV, and its template."""

from __future__ import annotations

import json
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from server.cli import UserError
from server.commands.progress import StageProgressBars
from server.domain.ledger import LedgerFileError, import_ledger, write_template
from server.domain.models import Office, Region, Role, User
from server.domain.progress import no_progress
from server.extensions import db

SHOWN_PROBLEMS = 50


class LedgerRejected(UserError):
    """The file or its rows were refused; exit code 2 tells scripts that the input was at fault."""

    exit_code = 2


@click.group()
def ledger() -> None:
    """小区台账导入 (estate ledger import)."""


@ledger.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--office", "office_name", help="导入到哪个单位（名称或简称）(office name).")
@click.option("--dry-run", is_flag=True, help="只校验，不写入 (check only, write nothing).")
@click.option("--json", "as_json", is_flag=True, help="以JSON输出报告 (print the report as JSON).")
@click.option("--user", "username", help="操作人用户名，记入审计日志 (operator, for the audit log).")
@with_appcontext
def import_command(file: Path, office_name: str | None, dry_run: bool, as_json: bool,
                   username: str | None) -> None:
    """导入小区台账 .xlsx/.csv (import estates and companies from a ledger file)."""
    office, actor = office_and_operator(office_name, username)
    bars = StageProgressBars()
    try:
        # Machine-readable output gets no progress lines mixed into it.
        report = import_ledger(file, office, actor, dry_run=dry_run,
                               progress=no_progress if as_json else bars)
        bars.close()
        if report.applied:
            db.session.commit()
        else:
            db.session.rollback()
    except LedgerFileError as exc:
        db.session.rollback()
        raise LedgerRejected(f"{file}: {exc}") from None
    except SQLAlchemyError as exc:
        db.session.rollback()
        # Most likely someone changed the same estates or companies meanwhile; a retry re-checks.
        raise UserError(f"写入数据库失败，已全部回滚，请重试 (database write failed, rolled back): "
                        f"{type(exc).__name__}") from None
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(f"台账文件 (ledger file): {report.where()}")
        for warning in report.warnings:
            click.echo(f"提示 (note): {warning.line()}")
        problems = report.sorted_errors()
        for problem in problems[:SHOWN_PROBLEMS]:
            click.echo(problem.line())
        if len(problems) > SHOWN_PROBLEMS:
            click.echo(f"……仅显示前{SHOWN_PROBLEMS}条，共{len(problems)}条 "
                       f"(first {SHOWN_PROBLEMS} of {len(problems)} shown)")
    if not report.ok:
        raise LedgerRejected(report.summary())
    if not as_json:
        click.echo(report.summary())


@ledger.command("template")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--office", "office_name", help="附上该单位的社区列表 (list this office's communities).")
@click.option("--force", is_flag=True, help="覆盖已有文件 (overwrite an existing file).")
@with_appcontext
def template_command(out: Path, office_name: str | None, force: bool) -> None:
    """生成空白台账模板 .xlsx (write an empty ledger template)."""
    if out.exists() and not force:
        raise UserError(f"文件已存在：{out}，如需覆盖请加 --force (file exists)")
    if out.suffix.lower() != ".xlsx":
        raise UserError("模板文件名应以.xlsx结尾 (the template must be an .xlsx file)")
    regions: list[Region] = []
    office = find_office(office_name, required=office_name is not None)
    if office is not None:
        regions = list(db.session.scalars(
            sa.select(Region).where(Region.office_id == office.id, Region.deleted_at.is_(None))))
    try:
        write_template(out, regions)
    except OSError as exc:
        raise UserError(f"无法写入{out}：{exc.strerror} (cannot write the file)") from None
    where = f"，含{office.name}的社区列表" if regions else ""
    click.echo(f"已生成台账模板{where} (template written): {out}")


def office_and_operator(office_name: str | None, username: str | None,
                        doing: str = "导入台账 (import the ledger)") -> tuple[Office, User | None]:
    """The office named (or the operator's own) and the operator, who must belong to it."""
    actor = find_operator(username, doing) if username is not None else None
    if actor is not None and office_name is None:
        office = db.session.get(Office, actor.office_id)
    else:
        office = find_office(office_name)
    if actor is not None and actor.office_id != office.id:
        raise UserError(f"用户“{actor.username}”不属于单位“{office.name}” (user belongs to another office)")
    return office, actor


def find_operator(username: str, doing: str = "导入台账 (import the ledger)") -> User:
    """The active admin or supervisor named, whom the audit entry will name as the operator."""
    user = db.session.scalar(sa.select(User).where(User.username == username.strip()))
    if user is None:
        raise UserError(f"找不到用户“{username}” (user not found)")
    if not user.active:
        raise UserError(f"用户“{username}”已停用 (user is deactivated)")
    if user.role not in (Role.ADMIN, Role.SUPERVISOR):
        raise UserError(f"用户“{username}”不是管理员或科室负责人，不能{doing}")
    return user


def find_office(name: str | None, required: bool = True) -> Office | None:
    """The office named (by name or short name); without a name, the only office there is."""
    offices = list(db.session.scalars(sa.select(Office).order_by(Office.name)))
    if name is not None:
        found = [o for o in offices if name in (o.name, o.short_name)]
        if not found:
            names = "、".join(o.name for o in offices) or "无"
            raise UserError(f"找不到单位“{name}”；现有单位：{names} (office not found)")
        return found[0]
    if len(offices) == 1:
        return offices[0]
    if not required:
        return None
    if not offices:
        raise UserError("数据库中还没有任何单位，请先创建单位和辖区 (no office yet)")
    names = "、".join(o.name for o in offices)
    raise UserError(f"有多个单位，请用 --office 指定：{names} (several offices: choose one with --office)")
