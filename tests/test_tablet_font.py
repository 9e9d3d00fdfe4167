"""The tablet's Chinese font: the app's own subset holds every character the app writes, the demo
data and every ideograph of its source font's basic block (so the rare but standard characters of
people's and estates' names), keeps its licence names; and Kivy draws those characters with their
own glyphs, not the empty box of .notdef."""

from __future__ import annotations

from fontTools.ttLib import TTFont

from mobile.ui import font_subset
from tests.tablet_ui_support import camera_dir, tablet  # sets Kivy up; nothing above imports Kivy

_fixtures = (camera_dir, tablet)

RARE_STANDARD = "堃喆珺昇"  # in 通用规范汉字表, outside GB 2312: common in given names


def test_the_subset_covers_the_apps_texts_demo_data_and_rare_standard_hanzi(tmp_path):
    made = font_subset.make_subset(tmp_path / "XunchaCJK.ttf")
    font = TTFont(str(made))
    cmap = font.getBestCmap()
    app_text = {ch for ch in font_subset.app_characters() if ord(ch) > 0x2E80 and ch.isprintable()}
    missing = sorted(ch for ch in app_text if ord(ch) not in cmap)
    assert not missing, f"characters of the app's texts or the demo data left out: {''.join(missing[:40])}"
    for ch in "阳光花园巡查回头看整改楼道堆放杂物飞线充电，。（）ABCxyz0123" + RARE_STANDARD:
        assert ord(ch) in cmap, ch
    hanzi = [ch for ch in font_subset.gb2312_hanzi() if "\u4e00" <= ch <= "\u9fff"]
    assert len(hanzi) == 6763
    assert all(ord(ch) in cmap for ch in hanzi)
    assert sum(0x4E00 <= code <= 0x9FFF for code in cmap) > 20000, "the basic block is kept whole"
    names = {record.nameID for record in font["name"].names}
    assert 0 in names, "the copyright notice stays in the font"


def _pixels(text: str) -> bytes:
    from kivy.core.text import Label as CoreLabel

    label = CoreLabel(text=text, font_size=48)
    label.refresh()
    return bytes(label.texture.pixels)


def test_rare_standard_characters_in_a_name_draw_with_their_glyphs(tablet):
    """In the running app (its default font registered), each rare character renders to its own
    picture: a box (.notdef) would look the same for all of them and for a code point no font
    has."""
    from kivy.core.text import Label as CoreLabel

    from mobile.ui import fonts

    path = fonts.chosen_font()
    assert path == tablet.app.font_path
    notdef = _pixels("\ue000")  # private-use code points: no Chinese font maps them
    assert _pixels("\ue001") == notdef, "two unmapped code points draw the same box"
    drawn = {ch: _pixels(ch) for ch in RARE_STANDARD}
    for ch, pixels in drawn.items():
        assert any(pixels[3::4]), f"{ch} drew nothing"
        assert pixels != notdef, f"{ch} drew as the .notdef box"
    assert len(set(drawn.values())) == len(RARE_STANDARD)
    name = CoreLabel(text="张堃 王喆 李珺 陈昇", font_size=24)
    name.refresh()
    assert name.texture.width > 0
