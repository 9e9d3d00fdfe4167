"""What every view shares: the clock, role guards, loaders that 404/403, form helpers."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from datetime import datetime

from flask import abort, current_app, flash
from flask_login import UserMixin, current_user, login_required
from flask_wtf import FlaskForm

from server.domain.accounts import session_id
from server.domain.finding_workflow import TransitionRefused
from server.domain.models import Role, User
from server.domain.models.base import utcnow
from server.extensions import db


class CsrfForm(FlaskForm):
    """A form that carries only the CSRF token; the fields are read by the view."""


def now() -> datetime:
    """The server's clock; tests put their own in config["CLOCK"]."""
    return current_app.config.get("CLOCK", utcnow)()


class SessionUser(UserMixin):
    """The logged-in account as Flask-Login sees it; templates read the User's fields through
    it, services get the User itself from me()."""

    def __init__(self, user: User) -> None:
        self.user = user

    def get_id(self) -> str:
        # The session token rides along, so that ending sessions (accounts.end_sessions)
        # makes every cookie issued before it worthless.
        return session_id(self.user)

    @property
    def is_active(self) -> bool:
        return bool(self.user.active)

    def __getattr__(self, name: str):
        return getattr(self.user, name)


def me() -> User:
    return current_user._get_current_object().user  # type: ignore[attr-defined]


def roles_required(*roles: Role) -> Callable:
    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def get_or_404(model, raw_id: str):
    try:
        key = uuid.UUID(str(raw_id))
    except ValueError:
        abort(404)
    row = db.session.get(model, key)
    if row is None:
        abort(404)
    return row


def refuse(exc: ValueError) -> None:
    """Show a refusal to the user; nothing of the failed request is kept."""
    db.session.rollback()
    # A refusal speaks for itself; any other ValueError here is a malformed date in the form.
    flash(str(exc) if isinstance(exc, TransitionRefused) else "日期格式错误 (malformed date)", "error")
