"""Photos on the pages: served only to a user who may see the record they belong to."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, request, send_file
from flask_login import login_required

from server.domain.models import Finding, Notice, Photo, PhotoLink, Role, User
from server.extensions import db
from server.web import bp
from server.web.helpers import me


def company_may_see(user: User, sha256: str) -> bool:
    """A company sees the photos of findings listed on its own notices (before and after)."""
    linked = (sa.select(PhotoLink.id)
              .join(Finding, Finding.id == PhotoLink.finding_id)
              .join(Notice, Notice.id == Finding.notice_id)
              .where(PhotoLink.photo_sha256 == sha256, PhotoLink.deleted_at.is_(None),
                     Notice.company_id == user.company_id, Notice.office_id == user.office_id))
    return bool(db.session.scalar(sa.select(sa.exists(linked))))


@bp.get("/photos/<sha256>")
@login_required
def photo(sha256: str):
    """照片 One photo (?size=thumb for the small one)."""
    from server.domain.photos import is_sha256, photo_visible_to
    from server.storage import Variant, get_photo_store

    if not is_sha256(sha256):
        abort(404)
    user = me()
    row = db.session.get(Photo, sha256)
    if row is None or not row.stored:
        abort(404)
    allowed = photo_visible_to(user, sha256) or (user.role == Role.COMPANY and company_may_see(user, sha256))
    if not allowed:
        abort(404)
    variant = Variant.THUMB if request.args.get("size") == "thumb" else Variant.ORIGINAL
    store = get_photo_store(current_app)
    try:
        handle = store.open(sha256, variant)
    except FileNotFoundError:
        abort(404)
    mimetype = "image/jpeg" if variant == Variant.THUMB else row.content_type
    response = send_file(handle, mimetype=mimetype, max_age=86400)
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
