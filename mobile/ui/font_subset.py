"""Make the app's own Chinese font: a subset of the system's CJK font, made at setup / build time.

Why a subset made here and not a font file in git: the font ships with the app (a tablet must not
depend on what its system carries: Android's Noto .ttc opens in Kivy as its Japanese face), and
git holds no binary font. The subset keeps ASCII, CJK punctuation, every ideograph the source
font has in the CJK Unified Ideographs block and its extension A (names of estates and people
may hold any hanzi: this covers GB 2312, GBK and the 8,105 characters of 通用规范汉字表 wherever
the source font does), and every character of the app's texts and of the demo data.
Source: Noto Sans CJK SC (SIL OFL 1.1) when installed (fonts-noto-cjk), else WenQuanYi Micro
Hei (Apache 2.0); both licences allow a modified copy to ship. Run:

    .venv/bin/python -m mobile.ui.font_subset        # writes mobile/ui/assets/XunchaCJK.ttf
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

HERE = Path(__file__).resolve().parent
OUT = HERE / "assets" / "XunchaCJK.ttf"
SOURCES = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),  # face 2: Simplified Chinese
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
)


def gb2312_hanzi() -> str:
    out = []
    for high in range(0xB0, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                out.append(bytes((high, low)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return "".join(out)


# The blocks kept whole: CJK Unified Ideographs and Extension A (with the few ideographs of the
# 通用规范汉字表 that lie in later extensions, where the source font has them).
IDEOGRAPHS = ((0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x323AF))


def app_characters() -> str:
    """Every character in the app's catalogues, layouts and code (labels, toasts, messages), and
    in the demo data a tablet shows (server/demo: names, checklist, guidance)."""
    text = []
    for folder in (HERE.parent, HERE.parent.parent / "server" / "demo"):
        for path in folder.rglob("*"):
            if path.suffix in (".po", ".kv", ".py") and "__pycache__" not in path.parts:
                text.append(path.read_text(encoding="utf-8"))
    return "".join(text)


def ideographs_of(font: TTFont) -> set[str]:
    return {chr(code) for code in font.getBestCmap()
            if any(low <= code <= high for low, high in IDEOGRAPHS)}


def source_font() -> tuple[str, int] | None:
    for path, face in SOURCES:
        if Path(path).exists():
            return path, face
    return None


def make_subset(out: Path = OUT) -> Path:
    found = source_font()
    if found is None:
        raise SystemExit("找不到可用的中文字体：请安装 fonts-noto-cjk 或 fonts-wqy-microhei "
                         "(no CJK font to subset: install fonts-noto-cjk or fonts-wqy-microhei)")
    path, face = found
    font = TTCollection(path).fonts[face] if path.endswith(".ttc") else TTFont(path)
    wanted = set(chr(c) for c in range(0x20, 0x7F)) | ideographs_of(font) | set(app_characters())
    wanted |= set("，。、；：？！“”‘’（）《》【】…—·￥％＋－×÷／") | {chr(c) for c in range(0x3000, 0x3040)}
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]  # keep the licence and copyright names
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes={ord(ch) for ch in wanted if ch.isprintable() or ch == " "})
    subsetter.subset(font)
    out.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(out))
    return out


if __name__ == "__main__":
    made = make_subset(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
    print(f"{made} ({made.stat().st_size / 1e6:.1f} MB)")
