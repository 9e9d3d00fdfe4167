"""Chinese glyphs for every widget: a CJK font registered as Kivy's default before any widget.

The font is the system's, found by the photo pipeline's own search (WenQuanYi Micro Hei or Noto
Sans CJK on Debian, Noto CJK on Android, or XUNCHA_CJK_FONT), so the stamp burnt into a photo
and the screen use the same face. Kivy's bundled Roboto has no Chinese: it would draw boxes.
"""

from __future__ import annotations

from kivy.core.text import DEFAULT_FONT, LabelBase

from mobile.photos.pipeline import find_cjk_font


class NoChineseFont(RuntimeError):
    pass


def register_cjk_font() -> str:
    path = find_cjk_font()
    if path is None:
        raise NoChineseFont(
            "找不到中文字体：请安装 fonts-wqy-microhei，或设置 XUNCHA_CJK_FONT=字体文件 "
            "(no Chinese font found: install fonts-wqy-microhei or set XUNCHA_CJK_FONT)")
    # Replacing the default name reaches TextInput, Spinner and Popup titles too, which do
    # not all follow a font_name set on a rule.
    LabelBase.register(name=DEFAULT_FONT, fn_regular=path, fn_bold=path)
    return path
