"""提醒 The in-app reminder inbox, for every role."""

from __future__ import annotations

import uuid

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from server.domain.models import Finding
from server.domain.rectification import mark_reminders_read
from server.domain.rectification.reminders import KIND_LABELS, inbox_query, unread_count
from server.extensions import db
from server.web import bp
from server.web.helpers import CsrfForm, me, now


@bp.app_context_processor
def _unread():
    if current_user.is_authenticated:
        return {"unread_reminders": unread_count(me())}
    return {"unread_reminders": 0}


@bp.get("/inbox")
@login_required
def inbox():
    """我的提醒 My reminders, newest first."""
    rows = db.session.scalars(inbox_query(me()).limit(200)).all()
    findings = {f.id: f for f in db.session.query(Finding).filter(
        Finding.id.in_({r.finding_id for r in rows})).all()} if rows else {}
    return render_template("web/inbox.html", reminders=rows, findings=findings, kinds=KIND_LABELS,
                           form=CsrfForm())


@bp.post("/inbox/read")
@login_required
def inbox_read():
    """标为已读 Mark reminders read (all shown, or the ones ticked)."""
    if not CsrfForm().validate_on_submit():
        abort(400, "CSRF token missing or invalid")
    try:
        ids = [uuid.UUID(v) for v in request.form.getlist("reminder_id")]
    except ValueError:
        abort(400)
    if not ids:
        ids = [r.id for r in db.session.scalars(inbox_query(me()).limit(200))]
    mark_reminders_read(me(), ids, now())
    db.session.commit()
    return redirect(url_for("web.inbox"))
