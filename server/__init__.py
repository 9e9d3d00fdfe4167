"""Xuncha server: the Flask application factory."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from server.config import (
    check_production_safety,
    default_config,
    resolve_derived_settings,
    settings_from_env,
)
from server.extensions import db, migrate


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Wire configuration, extensions and blueprints; nothing else happens here."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("XUNCHA_INSTANCE") or None,
        instance_relative_config=True,
    )
    app.config.from_mapping(default_config(app.instance_path))
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.update(settings_from_env(os.environ))
    else:
        app.config.update(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    resolve_derived_settings(app.config, app.instance_path)
    check_production_safety(app.config)
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    from server.domain.json_text import json_text

    app.config["SQLALCHEMY_ENGINE_OPTIONS"].setdefault("json_serializer", json_text)
    if app.config["PROXY_HOPS"] > 0:
        # Only then is X-Forwarded-For believed, and only as many hops as there are proxies:
        # a client cannot pick its own address for the rate limits.
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    from server import domain  # noqa: F401  (registers every model on the metadata)

    db.init_app(app)
    migrate.init_app(app, db, directory=_migrations_dir(), render_as_batch=True)

    from server.domain.database import install_engine_hooks

    with app.app_context():
        install_engine_hooks(db.engine, app.config["SQLITE_SYNCHRONOUS"])

    from server.api import bp as api_bp
    from server.cli import register_commands
    from server.ratelimit import init_rate_limits
    from server.security_headers import install_security_headers

    init_rate_limits(app)
    install_security_headers(app)
    from server.cookie_session import CookieSessionInterface

    app.session_interface = CookieSessionInterface()

    app.register_blueprint(api_bp)
    from server.access_log import install_access_log

    install_access_log(app)
    from server.web import init_web

    init_web(app)
    register_commands(app)
    return app


def _migrations_dir() -> str:
    return os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations")
