"""Login and logout with a session cookie; passwords are only ever compared to their hash."""

from __future__ import annotations

import hmac
import uuid
from urllib.parse import urlsplit

from flask import redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from server.domain.accounts import end_sessions
from server.domain.models import Role, User
from server.domain.registry.login import LoginRefused, attempt_login
from server.extensions import db
from server.ratelimit import allow_password_check
from server.web import bp, login_manager
from server.web.helpers import CsrfForm, SessionUser, me, now


class LoginForm(FlaskForm):
    username = StringField("用户名 Username", validators=[DataRequired(), Length(max=50)])
    password = PasswordField("密码 Password", validators=[DataRequired(), Length(max=200)])


@login_manager.user_loader
def load_user(user_id: str) -> SessionUser | None:
    raw_id, _, token = user_id.partition(":")
    try:
        user = db.session.get(User, uuid.UUID(raw_id))
    except ValueError:
        return None
    # A deactivated account, or one whose sessions were ended, loses them on the next request.
    if user is None or not user.active or not hmac.compare_digest(token, user.session_token or ""):
        return None
    return SessionUser(user)


def home_for(user: User) -> str:
    if user.role == Role.COMPANY:
        return url_for("web.company_notices")
    if user.role == Role.INSPECTOR:
        return url_for("web.revisits")
    return url_for("web.overview")


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site: never an open redirect to another host."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    """登录 Log in."""
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        if not allow_password_check(form.username.data):
            # Counted before the password is checked, so a right guess costs a slot too.
            error = "登录尝试过于频繁，请稍后再试 (too many attempts, try again later)"
            return render_template("web/login.html", form=form, error=error), 429
        try:
            user = attempt_login(form.username.data, form.password.data, now=now())
        except LoginRefused as exc:
            db.session.commit()  # the failure count and a lockout are kept
            error = str(exc)
        else:
            login_user(SessionUser(user))
            db.session.commit()
            if user.must_change_password:
                return redirect(url_for("web.change_password"))
            return redirect(_safe_next(request.args.get("next")) or home_for(user))
    elif request.method == "POST" and form.errors:
        error = "请重新提交表单 (please submit the form again)"
    return render_template("web/login.html", form=form, error=error), 401 if error else 200


@bp.post("/logout")
def logout():
    """退出 Log out (a POST with the CSRF token, so no other site can log a user out)."""
    form = CsrfForm()
    if form.validate_on_submit():
        if current_user.is_authenticated:
            # A copy of the cookie must not outlive the logout.
            end_sessions(me())
            db.session.commit()
        logout_user()
    return redirect(url_for("web.login"))


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("web.login"))
    return redirect(home_for(me()))
