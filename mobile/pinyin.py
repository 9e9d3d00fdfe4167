"""Pinyin initials for search: 阳光花园 → "yghy", so typing "ygh" finds it on a keyboard with no IME."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=4096)
def initials(text: str | None) -> str:
    """Lower-case first letters of each character's pinyin; letters and digits stay as they are."""
    if not text:
        return ""
    from pypinyin import Style, lazy_pinyin  # its dictionaries load on first use, not at app start

    letters = lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default")
    return "".join(ch for chunk in letters for ch in chunk.lower() if ch.isalnum())
