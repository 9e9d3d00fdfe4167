"""Every error leaving /api is JSON: {"error": {"code": ..., "message": ...}}."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from werkzeug.exceptions import HTTPException

from server.api import bp


class ApiError(Exception):
    """An error meant for the client: an HTTP status, a stable code and a readable message."""

    def __init__(self, status: int, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


def error_response(status: int, code: str, message: str, **details: Any):
    body: dict[str, Any] = {"code": code, "message": message}
    if details:
        body["details"] = details
    return jsonify(error=body), status


@bp.app_errorhandler(ApiError)
def _api_error(exc: ApiError):
    return error_response(exc.status, exc.code, exc.message, **exc.details)


@bp.app_errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    if not request.path.startswith(bp.url_prefix or "/api"):
        return exc
    code = (exc.name or "error").lower().replace(" ", "_")
    return error_response(exc.code or 500, code, exc.description or exc.name)
