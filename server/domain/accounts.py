"""Users and passwords."""

from __future__ import annotations

from flask import current_app, has_app_context
from werkzeug.security import check_password_hash, generate_password_hash

from server.config import DEMO_PASSWORD
from server.domain.models import User


def hash_password(password: str) -> str:
    method = current_app.config["PASSWORD_HASH_METHOD"] if has_app_context() else "scrypt"
    return generate_password_hash(password, method=method)


def set_password(user: User, password: str, password_hash: str | None = None) -> None:
    """Set a user's password; `password_hash` lets bulk creation reuse one slow hash."""
    user.password_hash = password_hash or hash_password(password)
    user.password_is_demo = password == DEMO_PASSWORD


def verify_password(user: User, password: str) -> bool:
    return bool(user.password_hash) and check_password_hash(user.password_hash, password)
