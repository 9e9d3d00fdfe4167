"""Server-rendered pages (Jinja, zh_CN first): login, the supervisor's estate and notice pages,
the reminder inbox and the company's mobile-friendly pages. Views are thin: they check the
input, call one service, commit, and render."""

from __future__ import annotations

from flask import Blueprint, Flask
from flask_login import LoginManager
from flask_wtf.csrf import generate_csrf

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/web")
login_manager = LoginManager()


def init_web(app: Flask) -> None:
    """Bind sessions and register the pages; called by the app factory."""
    login_manager.init_app(app)
    # Forms carry their token through FlaskForm; the layout's logout form uses this one.
    app.jinja_env.globals.setdefault("csrf_token", generate_csrf)
    login_manager.login_view = "web.login"
    login_manager.login_message = "请先登录 (please log in)"
    login_manager.session_protection = "strong"
    app.register_blueprint(bp)


from server.web import (  # noqa: E402,F401
    account,
    assessment,
    auth,
    bulletins,
    checklists,
    company,
    complaints,
    devices,
    errors,
    exports,
    inbox,
    inspections,
    ledger,
    lists,
    overview,
    pages,
    photos,
    plans,
    problems,
    public,
    public_plans,
    rectification_admin,
    register,
    revisit_marks,
    users_admin,
)
