"""One streaming XLSX writer for every export: openpyxl's write-only mode keeps one row in
memory at a time, whatever the number of rows."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter


@dataclass(frozen=True)
class Column:
    header: str  # zh_CN first: 小区 Estate
    width: float  # in Excel's character widths
    value: Callable[[Any], Any]  # row → cell value


def write_xlsx(target: str | IO[bytes], sheet_title: str, columns: Sequence[Column], rows: Iterable[Any],
               progress: Callable[[int], None] | None = None, every: int = 1000) -> int:
    """Write `rows` under a frozen, bold header row; returns how many rows were written.
    `progress(n)` is called every `every` rows so a background job can report how far it is."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title[:31])
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE7F3")
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.header)
        cell.font, cell.fill, cell.alignment = bold, fill, Alignment(vertical="center")
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in rows:
        sheet.append([column.value(row) for column in columns])
        count += 1
        if progress and count % every == 0:
            progress(count)
    workbook.save(target)
    if progress:
        progress(count)
    return count
