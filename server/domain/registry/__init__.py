"""The office's own register, kept up to date by its admins: accounts (create, edit, deactivate,
reset, lockout), its regions, estates, companies and responsible units.

Every function here only flushes; the caller commits. Refusals raise AccountRefused (a
ValueError) with a code and a Chinese-first message."""

from server.domain.registry.errors import AccountRefused
from server.domain.registry.login import LoginRefused, attempt_login, unlock_user
from server.domain.registry.passwords import check_password_rules, temporary_password
from server.domain.registry.users import (
    change_own_password,
    create_user,
    deactivate_user,
    reactivate_user,
    reset_password,
    update_user,
)

__all__ = [
    "AccountRefused",
    "LoginRefused",
    "attempt_login",
    "change_own_password",
    "check_password_rules",
    "create_user",
    "deactivate_user",
    "reactivate_user",
    "reset_password",
    "temporary_password",
    "unlock_user",
    "update_user",
]
