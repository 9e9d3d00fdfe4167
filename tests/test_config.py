"""Configuration: defaults, the instance file, XUNCHA_* variables, and what production refuses.

The last tests run the real `xuncha` command in a child process, the way an operator meets it:
a mistake there must read as one line, never as a traceback.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests

from server import create_app
from server.commands.serve import active_demo_accounts
from server.config import (
    DEMO_PASSWORD,
    DEMO_SECRET_KEY,
    ENV_SETTINGS,
    ConfigError,
    check_production_safety,
    settings_from_env,
)
from server.extensions import db
from tests import factories
from tests.conftest import TEST_HASH_METHOD

XUNCHA = Path(sys.executable).with_name("xuncha")


@pytest.fixture
def clean_env(monkeypatch, tmp_path) -> Path:
    """No XUNCHA_* setting from the caller's shell; the instance folder is a fresh temp dir."""
    for name in ENV_SETTINGS:
        monkeypatch.delenv(f"XUNCHA_{name}", raising=False)
    instance = tmp_path / "instance"
    monkeypatch.setenv("XUNCHA_INSTANCE", str(instance))
    return instance


def built():
    """Create the app as the command line does, and close its engine again."""
    app = create_app()
    with app.app_context():
        db.engine.dispose()
    return app


def test_env_settings_are_read_by_type():
    settings = settings_from_env({
        "XUNCHA_DATABASE_URL": "postgresql+psycopg://xuncha@db.internal:5432/xuncha",
        "XUNCHA_MAIL_PORT": "2525",
        "XUNCHA_MAIL_USE_TLS": "yes",
        "XUNCHA_INSTANCE": "/srv/xuncha",  # where the instance folder is, not a setting
        "HOME": "/root",
    })
    assert settings == {
        "DATABASE_URL": "postgresql+psycopg://xuncha@db.internal:5432/xuncha",
        "MAIL_PORT": 2525,
        "MAIL_USE_TLS": True,
    }


@pytest.mark.parametrize(("raw", "value"), [
    ("1", True), ("true", True), ("On", True), ("YES", True),
    ("0", False), ("false", False), ("off", False), ("no", False), ("", False),
])
def test_boolean_words(raw, value):
    assert settings_from_env({"XUNCHA_MAIL_USE_TLS": raw}) == {"MAIL_USE_TLS": value}


@pytest.mark.parametrize(("name", "raw", "words"), [
    ("XUNCHA_MAIL_PORT", "twenty-five", "必须是整数"),
    ("XUNCHA_MAIL_PORT", "25.0", "must be a whole number"),
    ("XUNCHA_MAIL_USE_TLS", "ture", "must be true or false"),
])
def test_a_value_that_cannot_be_read_names_the_variable(name, raw, words):
    with pytest.raises(ConfigError) as caught:
        settings_from_env({name: raw})
    message = str(caught.value)
    assert name in message and words in message and repr(raw) in message
    assert "\n" not in message


def test_defaults_keep_everything_in_the_instance_folder(clean_env):
    app = built()
    assert Path(app.instance_path) == clean_env
    assert app.config["DATABASE_URL"] == f"sqlite:///{clean_env / 'xuncha.sqlite3'}"
    assert app.config["PHOTO_DIR"] == str(clean_env / "photos")
    assert app.config["ENV"] == "demo"


def test_instance_config_file_is_read_and_environment_wins(clean_env, monkeypatch):
    clean_env.mkdir()
    (clean_env / "config.py").write_text(
        f'DATABASE_URL = "sqlite:///{clean_env}/from_file.sqlite3"\n'
        'MAIL_HOST = "smtp.file.example"\n'
        "MAIL_PORT = 465\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("XUNCHA_MAIL_HOST", "smtp.env.example")

    app = built()

    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{clean_env}/from_file.sqlite3"
    assert app.config["MAIL_PORT"] == 465
    assert app.config["MAIL_HOST"] == "smtp.env.example"


def test_production_refuses_the_demo_secret_key(clean_env, monkeypatch):
    # Without a key the instance makes its own (tests/test_security_config.py); the public one
    # is refused wherever it comes from.
    monkeypatch.setenv("XUNCHA_ENV", "production")
    monkeypatch.setenv("XUNCHA_SECRET_KEY", DEMO_SECRET_KEY)
    with pytest.raises(ConfigError, match="XUNCHA_SECRET_KEY"):
        create_app()


def test_production_with_its_own_key_may_run_on_sqlite(clean_env, monkeypatch):
    # The one-machine deployment of the design: a SQLite file, photos on local disk.
    monkeypatch.setenv("XUNCHA_ENV", "production")
    monkeypatch.setenv("XUNCHA_SECRET_KEY", "a-long-random-key-made-for-this-office")
    app = built()
    assert app.config["ENV"] == "production"
    assert app.config["DATABASE_URL"].startswith("sqlite:///")


def test_a_misspelt_environment_name_is_refused_not_treated_as_demo(clean_env, monkeypatch):
    monkeypatch.setenv("XUNCHA_ENV", "prod")
    with pytest.raises(ConfigError, match="production"):
        create_app()


def test_demo_mode_allows_demo_accounts():
    check_production_safety({"ENV": "demo", "SECRET_KEY": DEMO_SECRET_KEY}, ["admin", "inspector1"])


def test_serve_refuses_in_production_while_an_active_account_has_the_demo_password(app, make, runner):
    office = make.office()
    make.user(office, username="admin", password=DEMO_PASSWORD)
    make.user(office, username="someone")
    db.session.commit()
    app.config.update(ENV="production", SECRET_KEY="a-long-random-key-made-for-this-office")

    result = runner.invoke(args=["serve", "--port", "0"])

    assert isinstance(result.exception, ConfigError)
    assert "演示密码" in str(result.exception) and "admin" in str(result.exception)
    assert "someone" not in str(result.exception)


def test_only_active_accounts_with_the_demo_password_count(make):
    office = make.office()
    make.user(office, username="kept", password=DEMO_PASSWORD)
    make.user(office, username="retired", password=DEMO_PASSWORD, active=False)
    make.user(office, username="changed")
    db.session.commit()

    assert [u.username for u in active_demo_accounts()] == ["kept"]


# ---- the real command, in a child process -------------------------------------------------

def run_xuncha(instance: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(XUNCHA), *args], env=child_env(instance, **env), capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL)


