"""Checking a standard's rows, every one, before anything is written: one rule per field,
shared by the import and by the page that edits a draft item."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from server.domain.checklist_standard.columns import BY_KEY, COLUMNS, SEVERITY_WORDS, YES_NO, column_key
from server.domain.checklist_standard.workbook import StandardSheet
from server.domain.ledger import cells
from server.domain.ledger.cells import CellError, is_blank, normalise_key
from server.domain.ledger.report import Problem
from server.domain.models import Severity

_SEVERITY = {normalise_key(word): severity for severity, words in SEVERITY_WORDS.items() for word in words}
_YES_NO = {normalise_key(word): value for value, words in YES_NO.items() for word in words}


def _required(parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        result = parse(value)
        if result is None:
            raise CellError("必填，不能为空")
        return result
    return check


# field key → how a cell becomes its value (CellError says why not).
FIELD_RULES: dict[str, Callable[[Any], Any]] = {
    "code": _required(lambda v: cells.text(v, 20)),
    "text": _required(lambda v: cells.text(v, 500)),
    "category": _required(lambda v: cells.text(v, 50)),
    "points": _required(lambda v: cells.integer(v, 1, 100, ("分",))),
    "severity": _required(lambda v: cells.choice(v, _SEVERITY, "一般、较重、严重")),
    "days": _required(lambda v: cells.integer(v, 1, 365, ("天", "日"))),
    "photo": lambda v: True if is_blank(v) else cells.choice(v, _YES_NO, "是、否"),
    "guidance": lambda v: cells.text(v, 2000) or "",
}


@dataclass
class ItemSpec:
    row: int | None
    code: str
    text: str
    category: str
    points: int
    severity: Severity
    days: int
    photo: bool
    guidance: str


@dataclass
class SectionSpec:
    title: str
    items: list[ItemSpec] = field(default_factory=list)


def check_item_fields(raw: Mapping[str, Any],
                      row: int | None = None) -> tuple[ItemSpec | None, dict[str, str]]:
    """The item the cells describe, or the reason for each cell that is wrong (by field key)."""
    values: dict[str, Any] = {}
    reasons: dict[str, str] = {}
    for key, rule in FIELD_RULES.items():
        try:
            values[key] = rule(raw.get(key))
        except CellError as exc:
            reasons[key] = str(exc)
    if reasons:
        return None, reasons
    return ItemSpec(row=row, **values), {}


def validate_standard(sheet: StandardSheet) -> tuple[list[SectionSpec], list[Problem]]:
    """The sections and items of the sheet, or every problem found (then no sections)."""
    positions, problems = _columns(sheet)
    if problems:
        return [], problems
    sections: list[SectionSpec] = []
    by_title: dict[str, SectionSpec] = {}
    first_row_of_code: dict[str, int] = {}
    current: SectionSpec | None = None
    for number, values in sheet.rows:
        raw = {key: values[pos - 1] for key, pos in positions.items()}
        row_problems: list[Problem] = []
        title = None
        try:
            title = cells.text(raw.get("section"), 100)
        except CellError as exc:
            row_problems.append(_problem(str(exc), number, "section", positions, raw))
        if title is None and current is None and not row_problems:
            row_problems.append(_problem("第一个检查项必须写明所属分项", number, "section", positions, raw))
        item, reasons = check_item_fields(raw, number)
        row_problems += [_problem(reason, number, key, positions, raw) for key, reason in reasons.items()]
        if item is not None:
            code_key = normalise_key(item.code)
            if code_key in first_row_of_code:
                row_problems.append(_problem(f"编号与第{first_row_of_code[code_key]}行重复", number, "code",
                                             positions, raw))
            else:
                first_row_of_code[code_key] = number
        problems += row_problems
        if title is not None:
            current = by_title.get(normalise_key(title))
            if current is None:
                current = by_title[normalise_key(title)] = SectionSpec(title)
                sections.append(current)
        if item is not None and current is not None and not row_problems:
            current.items.append(item)
    if problems:
        return [], problems
    return sections, []


def _columns(sheet: StandardSheet) -> tuple[dict[str, int], list[Problem]]:
    positions: dict[str, int] = {}
    problems: list[Problem] = []
    for position, header in enumerate(sheet.headers, start=1):
        if not header:
            continue
        key = column_key(header)
        if key is None:
            problems.append(Problem("不认识的列名，请使用模板中的列名", sheet.header_row, header, position))
        elif key in positions:
            problems.append(Problem(f"与第{positions[key]}列重复", sheet.header_row, header, position))
        else:
            positions[key] = position
    for column in COLUMNS:
        if column.required and column.key not in positions:
            problems.append(Problem(f"缺少必填列“{column.header}”", sheet.header_row, column.header))
    return positions, problems


def _problem(reason: str, row: int, key: str, positions: dict[str, int], raw: Mapping[str, Any]) -> Problem:
    value = raw.get(key)
    shown = None if is_blank(value) else str(value)[:60]
    return Problem(reason, row, BY_KEY[key].header, positions.get(key), shown)
