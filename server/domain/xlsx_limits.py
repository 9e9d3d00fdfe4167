"""Reading an uploaded .xlsx within bounds, so that no workbook can exhaust the server.

An .xlsx is a zip of XML. A small file can unzip to hundreds of megabytes (openpyxl keeps the
shared strings and styles whole in memory), and a sheet's declared dimension makes openpyxl pad
every row and fill every missing row up to it. So, before openpyxl sees the bytes, the zip's
members are checked against size caps (zipfile never inflates a member past its declared size,
and a member that lies about it fails its CRC); then the declared dimension is checked, and
rows are read in openpyxl's streaming read-only mode with the row and column counts bounded.

Any importer of spreadsheets (the estate ledger, the checklist standard) uses
`open_bounded_workbook` and `bounded_rows`; both raise `XlsxTooLarge` with a message for the
operator, Chinese first.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet._reader import WorkSheetParser

MB = 1024 * 1024


@dataclass(frozen=True)
class XlsxLimits:
    """How much of a workbook is read at most."""

    max_rows: int = 60_000  # sheet rows, title and blank rows included
    max_cols: int = 200
    max_unzipped_bytes: int = 150 * MB  # all members together, once inflated
    # Members that openpyxl loads whole (shared strings, styles, workbook): the memory risk.
    max_whole_member_bytes: int = 30 * MB
    max_members: int = 1_000


class XlsxTooLarge(ValueError):
    """The workbook is over a bound; the message says which and what to do, Chinese first."""


# Worksheets are streamed row by row; every other part is parsed whole.
_STREAMED_PREFIX = "xl/worksheets/sheet"


def check_xlsx_archive(data: bytes, limits: XlsxLimits = XlsxLimits()) -> None:
    """Refuse a zip whose inflated members would be too big, before anything is inflated.

    A file that is not a zip at all passes: openpyxl's own error then says it is corrupt.
    """
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except zipfile.BadZipFile:
        return
    if len(members) > limits.max_members:
        raise XlsxTooLarge(f"Excel文件内部包含{len(members)}个部件，超过上限{limits.max_members} "
                           "(too many parts in the workbook)")
    total = sum(m.file_size for m in members)
    if total > limits.max_unzipped_bytes:
        raise XlsxTooLarge(f"Excel文件解压后约{total // MB}MB，超过上限{limits.max_unzipped_bytes // MB}MB，"
                           "请删除无关的工作表或拆分后导入 (the workbook unzips to too much data)")
    for member in members:
        whole = not member.filename.startswith(_STREAMED_PREFIX)
        if whole and member.file_size > limits.max_whole_member_bytes:
            raise XlsxTooLarge(
                f"Excel文件中的“{member.filename}”解压后约{member.file_size // MB}MB，超过上限"
                f"{limits.max_whole_member_bytes // MB}MB（文字内容或格式过多），请另存为新文件或拆分后导入 "
                "(a part of the workbook is too large)")


def open_bounded_workbook(data: bytes, limits: XlsxLimits = XlsxLimits()) -> Workbook:
    """Check the archive, then open it read-only with cached values instead of formulas.

    The caller closes the workbook (`workbook.close()`). openpyxl's own errors (corrupt zip,
    bad XML) pass through unchanged, for the caller to word.
    """
    check_xlsx_archive(data, limits)
    # data_only: a formula cell gives the value Excel last computed, not the formula.
    return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)


def bounded_rows(sheet: Any, limits: XlsxLimits = XlsxLimits()) -> Iterator[tuple[Any, ...]]:
    """The values of a read-only sheet's rows, from row 1, within `limits`.

    Refused: a declared dimension past the bounds, or a non-blank cell past them, wherever the
    file puts it (a crafted file may declare A1:B2 and hold a cell in row 1,000,000). Blank
    cells past the bounds (left-over formatting) are skipped. A missing row comes as (); a row
    is as wide as its last cell.
    """
    declared_rows, declared_cols = sheet.max_row or 0, sheet.max_column or 0
    if declared_rows > limits.max_rows or declared_cols > limits.max_cols:
        raise XlsxTooLarge(
            f"工作表“{sheet.title}”的范围是{declared_rows}行×{declared_cols}列，超过上限"
            f"{limits.max_rows}行×{limits.max_cols}列，请删除多余的空行空列或拆分后导入 "
            f"(sheet '{sheet.title}' is larger than {limits.max_rows} rows × {limits.max_cols} columns)")
    expected = 1
    for number, cells in _rows_as_stored(sheet):
        kept = [c for c in cells if not _blank(c["value"])]
        if number > limits.max_rows:
            if kept:
                raise XlsxTooLarge(f"工作表“{sheet.title}”超过{limits.max_rows}行，请拆分后导入 "
                                   f"(more than {limits.max_rows} rows)")
            continue
        if any(c["column"] > limits.max_cols for c in kept):
            raise XlsxTooLarge(
                f"工作表“{sheet.title}”第{number}行在第{get_column_letter(limits.max_cols)}列之后还有数据，"
                f"超过上限{limits.max_cols}列 (data past column {limits.max_cols})")
        while expected < number:
            expected += 1
            yield ()
        values: list[Any] = [None] * max((c["column"] for c in kept), default=0)
        for cell in kept:
            values[cell["column"] - 1] = cell["value"]
        expected = number + 1
        yield tuple(values)


def _rows_as_stored(sheet: Any) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    """(row number, cells) as the sheet's XML holds them: no padding and no filled-in rows.

    openpyxl's own row iterator pads every row to the widest column and fills every missing
    row, which is what a crafted file abuses; its parser (the one that iterator runs on, in
    openpyxl 3.1) gives each cell's column and value as stored.
    """
    book = sheet.parent
    with sheet._get_source() as source:
        parser = WorkSheetParser(source, sheet._shared_strings, data_only=book.data_only, epoch=book.epoch,
                                 date_formats=book._date_formats, timedelta_formats=book._timedelta_formats)
        yield from parser.parse()


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
