"""Liveness: the tablet's first call when it looks for a network."""

from flask import jsonify

from server.api import bp
from server.domain.database import current_change_number
from server.extensions import db


@bp.get("/health")
def health():
    """Report that the server and its database answer, and the newest change number."""
    return jsonify(status="ok", change_seq=current_change_number(db.session))
