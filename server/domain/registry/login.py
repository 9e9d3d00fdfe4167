"""Logging in with a password, and locking an account after repeated failures.

Lockout is per account (the login view's rate limit is per address): after
LOGIN_LOCKOUT_ATTEMPTS wrong passwords in a row the account is locked for
LOGIN_LOCKOUT_MINUTES, or until an admin unlocks it. A locked account is refused even with
the right password, so guessing on cannot succeed meanwhile."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from server.domain.accounts import password_matches, verify_password
from server.domain.audit import record_audit
from server.domain.models import User
from server.extensions import db

DEFAULT_ATTEMPTS = 5
DEFAULT_MINUTES = 30
WRONG = "用户名或密码错误 (wrong username or password)"


class LoginRefused(ValueError):
    """The login failed; the message is what the login page shows."""

    def __init__(self, message: str, locked: bool = False) -> None:
        super().__init__(message)
        self.locked = locked


def lockout_policy() -> tuple[int, int]:
    config = current_app.config
    return (int(config.get("LOGIN_LOCKOUT_ATTEMPTS", DEFAULT_ATTEMPTS)),
            int(config.get("LOGIN_LOCKOUT_MINUTES", DEFAULT_MINUTES)))


def locked_message(user: User) -> str:
    attempts, _ = lockout_policy()
    until = (user.locked_until + timedelta(hours=8)).strftime("%H:%M")  # China time
    return (f"账号已锁定：连续{attempts}次密码错误。请于 {until} 后再试，或联系管理员解锁 "
            f"(account locked after {attempts} wrong passwords; try again after {until} or ask an admin)")


def attempt_login(username: str, password: str, *, now: datetime) -> User:
    """The active user whose password this is, or LoginRefused. Counts failures and locks."""
    user = db.session.scalar(sa.select(User).where(User.username == username.strip()))
    if user is None or not user.active:
        # The same words, and as slow (a dummy hash is checked), whether the user exists or not.
        password_matches(None, password)
        raise LoginRefused(WRONG)
    if user.locked_until is not None and user.locked_until > now:
        raise LoginRefused(locked_message(user), locked=True)
    if not verify_password(user, password):
        attempts, minutes = lockout_policy()
        # Counted in SQL, so two wrong guesses at the same moment both count.
        failures = db.session.execute(
            sa.update(User).where(User.id == user.id).values(failed_logins=User.failed_logins + 1)
            .returning(User.failed_logins)).scalar_one()
        if failures >= attempts:
            user.locked_until, user.failed_logins = now + timedelta(minutes=minutes), 0
            record_audit(None, "lock_account", user, {"after_failures": failures, "until": user.locked_until})
            db.session.flush()
            raise LoginRefused(locked_message(user), locked=True)
        db.session.flush()
        # No count of tries left: it would tell a stranger which usernames exist.
        raise LoginRefused(WRONG)
    user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
    db.session.flush()
    return user


def unlock_user(user: User, actor: User | None) -> User:
    """An admin lifts a lockout before it ends by itself."""
    was = user.locked_until
    user.failed_logins, user.locked_until = 0, None
    record_audit(actor, "unlock_account", user, {"locked_until": was})
    db.session.flush()
    return user
