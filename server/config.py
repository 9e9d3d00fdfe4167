"""Configuration: safe demo defaults, then an instance config file, then XUNCHA_* environment."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

DEMO_SECRET_KEY = "xuncha-demo-secret-key-do-not-use-in-production"
DEMO_PASSWORD = "xuncha-demo"

# XUNCHA_ENV: "demo" (the default; demo secrets allowed) or "production" (they are refused).
ENVIRONMENTS = ("demo", "production")

# Settings an operator may give as XUNCHA_<NAME> environment variables, with their types.
ENV_SETTINGS: dict[str, type] = {
    "ENV": str,
    "SECRET_KEY": str,
    "DATABASE_URL": str,
    "PHOTO_DIR": str,
    "MAIL_HOST": str,
    "MAIL_PORT": int,
    "MAIL_USE_TLS": bool,
    "MAIL_USE_SSL": bool,
    "MAIL_USERNAME": str,
    "MAIL_PASSWORD": str,
    "MAIL_SENDER": str,
    "PASSWORD_HASH_METHOD": str,
    "WEBHOOK_URL": str,
    "WEBHOOK_SECRET": str,
    "SESSION_COOKIE_SECURE": bool,
}


class ConfigError(RuntimeError):
    """The configuration is unsafe or incomplete; the message says what to change."""


def default_config(instance_path: str) -> dict[str, Any]:
    """The embedded default: a SQLite file and a photo folder inside the instance folder."""
    instance = Path(instance_path)
    return {
        "ENV": "demo",
        "SECRET_KEY": DEMO_SECRET_KEY,
        "DATABASE_URL": f"sqlite:///{instance / 'xuncha.sqlite3'}",
        "PHOTO_DIR": str(instance / "photos"),
        "MAIL_HOST": "127.0.0.1",
        "MAIL_PORT": 25,
        "MAIL_USE_TLS": False,
        "MAIL_USE_SSL": False,
        "MAIL_USERNAME": "",
        "MAIL_PASSWORD": "",
        "MAIL_SENDER": "xuncha@localhost",
        # werkzeug's scrypt: deliberately slow; tests may choose a cheaper pbkdf2 round count.
        "PASSWORD_HASH_METHOD": "scrypt",
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        # Session cookies: no script may read them, no other site's form may send them. Secure
        # (HTTPS only) follows XUNCHA_ENV unless set (see resolve_derived_settings).
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": None,
        # A signed session cookie is accepted for a working day after it was written.
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        "JSON_AS_ASCII": False,
        # Per device, per process. A sync of a day's work is a handful of requests plus about
        # three per photo (status query and chunks): 1,000 photos must not be throttled, a
        # tablet stuck in a loop must be.
        "DEVICE_RATE_PER_MINUTE": 3000,
        "DEVICE_RATE_BURST": 1500,
        # Dashboard logins per address: enough for a busy office behind one NAT, too few to guess.
        "LOGIN_RATE_PER_MINUTE": 20,
        "LOGIN_RATE_BURST": 30,
        # Photos (docs/photos.md): "local" keeps them under PHOTO_DIR.
        "PHOTO_STORE": "local",
        "PHOTO_MAX_BYTES": 15 * 1024 * 1024,
        "PHOTO_MAX_PIXELS": 50_000_000,
        "PHOTO_MAX_CHUNK": 1024 * 1024,
    }


_TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
_FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})


def parse_env_value(name: str, raw: str) -> Any:
    """Turn one XUNCHA_<NAME> string into its setting; a value that can't be read is an error."""
    kind = ENV_SETTINGS[name]
    if kind is bool:
        word = raw.strip().lower()
        if word not in _TRUE_WORDS | _FALSE_WORDS:
            # A typo must not silently turn TLS (or anything else) off.
            raise ConfigError(
                f"XUNCHA_{name} 只能是 true 或 false (must be true or false), got {raw!r}"
            )
        return word in _TRUE_WORDS
    if kind is int:
        try:
            return int(raw)
        except ValueError as exc:
            raise ConfigError(
                f"XUNCHA_{name} 必须是整数 (must be a whole number), got {raw!r}"
            ) from exc
    return raw


def settings_from_env(environ: os._Environ | dict[str, str]) -> dict[str, Any]:
    return {
        name: parse_env_value(name, environ[f"XUNCHA_{name}"])
        for name in ENV_SETTINGS
        if f"XUNCHA_{name}" in environ
    }


def resolve_derived_settings(config: dict[str, Any]) -> None:
    """Settings whose default depends on others, decided once everything is loaded."""
    if config.get("SESSION_COOKIE_SECURE") is None:
        config["SESSION_COOKIE_SECURE"] = config.get("ENV") == "production"


def check_production_safety(config: Mapping[str, Any], demo_accounts: Iterable[str] = ()) -> None:
    """Refuse to run production with the publicly known demo secrets.

    The app factory calls this with the configuration alone; `xuncha serve` calls it again with
    the usernames of active accounts whose password is the demo one, which needs the database.
    SQLite is allowed in production on purpose: the one-machine deployment of the design runs
    on a SQLite file; PostgreSQL is the way past one machine, not a safety rule.
    """
    env = config.get("ENV")
    if env not in ENVIRONMENTS:
        # A typo such as "prod" must not quietly switch the production checks off.
        raise ConfigError(
            f"XUNCHA_ENV 只能是 {' 或 '.join(ENVIRONMENTS)} (must be one of {', '.join(ENVIRONMENTS)}),"
            f" got {env!r}"
        )
    if env != "production":
        return
    if config.get("SECRET_KEY") in (None, "", DEMO_SECRET_KEY):
        raise ConfigError(
            "生产模式必须设置自己的 XUNCHA_SECRET_KEY，不能用演示密钥"
            " (production mode needs its own XUNCHA_SECRET_KEY, not the demo key)"
        )
    names = sorted(demo_accounts)
    if names:
        shown = ", ".join(names[:5]) + (f" … (+{len(names) - 5})" if len(names) > 5 else "")
        raise ConfigError(
            f"生产模式下仍有 {len(names)} 个启用的账号使用公开的演示密码，请先修改密码或停用: {shown}"
            f" (production mode refuses to start while active accounts use the public demo password)"
        )
