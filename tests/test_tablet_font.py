"""The app's own Chinese font: a subset made from the system's CJK font holds every character the
app writes and the common hanzi of names and notes, keeps its licence names, and stays small."""

from __future__ import annotations

from fontTools.ttLib import TTFont

from mobile.ui import font_subset


def test_the_subset_covers_the_apps_texts_and_common_hanzi(tmp_path):
    made = font_subset.make_subset(tmp_path / "XunchaCJK.ttf")
    font = TTFont(str(made))
    cmap = font.getBestCmap()
    app_text = {ch for ch in font_subset.app_characters() if ord(ch) > 0x2E80 and ch.isprintable()}
    missing = sorted(ch for ch in app_text if ord(ch) not in cmap)
    assert not missing, f"characters of the app's own texts left out: {''.join(missing[:40])}"
    for ch in "阳光花园巡查回头看整改楼道堆放杂物飞线充电，。（）ABCxyz0123":
        assert ord(ch) in cmap, ch
    hanzi = [ch for ch in font_subset.gb2312_hanzi() if "\u4e00" <= ch <= "\u9fff"]
    assert len(hanzi) == 6763
    assert all(ord(ch) in cmap for ch in hanzi)
    names = {record.nameID for record in font["name"].names}
    assert 0 in names, "the copyright notice stays in the font"
    assert made.stat().st_size < 5_000_000
