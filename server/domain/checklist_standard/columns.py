"""The columns of a checklist standard workbook (检查标准), the words they accept, and notes."""

from __future__ import annotations

from dataclasses import dataclass

from server.domain.ledger.cells import normalise_key
from server.domain.models import Severity


@dataclass(frozen=True)
class StandardColumn:
    key: str
    header: str
    aliases: tuple[str, ...]
    required: bool
    notes: str
    example: object
    width: int = 14


COLUMNS: tuple[StandardColumn, ...] = (
    StandardColumn("section", "检查分项", ("分项", "部分", "section"), True,
                   "所属分项（大类），如“消防安全”；与上一行相同时可留空（合并单元格也可以）",
                   "消防安全", 16),
    StandardColumn("code", "编号", ("检查项编号", "序号", "code"), True,
                   "检查项编号，整个标准内不能重复，最多20个字符", "3.1", 8),
    StandardColumn("text", "检查内容", ("检查项目", "检查标准", "text", "item"), True,
                   "检查什么、达到什么标准，最多500字", "消防车通道畅通，无占用、堵塞", 44),
    StandardColumn("category", "问题类别", ("类别", "category"), True,
                   "不合格时记录的问题类别，最多50字，如“消防通道占用”", "消防通道占用", 16),
    StandardColumn("points", "分值", ("分数", "points"), True, "整数，1到100", 3, 8),
    StandardColumn("severity", "默认严重程度", ("严重程度", "severity"), True,
                   "一般、较重或严重（也可写 minor、major、severe）", "严重", 12),
    StandardColumn("days", "整改天数", ("整改期限", "整改期限（天）", "rectification days", "days"), True,
                   "整数，1到365天", 1, 10),
    StandardColumn("photo", "不合格须拍照", ("须拍照", "需拍照", "photo required"), False,
                   "是或否；留空表示“是”", "是", 12),
    StandardColumn("guidance", "检查指引", ("检查方法", "指引", "guidance"), False,
                   "告诉检查员现场怎样检查，最多2000字，可留空", "沿消防车道走一遍，查看有无车辆停放", 40),
)
BY_KEY = {column.key: column for column in COLUMNS}
_BY_WORD = {normalise_key(word): column.key
            for column in COLUMNS for word in (column.header, *column.aliases)}

SEVERITY_WORDS: dict[Severity, tuple[str, ...]] = {
    Severity.MINOR: ("一般", "轻微", "minor"),
    Severity.MAJOR: ("较重", "较严重", "major"),
    Severity.SEVERE: ("严重", "severe"),
}
SEVERITY_LABELS = {severity: words[0] for severity, words in SEVERITY_WORDS.items()}
YES_NO: dict[bool, tuple[str, ...]] = {
    True: ("是", "需要", "要", "必须", "yes", "y", "true", "1", "√"),
    False: ("否", "不需要", "不要", "no", "n", "false", "0", "×"),
}


def column_key(header: object) -> str | None:
    """The column a header names (by its header text or a synonym), or None."""
    if header is None:
        return None
    return _BY_WORD.get(normalise_key(str(header)))
