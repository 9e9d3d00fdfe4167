"""An empty ledger workbook for operators: headers, an example row and the allowed values."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import IO

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from server.domain.ledger.columns import (
    BY_KEY,
    COLUMNS,
    COMMITTEE_WORDS,
    MANAGEMENT_TYPE_WORDS,
)
from server.domain.models import Region, RegionLevel

LEDGER_SHEET = "小区台账"
HELP_SHEET = "填写说明"
COMMUNITY_SHEET = "社区列表"
_TEMPLATE_ROWS = 5000  # rows that get the drop-down lists and text formats
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_RULES = (
    "第1行是表头，请勿修改列名；可以删去不需要的非必填列，列的顺序不限。",
    "第2行是示例，导入前请删除。",
    "红色列名为必填列；“物业服务企业”“统一社会信用代码”两列必须存在，非专业物业服务的小区可留空。",
    "同一社区内同名的小区视为同一小区：系统中已有则更新，没有则新增。同一信用代码视为同一企业。",
    "更新已有小区时，空白单元格不会清除系统中已有的数据（物业服务企业除外：留空表示无企业）。",
    "整个文件全部通过校验后才会写入；有任何一行出错，则一行也不写入，并列出所有出错的行和原因。",
    "统一社会信用代码、联系电话请按文本填写，以免Excel把长数字改成科学计数法。",
)


def write_template(target: str | os.PathLike | IO[bytes], regions: Sequence[Region] = ()) -> None:
    """Write the template; given an office's regions, the example row uses one of its
    communities and a third sheet lists them all with their street and code."""
    workbook = Workbook()
    _ledger_sheet(workbook.active, regions)
    _help_sheet(workbook.create_sheet(HELP_SHEET))
    if any(r.level == RegionLevel.COMMUNITY for r in regions):
        _community_sheet(workbook.create_sheet(COMMUNITY_SHEET), regions)
    workbook.save(target)


def _ledger_sheet(sheet, regions: Sequence[Region]) -> None:
    sheet.title = LEDGER_SHEET
    example = {column.key: column.example for column in COLUMNS}
    community = min((r for r in regions if r.level == RegionLevel.COMMUNITY), key=lambda r: r.code,
                    default=None)
    example["community"] = community.name if community else "幸福社区"
    for position, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(position)
        cell = sheet.cell(row=1, column=position, value=column.header)
        cell.font = Font(bold=True, color="C00000" if column.required else "000000")
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.comment = Comment(("必填。" if column.required else "") + column.notes, "巡查")
        example_cell = sheet.cell(row=2, column=position, value=example[column.key] or None)
        example_cell.font = Font(italic=True, color="808080")
        sheet.column_dimensions[letter].width = column.width
        if column.key in ("credit_code", "phone"):
            sheet.column_dimensions[letter].number_format = "@"
            example_cell.number_format = "@"
        if column.key == "filed_at":
            sheet.column_dimensions[letter].number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    _drop_down(sheet, "management_type", MANAGEMENT_TYPE_WORDS)
    _drop_down(sheet, "committee_status", COMMITTEE_WORDS)


def _drop_down(sheet, key: str, words: dict) -> None:
    letter = get_column_letter(list(BY_KEY).index(key) + 1)
    labels = ",".join(options[0] for options in words.values())
    # Not strict: the importer also accepts synonyms and English values typed by hand.
    validation = DataValidation(type="list", formula1=f'"{labels}"', allow_blank=True,
                                showErrorMessage=False)
    validation.add(f"{letter}2:{letter}{_TEMPLATE_ROWS}")
    sheet.add_data_validation(validation)


def _help_sheet(sheet) -> None:
    bold = Font(bold=True)
    sheet.append(["列名 Column", "是否必填 Required", "填写说明 Notes", "示例 Example"])
    for cell in sheet[1]:
        cell.font = bold
        cell.fill = _HEADER_FILL
    for column in COLUMNS:
        sheet.append([column.header, "必填" if column.required else "", column.notes,
                      column.example if column.example != "" else None])
    sheet.append([])
    for title, words in (("管理类型 可填写的值", MANAGEMENT_TYPE_WORDS),
                         ("业主委员会 可填写的值", COMMITTEE_WORDS)):
        sheet.append([title, "系统取值", "同样接受的写法"])
        for cell in sheet[sheet.max_row]:
            cell.font = bold
        for member, options in words.items():
            sheet.append([options[0], member.value, "、".join(options[1:])])
        sheet.append([])
    sheet.append(["导入规则"])
    sheet[sheet.max_row][0].font = bold
    for number, rule in enumerate(_RULES, start=1):
        sheet.append([f"{number}. {rule}"])
    for letter, width in zip("ABCD", (22, 16, 70, 22), strict=True):
        sheet.column_dimensions[letter].width = width


def _community_sheet(sheet, regions: Sequence[Region]) -> None:
    by_code = {r.code: r for r in regions}
    sheet.append(["区县", "街道", "社区", "社区代码"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
    for region in sorted(regions, key=lambda r: r.code):
        if region.level != RegionLevel.COMMUNITY:
            continue
        ancestors = {r.level: r.name for code, r in by_code.items() if region.code.startswith(code)}
        sheet.append([ancestors.get(RegionLevel.DISTRICT, ""), ancestors.get(RegionLevel.STREET, ""),
                      region.name, region.code])
    for letter, width in zip("ABCD", (14, 16, 18, 16), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.column_dimensions["D"].number_format = "@"
