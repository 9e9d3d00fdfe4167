"""修改密码: everyone changes their own; a new or reset account must, before anything else."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user

from server.domain.registry import AccountRefused, change_own_password
from server.domain.registry.passwords import RULES_TEXT
from server.extensions import db
from server.web import bp
from server.web.auth import home_for
from server.web.helpers import CsrfForm, SessionUser, me

# What an account that must change its password may still reach.
_ALLOWED_WHILE_TEMPORARY = frozenset({"web.change_password", "web.logout", "web.login", "web.static"})


@bp.before_app_request
def _temporary_password_first():
    """A temporary password opens only the change-password page (the API has its own tokens)."""
    # The blueprint first: an API request then never loads the session's user at all.
    if (request.blueprint == "web" and current_user.is_authenticated and current_user.must_change_password
            and request.endpoint not in _ALLOWED_WHILE_TEMPORARY):
        return redirect(url_for("web.change_password"))
    return None


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """修改密码 Change my password (the current one, then the new one twice)."""
    form = CsrfForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            return render_template("web/change_password.html", form=form, rules=RULES_TEXT,
                                   error="请重新提交表单 (please submit the form again)"), 400
        user = me()
        try:
            change_own_password(user, request.form.get("current", ""), request.form.get("new", ""),
                                request.form.get("repeat", ""))
        except AccountRefused as exc:
            db.session.rollback()
            return render_template("web/change_password.html", form=form, rules=RULES_TEXT,
                                   error=str(exc)), 422
        db.session.commit()
        # The change ended every session, this one too: open a fresh one for the person here.
        login_user(SessionUser(user))
        flash("密码已修改 (password changed)", "ok")
        return redirect(home_for(user))
    return render_template("web/change_password.html", form=form, rules=RULES_TEXT, error=None)
