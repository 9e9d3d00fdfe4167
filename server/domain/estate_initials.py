"""Pinyin initials of estate names (阳光花园 → yghy), kept in Estate.name_initials so that the
ledger finds estates by initials on an index."""

from __future__ import annotations

from pypinyin import Style, lazy_pinyin


def name_initials(name: str) -> str:
    """Lower-case initials of each Chinese character; letters and digits kept as they are."""
    parts = lazy_pinyin(name or "", style=Style.FIRST_LETTER, errors=lambda text: list(text))
    return "".join(p for p in parts if p.isalnum()).lower()[:100]
