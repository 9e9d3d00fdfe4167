"""检查标准 Checklist standards on the dashboard, for admins and supervisors: the office's
versions, import from Excel (checked whole, nothing written on any error), a version's items,
editing a draft's items, publishing (frozen, then sent to tablets), a new draft from a published
version, export back to Excel, and the template with its instructions."""

from __future__ import annotations

import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from server.domain.checklist_standard import (
    ItemNotValidError,
    StandardFileError,
    family_draft,
    import_standard,
    office_templates,
    update_draft_item,
    write_standard,
)
from server.domain.checklist_standard.columns import COLUMNS, SEVERITY_LABELS
from server.domain.checklist_standard.workbook import MAX_BYTES
from server.domain.checklists import (
    TEMPLATE_STATUS_LABELS,
    TemplateFrozenError,
    copy_template_as_new_version,
    publish_template,
)
from server.domain.models import OFFICE_ROLES, ChecklistItem, ChecklistTemplate, Office, TemplateStatus
from server.extensions import db
from server.web import bp
from server.web.helpers import CsrfForm, get_or_404, me, roles_required

ROLES = tuple(OFFICE_ROLES)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_EXPIRED = "页面已过期，请刷新后重新提交 (the page expired: reload it and try again)"


def _own_template(template_id: str) -> ChecklistTemplate:
    template = get_or_404(ChecklistTemplate, template_id)
    if template.office_id != me().office_id or template.deleted_at is not None:
        abort(404)
    return template


def _list_page(report=None, status: int = 200):
    return render_template("web/checklists.html", templates=office_templates(me().office_id),
                           labels=TEMPLATE_STATUS_LABELS, report=report, form=CsrfForm(),
                           max_mb=MAX_BYTES // 1024 // 1024), status


@bp.get("/checklists")
@roles_required(*ROLES)
def checklists():
    """本单位的检查标准及其各版本 The office's standards and their versions."""
    return _list_page()


@bp.get("/checklists/template.xlsx")
@roles_required(*ROLES)
def checklist_template():
    """空白模板（含填写说明） The blank template with its instructions."""
    out = io.BytesIO()
    write_standard(out)
    out.seek(0)
    return send_file(out, mimetype=XLSX, as_attachment=True, download_name="检查标准模板.xlsx")


@bp.post("/checklists/import")
@roles_required(*ROLES)
def checklist_import():
    """导入 .xlsx 为草稿：整份校验，任何一行有错则一行也不写入 Import a workbook as a draft."""
    try:
        valid = CsrfForm().validate_on_submit()
        upload = request.files.get("file")
    except RequestEntityTooLarge:
        flash(f"文件超过{MAX_BYTES // 1024 // 1024}MB (file too large)", "error")
        return _list_page(status=413)
    if not valid:
        flash(_EXPIRED, "error")
        return _list_page(status=400)
    if upload is None or not upload.filename:
        flash("请选择要导入的 .xlsx 文件 (choose an .xlsx file)", "error")
        return _list_page(status=400)
    name = (request.form.get("name") or "").strip() or None
    try:
        report = import_standard(upload.stream.read(MAX_BYTES + 1), _office_of_me(), me(), name=name,
                                 filename=upload.filename)
    except StandardFileError as exc:
        db.session.rollback()
        flash(f"{upload.filename}：{exc}", "error")
        return _list_page(status=400)
    if not report.ok:
        db.session.rollback()
        return _list_page(report, status=400)
    db.session.commit()
    flash(report.summary(), "ok")
    return redirect(url_for("web.checklist", template_id=report.template.id))


def _office_of_me() -> Office:
    return db.session.get(Office, me().office_id)


@bp.get("/checklists/<template_id>")
@roles_required(*ROLES)
def checklist(template_id: str):
    """一个版本的分项和检查项；草稿可修改 A version's sections and items; a draft is editable."""
    template = _own_template(template_id)
    return render_template("web/checklist.html", template=template, labels=TEMPLATE_STATUS_LABELS,
                           severities=SEVERITY_LABELS, columns=COLUMNS, form=CsrfForm(),
                           draft=template.status == TemplateStatus.DRAFT,
                           points=sum(item.points for item in template.items))


@bp.get("/checklists/<template_id>/export.xlsx")
@roles_required(*ROLES)
def checklist_export(template_id: str):
    """导出为 .xlsx（可修改后再导入为新版本） Export to Excel."""
    template = _own_template(template_id)
    out = io.BytesIO()
    write_standard(out, template)
    out.seek(0)
    return send_file(out, mimetype=XLSX, as_attachment=True,
                     download_name=f"{template.name}-第{template.version}版.xlsx")


@bp.post("/checklists/<template_id>/items/<item_id>")
@roles_required(*ROLES)
def checklist_item_edit(template_id: str, item_id: str):
    """修改草稿中的一个检查项（与导入同样的校验） Edit a draft's item."""
    template = _own_template(template_id)
    item = get_or_404(ChecklistItem, item_id)
    if item.section.template_id != template.id:
        abort(404)
    if not CsrfForm().validate_on_submit():
        abort(400, "CSRF token missing or invalid")
    fields = {column.key: request.form.get(column.key, "") for column in COLUMNS if column.key != "section"}
    try:
        update_draft_item(item, fields, me())
        db.session.commit()
        flash(f"已保存检查项 {item.code} (saved)", "ok")
    except (ItemNotValidError, TemplateFrozenError) as exc:
        db.session.rollback()
        flash(f"未保存 (not saved)：{exc}", "error")
    return redirect(url_for("web.checklist", template_id=template.id, _anchor=f"i-{item_id}"))


@bp.post("/checklists/<template_id>/publish")
@roles_required(*ROLES)
def checklist_publish(template_id: str):
    """发布：此后不能修改，平板下次同步时收到 Publish: frozen, and sent to tablets."""
    template = _own_template(template_id)
    if not CsrfForm().validate_on_submit():
        abort(400, "CSRF token missing or invalid")
    if request.form.get("confirm") != "yes":
        flash("请勾选确认后再发布 (tick the confirmation to publish)", "error")
        return redirect(url_for("web.checklist", template_id=template.id))
    try:
        publish_template(template, me())
        db.session.commit()
        flash(f"已发布第{template.version}版，平板下次同步时收到 (published)", "ok")
    except ValueError as exc:  # TemplateFrozenError, or nothing to publish
        db.session.rollback()
        flash(str(exc), "error")
    return redirect(url_for("web.checklist", template_id=template.id))


@bp.post("/checklists/<template_id>/copy")
@roles_required(*ROLES)
def checklist_copy(template_id: str):
    """复制为新版本草稿 A new draft version from this one."""
    template = _own_template(template_id)
    if not CsrfForm().validate_on_submit():
        abort(400, "CSRF token missing or invalid")
    waiting = family_draft(template)
    if waiting is not None:
        flash(f"已有第{waiting.version}版草稿，请在草稿上修改 (a draft is already open)", "error")
        return redirect(url_for("web.checklist", template_id=waiting.id))
    copy = copy_template_as_new_version(template, me())
    db.session.commit()
    flash(f"已复制为第{copy.version}版草稿 (new draft)", "ok")
    return redirect(url_for("web.checklist", template_id=copy.id))
