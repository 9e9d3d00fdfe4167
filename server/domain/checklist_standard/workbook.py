"""Reading a checklist standard workbook into rows, and writing one (the blank template with its
instructions, or a version exported back to Excel)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import IO, Any

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from server.domain.checklist_standard.columns import COLUMNS, SEVERITY_LABELS, SEVERITY_WORDS, column_key
from server.domain.ledger.cells import is_blank
from server.domain.models import ChecklistTemplate
from server.domain.xlsx_limits import XlsxLimits, XlsxTooLarge, bounded_rows, open_bounded_workbook

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 2000  # a city's standard has a few hundred items at most
XLSX_LIMITS = XlsxLimits(max_rows=MAX_ROWS + 100, max_cols=40)
HEADER_SEARCH_ROWS = 10
STANDARD_SHEET = "检查标准"
HELP_SHEET = "填写说明"
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_RULES = (
    "第1行是表头，请勿修改列名；列的顺序不限，红色列名为必填列。",
    "第2行是示例，导入前请删除或改成您自己的内容。",
    "每行一个检查项；同一分项的检查项连续填写，分项名与上一行相同时可以留空。",
    "编号在整个标准内不能重复。分值为整数，各项分值之和通常为100。",
    "整个文件全部通过校验后才会写入；有任何一行出错，则一行也不写入，并列出所有出错的行、列和原因。",
    "导入后得到一个草稿版本，可在网页上修改；发布后该版本不能再修改，平板下次同步时收到。",
)


class StandardFileError(ValueError):
    """The workbook as a whole cannot be read; one line for the operator."""


@dataclass
class StandardSheet:
    source: str
    title: str | None  # the workbook's document title: an exported standard's name
    header_row: int = 0
    headers: list[str] = field(default_factory=list)
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)


def _open_workbook(data: bytes):
    """The one place a standard workbook is opened: within the bounds every spreadsheet import
    keeps (inflated size, declared dimension, rows and columns; server.domain.xlsx_limits)."""
    if len(data) > MAX_BYTES:
        raise StandardFileError(f"文件超过{MAX_BYTES // 1024 // 1024}MB (file too large)")
    try:
        return open_bounded_workbook(data, XLSX_LIMITS)
    except XlsxTooLarge as exc:
        raise StandardFileError(str(exc)) from None
    except Exception:  # zip, XML and openpyxl errors all mean the same to an operator
        raise StandardFileError("不是有效的.xlsx文件，无法打开 (not a valid .xlsx workbook)") from None


def read_standard(source: str | os.PathLike | bytes | IO[bytes],
                  filename: str | None = None) -> StandardSheet:
    """The header and the non-blank rows of the first sheet that has a standard's header."""
    if isinstance(source, bytes):
        data, name = source, filename or "checklist.xlsx"
    elif isinstance(source, str | os.PathLike):
        try:
            with open(source, "rb") as handle:
                data = handle.read(MAX_BYTES + 1)
        except OSError as exc:
            raise StandardFileError(f"无法读取文件：{exc.strerror} (cannot read the file)") from None
        name = filename or os.path.basename(source)
    else:
        data, name = source.read(MAX_BYTES + 1), filename or getattr(source, "name", "checklist.xlsx")
    if not data.startswith(b"PK\x03\x04"):
        raise StandardFileError("检查标准须是.xlsx文件 (the standard must be an .xlsx workbook)")
    workbook = _open_workbook(data)
    try:
        title = workbook.properties.title if workbook.properties else None
        for sheet in workbook.worksheets:
            found = _sheet_rows(sheet, name, title)
            if found is not None:
                return found
    except StandardFileError:
        raise
    except XlsxTooLarge as exc:
        raise StandardFileError(str(exc)) from None
    except Exception:
        raise StandardFileError("不是有效的.xlsx文件，无法读取 (not a valid .xlsx workbook)") from None
    finally:
        workbook.close()
    raise StandardFileError(f"前{HEADER_SEARCH_ROWS}行中找不到表头：应有“检查分项”“编号”“检查内容”等列 "
                            "(no header row found)")


def _sheet_rows(sheet, name: str, title: str | None) -> StandardSheet | None:
    rows = bounded_rows(sheet, XLSX_LIMITS)
    for number, cells in enumerate(rows, start=1):
        if number > HEADER_SEARCH_ROWS:
            return None
        if sum(1 for cell in cells if column_key(cell)) >= 2:
            found = StandardSheet(source=name, title=title or None, header_row=number,
                                  headers=["" if is_blank(c) else str(c).strip() for c in cells])
            break
    else:
        return None
    width = len(found.headers)
    for number, cells in enumerate(rows, start=found.header_row + 1):
        if all(is_blank(c) for c in cells):
            continue
        if len(found.rows) >= MAX_ROWS:
            raise StandardFileError(f"检查项超过{MAX_ROWS}行 (more than {MAX_ROWS} rows)")
        found.rows.append((number, list(cells[:width]) + [None] * (width - len(cells))))
    if not found.rows:
        raise StandardFileError(f"第{found.header_row}行是表头，但下面没有任何检查项 "
                                "(no items below the header)")
    return found


def write_standard(target: str | os.PathLike | IO[bytes], template: ChecklistTemplate | None = None) -> None:
    """The template (an example row and the instructions), or `template` exported: one row per
    item in the same columns, so an exported file imports back as the same standard."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = STANDARD_SHEET
    for position, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=position, value=column.header)
        cell.font = Font(bold=True, color="C00000" if column.required else "000000")
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.comment = Comment(("必填。" if column.required else "") + column.notes, "巡查")
        sheet.column_dimensions[get_column_letter(position)].width = column.width
    sheet.freeze_panes = "A2"
    if template is None:
        sheet.append([column.example for column in COLUMNS])
        for cell in sheet[2]:
            cell.font = Font(italic=True, color="808080")
    else:
        workbook.properties.title = template.name
        for section in template.sections:
            for item in section.items:
                sheet.append([section.title, item.code, item.text, item.category, item.points,
                              SEVERITY_LABELS[item.default_severity], item.rectification_days,
                              "是" if item.photo_required_on_fail else "否", item.guidance or None])
    # The code column stays text, so Excel never turns "3.10" into 3.1.
    for row in sheet.iter_rows(min_row=2, min_col=2, max_col=2):
        row[0].number_format = "@"
    for key, words in (("severity", [w[0] for w in SEVERITY_WORDS.values()]), ("photo", ["是", "否"])):
        letter = get_column_letter([c.key for c in COLUMNS].index(key) + 1)
        validation = DataValidation(type="list", formula1=f'"{",".join(words)}"', allow_blank=True,
                                    showErrorMessage=False)
        validation.add(f"{letter}2:{letter}{MAX_ROWS}")
        sheet.add_data_validation(validation)
    _help_sheet(workbook.create_sheet(HELP_SHEET))
    workbook.save(target)


def _help_sheet(sheet) -> None:
    sheet.append(["列名 Column", "是否必填 Required", "填写说明 Notes", "示例 Example"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
    for column in COLUMNS:
        sheet.append([column.header, "必填" if column.required else "", column.notes, column.example])
    sheet.append([])
    sheet.append(["导入规则 Rules"])
    sheet[sheet.max_row][0].font = Font(bold=True)
    for number, rule in enumerate(_RULES, start=1):
        sheet.append([f"{number}. {rule}"])
    for letter, width in zip("ABCD", (16, 16, 70, 30), strict=True):
        sheet.column_dimensions[letter].width = width
