"""Reading the register pages' forms: the CSRF check and optional choices of a select."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from flask import abort

from server.domain.registry import AccountRefused
from server.extensions import db
from server.web.helpers import CsrfForm


def check_csrf() -> None:
    """A POST without the page's token changes nothing: 400."""
    if not CsrfForm().validate_on_submit():
        abort(400, "CSRF token missing or invalid")


def optional_uuid(raw: str | None) -> uuid.UUID | None:
    """The id chosen in a select, None for its empty option."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise AccountRefused("invalid_input", "所选项不存在 (no such choice)") from None


def save_or_refusal(action: Callable[[], object]) -> str | None:
    """Run one service and commit; a refusal is rolled back and returned as the words to show."""
    try:
        action()
    except AccountRefused as exc:
        db.session.rollback()
        return str(exc)
    db.session.commit()
    return None
