"""Chinese glyphs for every widget: a CJK font registered as Kivy's default before any widget.

The app ships its own font, `assets/XunchaCJK.ttf`, a subset made at setup / build time by
`python -m mobile.ui.font_subset` (scripts/tablet.sh and scripts/screens.sh make it when it is
missing; buildozer.spec packs it). Without it (a checkout never set up) the system's is used,
found by the photo pipeline's search (Noto Sans CJK or WenQuanYi Micro Hei, or XUNCHA_CJK_FONT).
Kivy's bundled Roboto has no Chinese: it would draw boxes.
"""

from __future__ import annotations

from pathlib import Path

from kivy.core.text import DEFAULT_FONT, LabelBase

from mobile.photos.pipeline import find_cjk_font

BUNDLED = Path(__file__).resolve().parent / "assets" / "XunchaCJK.ttf"


class NoChineseFont(RuntimeError):
    pass


def register_cjk_font() -> str:
    path = str(BUNDLED) if BUNDLED.exists() else find_cjk_font()
    if path is None:
        raise NoChineseFont(
            "找不到中文字体：请运行 python -m mobile.ui.font_subset，或安装 fonts-wqy-microhei，"
            "或设置 XUNCHA_CJK_FONT=字体文件 (no Chinese font: make the app's subset or install one)")
    # Replacing the default name reaches TextInput, Spinner and Popup titles too, which do
    # not all follow a font_name set on a rule.
    LabelBase.register(name=DEFAULT_FONT, fn_regular=path, fn_bold=path)
    return path
