"""The one refusal of the people services."""

from __future__ import annotations


class AccountRefused(ValueError):
    """Bad input or a forbidden change; `code` for programs, the message for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
