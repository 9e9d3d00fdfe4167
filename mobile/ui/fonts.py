"""Chinese glyphs for every widget: a CJK font registered as Kivy's default before any widget.

Which font: the system's full Chinese font when it has one Kivy can open as Chinese (WenQuanYi
Micro Hei, a single-face Noto Sans SC / CJK SC file, Droid Sans Fallback, or XUNCHA_CJK_FONT),
because estate and people's names may hold any hanzi and a full font draws them all. Where there
is none (an Android tablet, whose Noto .ttc Kivy opens at face 0, the Japanese one), the app's own
font, `assets/XunchaCJK.ttf`: a subset made at setup / build time by `python -m
mobile.ui.font_subset` holding every ideograph of its source font's basic and extension-A blocks
(so the 8,105 characters of 通用规范汉字表), the app's texts and the demo data (scripts/tablet.sh
and scripts/screens.sh make it when it is missing; buildozer.spec packs it). Kivy's bundled Roboto
has no Chinese: it would draw boxes.
"""

from __future__ import annotations

import os
from pathlib import Path

from kivy.core.text import DEFAULT_FONT, LabelBase

from mobile.photos.pipeline import FONT_CANDIDATES

BUNDLED = Path(__file__).resolve().parent / "assets" / "XunchaCJK.ttf"


class NoChineseFont(RuntimeError):
    pass


def system_font() -> str | None:
    """A full Chinese font of this system that Kivy opens with Chinese glyph forms, or None."""
    env = os.environ.get("XUNCHA_CJK_FONT")
    for path in ((env,) if env else ()) + FONT_CANDIDATES:
        # Kivy (SDL_ttf) opens face 0 of a collection: Noto CJK's is the Japanese face.
        if path and os.path.exists(path) and not (path.endswith(".ttc") and "NotoSansCJK" in path):
            return path
    return None


def chosen_font() -> str | None:
    return system_font() or (str(BUNDLED) if BUNDLED.exists() else None)


def register_cjk_font() -> str:
    path = chosen_font()
    if path is None:
        raise NoChineseFont(
            "找不到中文字体：请运行 python -m mobile.ui.font_subset，或安装 fonts-wqy-microhei，"
            "或设置 XUNCHA_CJK_FONT=字体文件 (no Chinese font: make the app's subset or install one)")
    # Replacing the default name reaches TextInput, Spinner and Popup titles too, which do
    # not all follow a font_name set on a rule.
    LabelBase.register(name=DEFAULT_FONT, fn_regular=path, fn_bold=path)
    return path
