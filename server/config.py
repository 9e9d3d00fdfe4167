"""Configuration: safe demo defaults, then an instance config file, then XUNCHA_* environment."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

DEMO_SECRET_KEY = "xuncha-demo-secret-key-do-not-use-in-production"
DEMO_PASSWORD = "xuncha-demo"

# Settings an operator may give as XUNCHA_<NAME> environment variables, with their types.
ENV_SETTINGS: dict[str, type] = {
    "ENV": str,
    "SECRET_KEY": str,
    "DATABASE_URL": str,
    "PHOTO_DIR": str,
    "MAIL_HOST": str,
    "MAIL_PORT": int,
    "MAIL_USE_TLS": bool,
    "MAIL_USERNAME": str,
    "MAIL_PASSWORD": str,
    "MAIL_SENDER": str,
    "PASSWORD_HASH_METHOD": str,
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
        "MAIL_USERNAME": "",
        "MAIL_PASSWORD": "",
        "MAIL_SENDER": "xuncha@localhost",
        # werkzeug's scrypt: deliberately slow; tests may choose a cheaper pbkdf2 round count.
        "PASSWORD_HASH_METHOD": "scrypt",
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        "JSON_AS_ASCII": False,
        # Per device, per process: a sync uses a handful of requests, a photo upload a few per MB.
        "DEVICE_RATE_PER_MINUTE": 600,
        "DEVICE_RATE_BURST": 200,
    }


def parse_env_value(name: str, raw: str) -> Any:
    kind = ENV_SETTINGS[name]
    if kind is bool:
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if kind is int:
        try:
            return int(raw)
        except ValueError as exc:
            raise ConfigError(f"XUNCHA_{name} must be a whole number, got {raw!r}") from exc
    return raw


def settings_from_env(environ: os._Environ | dict[str, str]) -> dict[str, Any]:
    return {
        name: parse_env_value(name, environ[f"XUNCHA_{name}"])
        for name in ENV_SETTINGS
        if f"XUNCHA_{name}" in environ
    }


def check_production_safety(config: dict[str, Any]) -> None:
    """Refuse to run a production server with the publicly known demo secrets."""
    if config.get("ENV") != "production":
        return
    if config.get("SECRET_KEY") in (None, "", DEMO_SECRET_KEY):
        raise ConfigError("production mode needs its own XUNCHA_SECRET_KEY, not the demo key")
    if str(config.get("DATABASE_URL", "")).startswith("sqlite") and not config.get(
        "ALLOW_SQLITE_IN_PRODUCTION"
    ):
        # Not fatal by rule of the design (one machine may run on SQLite), but must be explicit.
        raise ConfigError(
            "production mode on SQLite must be chosen explicitly: set ALLOW_SQLITE_IN_PRODUCTION"
        )
