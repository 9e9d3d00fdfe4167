"""One streaming XLSX writer for every export.

XlsxWriter's constant-memory mode writes each row to a temporary file as it comes and stores
strings inline, so memory stays flat whatever the number of rows (openpyxl's write-only mode
still keeps a table of every distinct string, and grows with unique descriptions)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any

import xlsxwriter

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    header: str  # zh_CN first: 小区 Estate
    width: float  # in Excel's character widths
    value: Callable[[Any], Any]  # row → cell value (str, number, date/datetime or None)


def write_xlsx(target: str | IO[bytes], sheet_title: str, columns: Sequence[Column], rows: Iterable[Any],
               progress: Callable[[int], None] | None = None, every: int = 1000) -> int:
    """Write `rows` under a frozen, bold header row; returns how many rows were written.
    `progress(n)` is called every `every` rows so a background job can report how far it is."""
    workbook = xlsxwriter.Workbook(target, {"constant_memory": True, "strings_to_numbers": False,
                                            "strings_to_formulas": False, "strings_to_urls": False})
    sheet = workbook.add_worksheet(sheet_title[:31])
    header = workbook.add_format({"bold": True, "bg_color": "#DDE7F3", "valign": "vcenter"})
    stamp = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for index, column in enumerate(columns):
        sheet.set_column(index, index, column.width)
        sheet.write_string(0, index, column.header, header)
    sheet.freeze_panes(1, 0)
    count = 0
    for count, row in enumerate(rows, start=1):
        for index, column in enumerate(columns):
            value = column.value(row)
            if value is None or value == "":
                continue
            if isinstance(value, datetime):
                sheet.write_datetime(count, index, value, stamp)
            elif isinstance(value, date):
                sheet.write_datetime(count, index, datetime.combine(value, datetime.min.time()), day)
            elif isinstance(value, int | float):
                sheet.write_number(count, index, value)
            else:
                sheet.write_string(count, index, str(value))
        if progress and count % every == 0:
            progress(count)
    workbook.close()
    if progress:
        progress(count)
    return count
