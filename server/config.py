"""Configuration: safe demo defaults, then an instance config file, then XUNCHA_* environment."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

# Once the embedded default; public, so refused in production wherever it is set.
DEMO_SECRET_KEY = "xuncha-demo-secret-key-do-not-use-in-production"
MIN_SECRET_KEY_BYTES = 32
SECRET_KEY_FILE = "secret_key"
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
    "RATELIMIT_STORAGE_URL": str,
    "PASSWORD_RATE_LIMIT_PER_ACCOUNT": str,
    "PASSWORD_RATE_LIMIT_PER_ADDRESS": str,
    "DEVICE_RATE_LIMIT": str,
    "PROXY_HOPS": int,
}


class ConfigError(RuntimeError):
    """The configuration is unsafe or incomplete; the message says what to change."""


def default_config(instance_path: str) -> dict[str, Any]:
    """The embedded default: a SQLite file and a photo folder inside the instance folder."""
    instance = Path(instance_path)
    return {
        "ENV": "demo",
        # None: the instance's own random key, made on first start (instance_secret_key).
        "SECRET_KEY": None,
        "DATABASE_URL": f"sqlite:///{instance / 'xuncha.sqlite3'}",
        # Every commit on disk before the answer (server.domain.database.install_engine_hooks).
        "SQLITE_SYNCHRONOUS": "FULL",
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
        # Rate limits (server/ratelimit.py, docs/security.md), as Flask-Limiter strings. Counted
        # in RATELIMIT_STORAGE_URL (a Redis URL shares one count among all server processes),
        # else in each process's memory.
        "RATELIMIT_STORAGE_URL": "",
        "RATELIMIT_KEY_PREFIX": "xuncha",
        # Every password check, the dashboard's login and a tablet's pairing alike: per account
        # too few to guess, per address enough for a busy office behind one NAT.
        "PASSWORD_RATE_LIMIT_PER_ACCOUNT": "10 per minute;50 per hour",
        "PASSWORD_RATE_LIMIT_PER_ADDRESS": "30 per minute;300 per hour",
        # Per device. A sync of a day's work is a handful of requests plus about three per photo
        # (status query and chunks): 1,000 photos must not be throttled, a tablet stuck in a
        # loop must be.
        "DEVICE_RATE_LIMIT": "3000 per minute",
        # How many reverse proxies in front of the server add to X-Forwarded-For; 0 ignores it.
        "PROXY_HOPS": 0,
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


def instance_secret_key(instance_path: str) -> str:
    """The instance's own random secret key, kept in <instance>/secret_key (mode 0600).

    Made on the first start, read on every later one; two processes starting at once agree,
    because only one can create the file. Several hosts must share the file or set
    XUNCHA_SECRET_KEY, or each would refuse the others' session cookies.
    """
    path = Path(instance_path) / SECRET_KEY_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text(encoding="ascii", errors="replace").strip()
        if len(key) < MIN_SECRET_KEY_BYTES:
            raise ConfigError(
                f"{path} 内容不完整，请删除该文件后重新启动 (the instance secret key file is damaged:"
                " delete it and start again)") from None
        return key
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(secrets.token_hex(32) + "\n")
    return path.read_text(encoding="ascii").strip()


def resolve_derived_settings(config: dict[str, Any], instance_path: str) -> None:
    """Settings whose default depends on others, decided once everything is loaded."""
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = instance_secret_key(instance_path)
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
    key = config.get("SECRET_KEY") or ""
    if key == DEMO_SECRET_KEY:
        raise ConfigError(
            "生产模式不能使用公开的演示密钥：删除该设置（将自动生成本实例的随机密钥）"
            "或设置自己的 XUNCHA_SECRET_KEY (production mode refuses the public demo key)"
        )
    if len(key.encode() if isinstance(key, str) else key) < MIN_SECRET_KEY_BYTES:
        raise ConfigError(
            f"生产模式的 XUNCHA_SECRET_KEY 至少要 {MIN_SECRET_KEY_BYTES} 个字节，例如"
            " python3 -c 'import secrets; print(secrets.token_hex(32))' 生成的随机串"
            f" (production needs a secret key of at least {MIN_SECRET_KEY_BYTES} bytes)"
        )
    names = sorted(demo_accounts)
    if names:
        shown = ", ".join(names[:5]) + (f" … (+{len(names) - 5})" if len(names) > 5 else "")
        raise ConfigError(
            f"生产模式下仍有 {len(names)} 个启用的账号使用公开的演示密码，请先修改密码或停用: {shown}"
            f" (production mode refuses to start while active accounts use the public demo password)"
        )
