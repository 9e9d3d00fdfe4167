"""The JSON API (sync, devices, photos, catalogue). Errors are JSON with a stable code."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from server.api import devices, errors, health, inbox, openapi, photos, sync  # noqa: E402,F401
