"""One streaming XLSX writer for every export.

The sheet's XML is written straight into a deflated zip member, a few hundred rows at a time,
with strings inline: memory stays flat whatever the number of rows, and a cell costs one string
format instead of a library's per-cell checks (XlsxWriter's constant-memory mode spent two
thirds of a 100,000-row export in its cell writing). Only what the exports need is written:
text, numbers, dates and moments, a bold frozen header row and column widths."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any
from xml.sax.saxutils import escape

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EPOCH = datetime(1899, 12, 30)  # Excel's day 0 (its 1900 leap-year quirk folded in)
ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # not allowed anywhere in XML
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
STAMP_STYLE, DAY_STYLE, HEADER_STYLE = 2, 3, 1  # indexes into STYLES' cellXfs

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
<Default Extension="xml" ContentType="application/xml"/>\
<Override PartName="/xl/workbook.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
<Override PartName="/xl/worksheets/sheet1.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>\
<Override PartName="/xl/styles.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>"""
ROOT_RELS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="{PKG}"><Relationship Id="rId1" \
Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>"""
WORKBOOK_RELS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="{PKG}">\
<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>\
<Relationship Id="rId2" Type="{REL}/styles" Target="styles.xml"/></Relationships>"""
STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="{NS}">\
<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm"/>\
<numFmt numFmtId="165" formatCode="yyyy-mm-dd"/></numFmts>\
<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>\
<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>\
<fills count="3"><fill><patternFill patternType="none"/></fill>\
<fill><patternFill patternType="gray125"/></fill>\
<fill><patternFill patternType="solid"><fgColor rgb="FFDDE7F3"/><bgColor indexed="64"/></patternFill></fill>\
</fills>\
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1" applyAlignment="1">\
<alignment vertical="center"/></xf>\
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>\
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>"""


@dataclass(frozen=True)
class Column:
    header: str  # zh_CN first: 小区 Estate
    width: float  # in Excel's character widths
    value: Callable[[Any], Any]  # row → cell value (str, number, date/datetime or None)


def _letters(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def _width(characters: float) -> float:
    # What Excel stores for a width typed as `characters` (7-pixel digits, 5 pixels of padding).
    return int((int(characters * 7 + 0.5) + 5) / 7 * 256) / 256


def _text(value: str) -> str:
    return escape(ILLEGAL.sub("", value))


def _cell(ref: str, value: Any) -> str:
    if isinstance(value, datetime):
        days = (value - EPOCH).total_seconds() / 86400
        return f'<c r="{ref}" s="{STAMP_STYLE}"><v>{days!r}</v></c>'
    if isinstance(value, date):
        return f'<c r="{ref}" s="{DAY_STYLE}"><v>{(value - EPOCH.date()).days}</v></c>'
    if isinstance(value, bool):
        value = "是" if value else "否"
    elif isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{_text(str(value))}</t></is></c>'


def write_xlsx(target: str | IO[bytes], sheet_title: str, columns: Sequence[Column], rows: Iterable[Any],
               progress: Callable[[int], None] | None = None, every: int = 1000) -> int:
    """Write `rows` under a frozen, bold header row; returns how many rows were written.
    `progress(n)` is called every `every` rows so a background job can report how far it is."""
    letters = [_letters(i) for i in range(len(columns))]
    getters = [c.value for c in columns]
    cols = "".join(f'<col min="{i}" max="{i}" width="{_width(c.width)}" customWidth="1"/>'
                   for i, c in enumerate(columns, start=1))
    header = "".join(f'<c r="{letter}1" s="{HEADER_STYLE}" t="inlineStr"><is><t>{_text(c.header)}</t></is>'
                     '</c>' for letter, c in zip(letters, columns, strict=True))
    pairs = list(zip(letters, getters, strict=True))
    count = 0
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as package:
        package.writestr("[Content_Types].xml", CONTENT_TYPES)
        package.writestr("_rels/.rels", ROOT_RELS)
        package.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        package.writestr("xl/styles.xml", STYLES)
        package.writestr("xl/workbook.xml", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                         f'<workbook xmlns="{NS}" xmlns:r="{REL}"><sheets>'
                         f'<sheet name="{_text(sheet_title[:31])}" sheetId="1" r:id="rId1"/>'
                         '</sheets></workbook>')
        with package.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<worksheet xmlns="{NS}" xmlns:r="{REL}"><sheetViews><sheetView workbookViewId="0">'
                '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
                '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
                f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData>'
                f'<row r="1">{header}</row>'.encode())
            chunk: list[str] = []
            for count, row in enumerate(rows, start=1):
                line = str(count + 1)
                cells = "".join(_cell(letter + line, value) for letter, get in pairs
                                if (value := get(row)) is not None and value != "")
                chunk.append(f'<row r="{line}">{cells}</row>')
                if count % every == 0:
                    sheet.write("".join(chunk).encode())
                    chunk.clear()
                    if progress:
                        progress(count)
            sheet.write(("".join(chunk) + "</sheetData></worksheet>").encode())
    if progress:
        progress(count)
    return count
