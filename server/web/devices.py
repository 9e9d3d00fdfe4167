"""平板管理 Tablets: pairing codes, the list of paired tablets, revoking a lost one, and the
sync conflicts a supervisor should look at."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for

from server.domain.devices import (
    can_manage_devices_of,
    create_pairing_code,
    device_owners,
    devices_visible_to,
    managed_users,
    revoke_device,
)
from server.domain.models import FIELD_ROLES, OFFICE_ROLES, Device, SyncConflict, User
from server.extensions import db
from server.web import bp
from server.web.helpers import CsrfForm, get_or_404, me, roles_required

_FIELD = tuple(FIELD_ROLES)


@bp.get("/devices")
@roles_required(*_FIELD)
def devices():
    """平板 Paired tablets, and a form to pair a new one with a one-time code."""
    rows = db.session.execute(devices_visible_to(me()).limit(500)).all()
    owners = db.session.scalars(device_owners(me())).all()
    return render_template("web/devices.html", rows=rows, owners=owners, form=CsrfForm())


@bp.post("/devices/pairing-code")
@roles_required(*_FIELD)
def make_pairing_code():
    """生成配对码 Show a one-time code that pairs a tablet to the chosen account."""
    if not CsrfForm().validate_on_submit():
        abort(400, "CSRF token missing or invalid")
    owner = get_or_404(User, request.form.get("user_id", ""))
    if not can_manage_devices_of(me(), owner):
        abort(403)
    code = create_pairing_code(owner, actor=me())
    db.session.commit()
    flash(f"{owner.display_name} 的配对码：{code}（15分钟内有效，只显示一次） "
          f"Pairing code for {owner.username}: {code} (valid 15 minutes, shown once)", "code")
    return redirect(url_for("web.devices"))


@bp.post("/devices/<device_id>/revoke")
@roles_required(*_FIELD)
def revoke(device_id: str):
    """注销 Revoke a lost tablet; its next sync is told to wipe its data."""
    if not CsrfForm().validate_on_submit():
        abort(400, "CSRF token missing or invalid")
    tablet = get_or_404(Device, device_id)
    owner = db.session.get(User, tablet.user_id)
    if not can_manage_devices_of(me(), owner):
        abort(404)
    revoke_device(tablet, actor=me())
    db.session.commit()
    flash(f"已注销平板「{tablet.name}」(tablet revoked)", "info")
    return redirect(url_for("web.devices"))


@bp.get("/sync-conflicts")
@roles_required(*OFFICE_ROLES)
def sync_conflicts():
    """同步冲突 Edits that lost a merge during sync, newest first: those pushed by the tablets
    the viewer manages."""
    rows = db.session.execute(
        sa.select(SyncConflict, User).outerjoin(User, SyncConflict.user_id == User.id)
        .where(SyncConflict.office_id == me().office_id, managed_users(me()))
        .order_by(SyncConflict.at.desc()).limit(200)).all()
    return render_template("web/sync_conflicts.html", rows=rows)