def child_env(instance: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XUNCHA_")}
    env.update(XUNCHA_INSTANCE=str(instance), **extra)
    return env


def test_the_xuncha_command_is_installed_beside_this_python():
    assert XUNCHA.exists(), f"{XUNCHA} is missing: run `pip install -e .[dev]` in this venv"


@pytest.mark.parametrize(("args", "env", "words"), [
    (["--no-such-option"], {}, "--no-such-option"),
    (["no-such-command"], {}, "no-such-command"),
    (["serve", "--port", "99999"], {}, "99999"),
    (["--help"], {"XUNCHA_MAIL_PORT": "abc"}, "XUNCHA_MAIL_PORT"),
    (["db", "current"], {"XUNCHA_MAIL_USE_TLS": "maybe"}, "XUNCHA_MAIL_USE_TLS"),
    (["db", "current"], {"XUNCHA_ENV": "production", "XUNCHA_SECRET_KEY": "short"}, "XUNCHA_SECRET_KEY"),
    (["serve"], {}, "xuncha db upgrade"),  # the database has no tables yet
])
def test_an_operator_mistake_reads_as_one_line(tmp_path, args, env, words):
    done = run_xuncha(tmp_path / "instance", *args, **env)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误: ") and words in lines[0], done.stderr


def test_a_broken_instance_config_file_reads_as_one_line(tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text("MAIL_PORT = = 25\n", encoding="utf-8")
    done = run_xuncha(instance, "db", "current")
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert done.stderr.strip().startswith("错误: ") and len(done.stderr.strip().splitlines()) == 1


@pytest.fixture
def migrated_instance(tmp_path) -> Path:
    """An instance folder whose SQLite file is upgraded and holds one demo-password account."""
    instance = tmp_path / "instance"
    done = run_xuncha(instance, "db", "upgrade")
    assert done.returncode == 0, done.stderr
    app = create_app({"DATABASE_URL": f"sqlite:///{instance / 'xuncha.sqlite3'}",
                      "PHOTO_DIR": str(tmp_path / "photos"), "PASSWORD_HASH_METHOD": TEST_HASH_METHOD})
    with app.app_context():
        office = factories.office()
        factories.user(office, username="demo-admin", password=DEMO_PASSWORD)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return instance


def test_production_serve_with_a_demo_password_prints_one_line(migrated_instance):
    done = run_xuncha(migrated_instance, "serve", "--port", "0",
                      XUNCHA_ENV="production", XUNCHA_SECRET_KEY="a-long-random-key-made-for-this-office")
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert done.stderr.startswith("错误: 生产模式") and "demo-admin" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_serve_answers_http_prints_the_demo_logins_runs_the_scheduler_and_stops_on_sigterm(migrated_instance):
    with subprocess.Popen([str(XUNCHA), "serve", "--port", "0"], env=child_env(migrated_instance),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          stdin=subprocess.DEVNULL) as server:
        lines: queue.Queue[str] = queue.Queue()
        reader = threading.Thread(target=lambda: [lines.put(line) for line in server.stdout])
        reader.start()
        try:
            banner = read_until(lines, "demo-admin")
            url = next(word for line in banner for word in line.split() if word.startswith("http://"))
            assert any(DEMO_PASSWORD in line for line in banner)
            read_until(lines, "定时任务")  # the scheduler runs inside the one-machine server

            answer = requests.get(url + "api/v1/health", timeout=30)
            assert answer.status_code == 200 and answer.json()["status"] == "ok"
        finally:
            server.send_signal(signal.SIGTERM)
            err = server.stderr.read()
            server.wait(timeout=60)
            reader.join(timeout=60)
    assert server.returncode == 0, err
    assert "Traceback" not in err and "已停止" in err


def read_until(lines: queue.Queue[str], words: str) -> list[str]:
    """The child's stdout lines up to and including the first that holds `words`."""
    seen: list[str] = []
    while not seen or words not in seen[-1]:
        try:
            seen.append(lines.get(timeout=60))
        except queue.Empty:
            pytest.fail(f"xuncha serve printed no {words!r}; it printed: {seen}")
    return seen
