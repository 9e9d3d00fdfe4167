"""Names in the order a Chinese reader looks for them: by pinyin (长安 before 重庆 before 阳光),
not by Unicode code point. The one sort key of every list of companies, estates and offices.

The key is plain ASCII that compares byte by byte (SQLite's BINARY, PostgreSQL's C collation and
Python's `<` agree on it), so a stored copy (`Estate.name_pinyin`, `Company.name_pinyin`) orders
and keyset-pages a list in SQL exactly as `sorted(..., key=pinyin_key)` orders it in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import TypeVar

from pypinyin import Style, lazy_pinyin

T = TypeVar("T")
KEY_LENGTH = 450  # the stored column's length: a 200-character name and its syllables
_SYLLABLES = 240


@lru_cache(maxsize=16384)
def pinyin_key(name: str | None) -> str:
    """`zhong1hai3wu4ye4 中海物业`: each character's pinyin with its tone (a digit, which sorts
    before every letter and so ends the syllable: an < ang), Latin letters and digits lower-case
    followed by 0 (before any toned syllable), other signs left out; then a space and the name
    itself, so homophones still come in one fixed order."""
    text = (name or "").strip()
    parts = lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True, errors=lambda rest: list(rest))
    syllables = []
    for part in parts:
        part = part.lower()
        if part.isascii() and part.isalnum():
            syllables.append(part if part[-1].isdigit() and len(part) > 1 else part + "0")
    return ("".join(syllables)[:_SYLLABLES] + " " + text)[:KEY_LENGTH]


def by_pinyin(items: Iterable[T], name: Callable[[T], str]) -> list[T]:
    """The items sorted by the pinyin of their names."""
    return sorted(items, key=lambda item: pinyin_key(name(item)))
