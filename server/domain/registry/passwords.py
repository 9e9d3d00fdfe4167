"""Password rules a Chinese office's security review accepts (等级保护 practice): at least 8
characters and at least three of the four kinds — capital letters, small letters, digits,
other characters; never the username or the public demo password."""

from __future__ import annotations

import secrets
import string

from server.config import DEMO_PASSWORD
from server.domain.registry.errors import AccountRefused

MIN_LENGTH = 8
MAX_LENGTH = 64
KINDS_NEEDED = 3
RULES_TEXT = (f"密码至少{MIN_LENGTH}位，须包含大写字母、小写字母、数字、特殊字符中的至少三种，"
              f"且不能包含用户名 (at least {MIN_LENGTH} characters with three of: capitals, "
              "small letters, digits, symbols; not the username)")
# No 0/O, 1/l/I: a temporary password is read out over the phone.
_CLEAR_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_CLEAR_SMALL = "abcdefghijkmnpqrstuvwxyz"
_CLEAR_DIGITS = "23456789"


def _kinds(password: str) -> int:
    return sum((
        any(ch in string.ascii_uppercase for ch in password),
        any(ch in string.ascii_lowercase for ch in password),
        any(ch.isdigit() for ch in password),
        any(not (ch.isascii() and ch.isalnum()) for ch in password),
    ))


def check_password_rules(password: str, username: str = "") -> None:
    """Raise AccountRefused saying which rule the password breaks."""
    if len(password) < MIN_LENGTH:
        raise AccountRefused("weak_password", f"密码太短：至少{MIN_LENGTH}位 (too short). {RULES_TEXT}")
    if len(password) > MAX_LENGTH:
        raise AccountRefused("weak_password", f"密码太长：最多{MAX_LENGTH}位 (too long)")
    if password != password.strip():
        raise AccountRefused("weak_password", "密码首尾不能有空格 (no spaces at either end)")
    if _kinds(password) < KINDS_NEEDED:
        raise AccountRefused("weak_password", f"密码太简单 (too simple). {RULES_TEXT}")
    if username and username.lower() in password.lower():
        raise AccountRefused("weak_password", "密码不能包含用户名 (must not contain the username)")
    if password == DEMO_PASSWORD:
        raise AccountRefused("weak_password", "不能使用公开的演示密码 (not the public demo password)")


def temporary_password(length: int = 12) -> str:
    """A random password that meets the rules, for a new or reset account."""
    pools = (_CLEAR_LETTERS, _CLEAR_SMALL, _CLEAR_DIGITS)
    chars = [secrets.choice(pool) for pool in pools]
    everything = "".join(pools)
    chars += [secrets.choice(everything) for _ in range(length - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)
