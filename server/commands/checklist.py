"""`xuncha checklist ...`: an office's checklist standards (检查标准) to and from Excel."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from server.cli import UserError
from server.commands.ledger import find_office, office_and_operator
from server.domain.checklist_standard import (
    StandardFileError,
    find_template,
    import_standard,
    office_templates,
    write_standard,
)
from server.domain.checklists import TEMPLATE_STATUS_LABELS, TemplateFrozenError, publish_template
from server.domain.models import ChecklistTemplate, Office
from server.extensions import db

SHOWN_PROBLEMS = 50


class StandardRejected(UserError):
    """The file or its rows were refused (exit code 2: the input was at fault)."""

    exit_code = 2


@click.group()
def checklist() -> None:
    """检查标准 (checklist standards): import, export, template, publish, list."""


_office_option = click.option("--office", "office_name", help="单位名称或简称 (office name).")
_user_option = click.option("--user", "username", help="操作人用户名，记入审计日志 (operator, audited).")


@checklist.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--name", help="标准名称；默认取文件中的标题或文件名 (the standard's name).")
@click.option("--family", help="标准代号，同一代号的导入成为新版本 (family: versions of one standard).")
@click.option("--publish", "publish_now", is_flag=True, help="导入后立即发布 (publish at once).")
@_office_option
@_user_option
@with_appcontext
def import_command(file: Path, name: str | None, family: str | None, publish_now: bool,
                   office_name: str | None, username: str | None) -> None:
    """从.xlsx导入检查标准，成为草稿版本 (import a standard from .xlsx as a draft version)."""
    office, actor = office_and_operator(office_name, username, "导入检查标准 (import checklists)")
    try:
        report = import_standard(file, office, actor, name=name, family=family)
    except StandardFileError as exc:
        db.session.rollback()
        raise StandardRejected(f"{file}: {exc}") from None
    if not report.ok:
        db.session.rollback()
        problems = sorted(report.errors, key=lambda p: p.sort_key())
        for problem in problems[:SHOWN_PROBLEMS]:
            click.echo(problem.line())
        if len(problems) > SHOWN_PROBLEMS:
            click.echo(f"……仅显示前{SHOWN_PROBLEMS}条，共{len(problems)}条 (first {SHOWN_PROBLEMS} shown)")
        raise StandardRejected(report.summary())
    if publish_now:
        publish_template(report.template, actor)
    db.session.commit()
    click.echo(report.summary())
    if publish_now:
        click.echo(f"已发布，平板下次同步时收到 (published: tablets get it on their next sync) "
                   f"{_describe(report.template)}")


@checklist.command("publish")
@click.argument("family")
@click.option("--version", type=int, help="版本号；默认最新版本 (version; default the newest).")
@_office_option
@_user_option
@with_appcontext
def publish_command(family: str, version: int | None, office_name: str | None, username: str | None) -> None:
    """发布草稿版本；发布后不能再修改 (publish a draft; it is frozen from then on)."""
    office, actor = office_and_operator(office_name, username, "发布检查标准 (publish checklists)")
    template = _template(office, family, version)
    try:
        publish_template(template, actor)
    except (TemplateFrozenError, ValueError) as exc:
        db.session.rollback()
        raise UserError(str(exc)) from None
    db.session.commit()
    click.echo(f"已发布，平板下次同步时收到 (published) {_describe(template)}")


@checklist.command("export")
@click.argument("family")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--version", type=int, help="版本号；默认最新版本 (version; default the newest).")
@click.option("--force", is_flag=True, help="覆盖已有文件 (overwrite an existing file).")
@_office_option
@with_appcontext
def export_command(family: str, out: Path, version: int | None, force: bool, office_name: str | None) -> None:
    """把一个版本导出为.xlsx，可改后再导入 (export a version to .xlsx)."""
    template = _template(find_office(office_name), family, version)
    _write(out, force, template)
    click.echo(f"已导出 (exported) {_describe(template)}: {out}")


@checklist.command("template")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="覆盖已有文件 (overwrite an existing file).")
@with_appcontext
def template_command(out: Path, force: bool) -> None:
    """生成空白检查标准模板（含填写说明） (write an empty standard with instructions)."""
    _write(out, force, None)
    click.echo(f"已生成检查标准模板 (template written): {out}")


@checklist.command("list")
@_office_option
@with_appcontext
def list_command(office_name: str | None) -> None:
    """列出本单位的检查标准及各版本 (list the office's standards and their versions)."""
    templates = office_templates(find_office(office_name).id)
    if not templates:
        click.echo("还没有检查标准；用 xuncha checklist import 导入 (no standards yet)")
    for template in templates:
        click.echo(_describe(template))


def _template(office: Office, family: str, version: int | None) -> ChecklistTemplate:
    template = find_template(office.id, family, version)
    if template is None:
        which = f"第{version}版" if version else ""
        raise UserError(f"找不到检查标准“{family}”{which}；用 xuncha checklist list 查看 "
                        "(standard not found)")
    return template


def _write(out: Path, force: bool, template: ChecklistTemplate | None) -> None:
    if out.exists() and not force:
        raise UserError(f"文件已存在：{out}，如需覆盖请加 --force (file exists)")
    if out.suffix.lower() != ".xlsx":
        raise UserError("文件名应以.xlsx结尾 (the file must be an .xlsx file)")
    try:
        write_standard(out, template)
    except OSError as exc:
        raise UserError(f"无法写入{out}：{exc.strerror} (cannot write the file)") from None


def _describe(template: ChecklistTemplate) -> str:
    status = TEMPLATE_STATUS_LABELS[template.status]
    return (f"{template.family} 第{template.version}版 《{template.name}》 {status} "
            f"{len(template.sections)}个分项 {len(template.items)}个检查项")
