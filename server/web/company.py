"""The company's pages: its own notices only, and a mobile-friendly form to report a fix."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import FileStorage

from server.domain.finding_workflow import TRANSITIONS, TransitionRefused
from server.domain.models import Company, Finding, Notice, Role
from server.domain.rectification import attach_after_photos, report_rectification
from server.domain.rectification.access import can_see_notice
from server.domain.registry.units import UNIT_KIND_LABELS
from server.extensions import db
from server.web import bp
from server.web.helpers import CsrfForm, get_or_404, me, now, refuse, roles_required
from server.web.pages import photo_map

MAX_PHOTOS = 9


@bp.get("/company/notices")
@roles_required(Role.COMPANY)
def company_notices():
    """本单位的整改通知书 My unit's notices (a company's, a street office's ...), newest first."""
    rows = db.session.scalars(sa.select(Notice).where(Notice.company_id == me().company_id,
                                                      Notice.office_id == me().office_id)
                              .order_by(Notice.issued_at.desc()).limit(200)).all()
    counts = dict(db.session.execute(
        sa.select(Finding.notice_id, sa.func.count()).where(
            Finding.notice_id.in_([n.id for n in rows]),
            Finding.status.in_(TRANSITIONS["report_rectified"].sources))
        .group_by(Finding.notice_id)).all()) if rows else {}
    unit = db.session.get(Company, me().company_id)
    return render_template("web/company_notices.html", notices=rows, todo=counts, unit=unit,
                           unit_kind=UNIT_KIND_LABELS[unit.kind])


def _reportable_finding(finding_id: str) -> Finding:
    finding = get_or_404(Finding, finding_id)
    notice = db.session.get(Notice, finding.notice_id) if finding.notice_id else None
    if notice is None or not can_see_notice(me(), notice):
        abort(404)
    return finding


@bp.route("/company/findings/<finding_id>/report", methods=["GET", "POST"])
@roles_required(Role.COMPANY)
def report_fix(finding_id: str):
    """报告已整改 Report one finding fixed, with "after" photos and a note."""
    finding = _reportable_finding(finding_id)
    form = CsrfForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400, "CSRF token missing or invalid")
        note = request.form.get("note", "").strip()[:2000]
        files = [f for f in request.files.getlist("photos") if f and f.filename]
        try:
            if not note:
                raise TransitionRefused("invalid_input", "请填写整改说明 (please describe the fix)")
            if not files:
                raise TransitionRefused("invalid_input", "请上传至少一张整改后照片 (add at least one photo)")
            if len(files) > MAX_PHOTOS:
                raise TransitionRefused("invalid_input", f"最多上传 {MAX_PHOTOS} 张照片")
            shas = [store_photo(f) for f in files]
            rectification = report_rectification(finding, me(), now=now(), note=note)
            attach_after_photos(rectification, shas, me())
        except TransitionRefused as exc:
            refuse(exc)
            return redirect(url_for("web.report_fix", finding_id=finding.id))
        db.session.commit()
        flash("已提交整改反馈，等待回头看复查 (reported; an inspector will revisit)", "ok")
        return redirect(url_for("web.notice", notice_id=finding.notice_id))
    return render_template("web/report_fix.html", finding=finding, form=form, photos=photo_map([finding]),
                           can_report=finding.status in TRANSITIONS["report_rectified"].sources)


def store_photo(upload: FileStorage) -> str:
    """Check and keep one uploaded photo through the photo service; returns its SHA-256."""
    from server.domain.photos import PhotoLimits, PhotoRejected, add_photo
    from server.storage import get_photo_store

    limits = PhotoLimits.from_config(current_app.config)
    data = upload.read(limits.max_bytes + 1)
    try:
        photo = add_photo(get_photo_store(current_app), data, limits, me())
    except PhotoRejected as exc:
        raise TransitionRefused("photo_rejected", f"{upload.filename}: {exc}") from None
    return photo.sha256
