"""The bulletin as an XLSX workbook: one sheet per table, the bulletin's title in the first row,
headers in the second, figures as numbers (rates as numbers formatted 0.0%), so statisticians
can add them up or chart them without retyping."""

from __future__ import annotations

from decimal import Decimal
from typing import IO

import xlsxwriter

from server.domain.bulletins.report import Bulletin
from server.domain.bulletins.tables import bulletin_tables

HEADER_ROW, FIRST_ROW = 1, 2  # zero-based: row 2 and row 3 in Excel


def write_bulletin_xlsx(target: str | IO[bytes], bulletin: Bulletin) -> None:
    workbook = xlsxwriter.Workbook(target, {"strings_to_numbers": False, "strings_to_formulas": False,
                                            "strings_to_urls": False})
    title = workbook.add_format({"bold": True, "font_size": 13})
    header = workbook.add_format({"bold": True, "bg_color": "#DDE7F3", "text_wrap": True,
                                  "valign": "vcenter"})
    share = workbook.add_format({"num_format": "0.0%"})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    stamp = f"{bulletin.title_zh}（{bulletin.period.range_zh}）"
    for table in bulletin_tables(bulletin):
        sheet = workbook.add_worksheet(table.sheet_name)
        sheet.write_string(0, 0, f"{stamp} · {table.title_zh} {table.title_en}", title)
        for col, text in enumerate(table.headers):
            sheet.write_string(HEADER_ROW, col, text, header)
            sheet.set_column(col, col, 60 if table.key == "definitions" and col == 1 else 14 if col else 22)
        sheet.freeze_panes(FIRST_ROW, 1)
        if table.note and not table.rows:
            sheet.write_string(FIRST_ROW, 0, table.note)
            continue
        for r, cells in enumerate(table.rows, start=FIRST_ROW):
            for c, cell in enumerate(cells):
                if cell.value is None:
                    sheet.write_string(r, c, "—")
                elif cell.is_rate:
                    sheet.write_number(r, c, cell.value, share)
                elif isinstance(cell.value, int | float | Decimal):
                    sheet.write_number(r, c, float(cell.value))
                else:
                    sheet.write_string(r, c, str(cell.value), wrap if table.key == "definitions" else None)
    workbook.close()
