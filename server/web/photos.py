"""Photos on the pages: served only to a user who may see the record they belong to."""

from __future__ import annotations

from flask import abort, current_app, request, send_file
from flask_login import login_required

from server.domain.models import Photo, Role
from server.domain.rectification.access import company_may_see_photo
from server.extensions import db
from server.web import bp
from server.web.helpers import me


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
    company = user.role == Role.COMPANY
    allowed = photo_visible_to(user, sha256) or (company and company_may_see_photo(user, sha256))
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
