"""The tablet's catalogues: every string the UI passes through tr() has its English, with the
same {placeholders}; Chinese is the source text and shows as it is."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from mobile.ui import i18n
from mobile.ui.i18n import catalogue, tr

UI = Path(i18n.__file__).resolve().parent.parent
LITERAL = re.compile(r"""\btr\(\s*(['"])(.+?)\1""")


def ui_strings() -> set[str]:
    found = set()
    for path in UI.rglob("*"):
        if path.suffix in (".py", ".kv"):
            found |= {m.group(2) for m in LITERAL.finditer(path.read_text(encoding="utf-8"))}
    return found


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_the_ui_passes_many_strings_through_the_catalogue():
    assert len(ui_strings()) > 100


@pytest.mark.parametrize("lang", ["en"])
def test_every_ui_string_is_translated_with_the_same_placeholders(lang):
    entries = catalogue(lang)
    missing = sorted(s for s in ui_strings() if s not in entries)
    assert not missing, f"{lang}.po lacks: {missing[:10]}"
    wrong = [s for s in ui_strings() if fields(s) != fields(entries[s])]
    assert not wrong, wrong


def test_chinese_is_shown_as_written_and_english_fills_placeholders():
    assert tr("已完成 {a}/{t}", "zh_CN", a=3, t=144) == "已完成 3/144"
    assert tr("已完成 {a}/{t}", "en", a=3, t=144) == "Done 3/144"
    assert tr("一句没有译文的话", "en") == "一句没有译文的话"
    with pytest.raises(ValueError):
        i18n.set_language("fr")
