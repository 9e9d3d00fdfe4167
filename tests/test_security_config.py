"""Secret key and production checks: each instance makes its own random key, a cookie signed
with the once-public demo key opens nothing, production refuses short keys, and `xuncha run`
checks what `xuncha serve` checks."""

from __future__ import annotations

import stat

import pytest
from flask import Flask

from server import create_app
from server.config import DEMO_PASSWORD, DEMO_SECRET_KEY, ENV_SETTINGS, SECRET_KEY_FILE, ConfigError
from server.domain.accounts import session_id
from server.domain.models import Role
from server.extensions import db
from tests import factories as make
from tests.test_config import run_xuncha

LONG_KEY = "k" * 40


@pytest.fixture
def no_env(monkeypatch, tmp_path):
    for name in ENV_SETTINGS:
        monkeypatch.delenv(f"XUNCHA_{name}", raising=False)
    monkeypatch.setenv("XUNCHA_INSTANCE", str(tmp_path / "instance"))
    return tmp_path / "instance"


def app_without_a_key(app) -> Flask:
    """The test database, with no SECRET_KEY configured: the instance's own key is used."""
    return create_app({"TESTING": True, "DATABASE_URL": app.config["DATABASE_URL"],
                       "PHOTO_DIR": app.config["PHOTO_DIR"],
                       "PASSWORD_HASH_METHOD": app.config["PASSWORD_HASH_METHOD"]})


def test_each_instance_makes_its_own_random_key_once_and_keeps_it_private(app, no_env, tmp_path, monkeypatch):
    first = app_without_a_key(app)
    again = app_without_a_key(app)
    path = no_env / SECRET_KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert first.config["SECRET_KEY"] == again.config["SECRET_KEY"] == path.read_text().strip()
    assert len(first.config["SECRET_KEY"]) >= 64 and first.config["SECRET_KEY"] != DEMO_SECRET_KEY
    monkeypatch.setenv("XUNCHA_INSTANCE", str(tmp_path / "another"))
    other = app_without_a_key(app)
    assert other.config["SECRET_KEY"] != first.config["SECRET_KEY"]
    for one in (first, again, other):
        with one.app_context():
            db.engine.dispose()


def test_a_cookie_signed_with_the_demo_key_opens_nothing(app, no_env):
    with app.app_context():
        admin = make.user(make.office(), Role.ADMIN)
        db.session.commit()
        forged_id = session_id(admin)  # even knowing the session token, which a forger would not
    forger = Flask("forger")
    forger.config["SECRET_KEY"] = DEMO_SECRET_KEY
    forged = forger.session_interface.get_signing_serializer(forger).dumps(
        {"_user_id": forged_id, "_fresh": True})
    server = app_without_a_key(app)
    client = server.test_client()
    client.set_cookie("session", forged)
    reply = client.get("/ledger")
    assert reply.status_code == 302 and "/login" in reply.headers["Location"]
    with server.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("key", ["short", "x" * 31, DEMO_SECRET_KEY])
def test_production_refuses_a_short_or_public_key(no_env, monkeypatch, key):
    monkeypatch.setenv("XUNCHA_ENV", "production")
    monkeypatch.setenv("XUNCHA_SECRET_KEY", key)
    with pytest.raises(ConfigError, match="XUNCHA_SECRET_KEY|32"):
        create_app()


def test_production_without_a_key_uses_the_instance_key(no_env, monkeypatch):
    monkeypatch.setenv("XUNCHA_ENV", "production")
    production = create_app()
    assert len(production.config["SECRET_KEY"]) >= 32 and production.config["SESSION_COOKIE_SECURE"] is True
    with production.app_context():
        db.engine.dispose()


def test_xuncha_run_refuses_production_with_demo_passwords_like_serve(tmp_path):
    instance = tmp_path / "instance"
    env = {"XUNCHA_ENV": "production", "XUNCHA_SECRET_KEY": LONG_KEY}
    behind = run_xuncha(instance, "run", "--port", "0", **env)
    assert behind.returncode != 0 and "xuncha db upgrade" in behind.stderr
    assert "Traceback" not in behind.stderr
    assert run_xuncha(instance, "db", "upgrade", **env).returncode == 0
    migrated = create_app({"DATABASE_URL": f"sqlite:///{instance / 'xuncha.sqlite3'}", "SECRET_KEY": LONG_KEY,
                           "PHOTO_DIR": str(instance / "photos")})
    with migrated.app_context():
        make.user(make.office(), Role.ADMIN, username="admin", password=DEMO_PASSWORD)
        db.session.commit()
        db.engine.dispose()
    for command in ("run", "serve"):
        refused = run_xuncha(instance, command, "--port", "0", **env)
        assert refused.returncode != 0, command
        assert "演示密码" in refused.stderr and "admin" in refused.stderr
        assert "Traceback" not in refused.stderr
