"""Strings through gettext catalogues: the source text is Chinese (zh_CN), en.po translates it.

The catalogues are plain .po files read at start-up (no compile step on the tablet). `tr` takes
the language as an argument so a .kv rule written `tr('同步', app.lang)` is re-evaluated when the
language changes in settings: no restart.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

LANGUAGES = ("zh_CN", "en")
LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}
_HERE = Path(__file__).resolve().parent
_current = "zh_CN"


def _unquote(text: str) -> str:
    return ast.literal_eval(text.strip())


@cache
def catalogue(lang: str) -> dict[str, str]:
    """msgid → msgstr of one .po file (untranslated entries left out: they show the Chinese)."""
    path = _HERE / f"{lang}.po"
    if not path.exists():
        return {}
    entries: dict[str, str] = {}
    msgid = msgstr = None
    field = None
    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if line.startswith("msgid "):
            if msgid and msgstr:
                entries[msgid] = msgstr
            msgid, msgstr, field = _unquote(line[6:]), "", "id"
        elif line.startswith("msgstr "):
            msgstr, field = _unquote(line[7:]), "str"
        elif line.startswith('"') and field == "id":
            msgid += _unquote(line)
        elif line.startswith('"') and field == "str":
            msgstr += _unquote(line)
        elif not line and msgid is not None:
            if msgid and msgstr:
                entries[msgid] = msgstr
            msgid = msgstr = field = None
    return entries


def set_language(lang: str) -> None:
    global _current
    if lang not in LANGUAGES:
        raise ValueError(f"不支持的语言 (unsupported language) {lang!r}")
    _current = lang


def current_language() -> str:
    return _current


def tr(msgid: str, lang: str | None = None, **values: object) -> str:
    """The text in the current (or given) language, with {placeholders} filled in."""
    text = catalogue(lang or _current).get(msgid, msgid) if (lang or _current) != "zh_CN" else msgid
    return text.format(**values) if values else text
