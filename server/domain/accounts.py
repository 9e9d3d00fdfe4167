"""Users and passwords."""

from __future__ import annotations

import secrets

from flask import current_app, has_app_context
from werkzeug.security import check_password_hash, generate_password_hash

from server.config import DEMO_PASSWORD
from server.domain.models import User
from server.domain.models.organisation import new_session_token


def hash_password(password: str) -> str:
    method = current_app.config["PASSWORD_HASH_METHOD"] if has_app_context() else "scrypt"
    return generate_password_hash(password, method=method)


def set_password(user: User, password: str, password_hash: str | None = None) -> None:
    """Set a user's password: the one function every password change goes through.

    It also ends every open dashboard session of the user (a stolen cookie stops working the
    moment the owner changes the password); the tablets' device tokens are separate and keep
    working until revoked. `password_hash` lets bulk creation reuse one slow hash. The caller
    owns the transaction (flush or commit), as with every service.
    """
    user.password_hash = password_hash or hash_password(password)
    user.password_is_demo = password == DEMO_PASSWORD
    end_sessions(user)


def end_sessions(user: User) -> None:
    """End every open dashboard session of the user (logout, password change, deactivation)."""
    user.session_token = new_session_token()


def session_id(user: User) -> str:
    """What the session cookie holds for the user: the id plus the current session token."""
    return f"{user.id}:{user.session_token}"


def verify_password(user: User, password: str) -> bool:
    return bool(user.password_hash) and check_password_hash(user.password_hash, password)


def password_matches(user: User | None, password: str) -> bool:
    """Check a password as `verify_password`, but for no user (or one without a hash) check it
    against a dummy hash of the same method: an unknown username then takes as long to refuse
    as a known one, so timing does not tell which usernames exist."""
    if user is not None and user.password_hash:
        return verify_password(user, password)
    check_password_hash(dummy_hash(), password)
    return False


_dummy_hashes: dict[str, str] = {}


def dummy_hash() -> str:
    """A hash of a random password with the configured method, made once per method."""
    method = current_app.config["PASSWORD_HASH_METHOD"] if has_app_context() else "scrypt"
    if method not in _dummy_hashes:
        _dummy_hashes[method] = generate_password_hash(secrets.token_hex(16), method=method)
    return _dummy_hashes[method]
