"""What an import found and did, readable by an operator and serialisable for the API."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils import get_column_letter


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth knowing) at a place in the file.

    `row` is the row number the spreadsheet shows (the header is usually row 1); `column` is
    the header text as written in the file; `position` the 1-based column position.
    """

    reason: str
    row: int | None = None
    column: str | None = None
    position: int | None = None
    value: str | None = None

    @property
    def cell(self) -> str | None:
        if self.row is None or self.position is None:
            return None
        return f"{get_column_letter(self.position)}{self.row}"

    def sort_key(self) -> tuple[int, int]:
        return (self.row or 0, self.position or 0)

    def line(self) -> str:
        """`第12行 户数(K12) “-5”：不能小于0`."""
        parts = []
        if self.row is not None:
            parts.append(f"第{self.row}行")
        if self.column is not None:
            parts.append(f"{self.column}({self.cell})" if self.cell else self.column)
        where = " ".join(parts)
        shown = f" “{self.value}”" if self.value not in (None, "") else ""
        return f"{where}{shown}：{self.reason}" if where else self.reason

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "cell": self.cell, "value": self.value,
                "reason": self.reason}


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def to_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}

    def summary(self) -> str:
        return f"新增{self.created}，更新{self.updated}，未变{self.unchanged}"


@dataclass
class LedgerReport:
    """The outcome of reading, checking and (when all is well) writing one ledger file."""

    source: str
    kind: str = ""
    sheet: str | None = None
    encoding: str | None = None
    header_row: int | None = None
    rows: int = 0
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    estates: Counts = field(default_factory=Counts)
    companies: Counts = field(default_factory=Counts)
    dry_run: bool = False
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def sorted_errors(self) -> list[Problem]:
        return sorted(self.errors, key=Problem.sort_key)

    @property
    def bad_rows(self) -> int:
        return len({p.row for p in self.errors if p.row is not None})

    def where(self) -> str:
        """`台账.xlsx，工作表“小区台账”，数据500行`."""
        parts = [self.source]
        if self.sheet:
            parts.append(f"工作表“{self.sheet}”")
        if self.encoding:
            parts.append(f"编码{self.encoding}")
        parts.append(f"数据{self.rows}行")
        return "，".join(parts)

    def summary(self) -> str:
        if not self.ok:
            return (f"台账有{len(self.errors)}处错误（涉及{self.bad_rows}行），未写入任何数据 "
                    f"({len(self.errors)} problems, nothing written)")
        counts = f"小区：{self.estates.summary()}；物业服务企业：{self.companies.summary()}"
        if self.applied:
            return f"导入完成 (imported) — {counts}"
        return f"校验通过，试运行未写入 (dry run, nothing written) — 将{counts}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "dry_run": self.dry_run,
            "applied": self.applied,
            "source": self.source,
            "kind": self.kind,
            "sheet": self.sheet,
            "encoding": self.encoding,
            "header_row": self.header_row,
            "rows": self.rows,
            "estates": self.estates.to_dict(),
            "companies": self.companies.to_dict(),
            "errors": [p.to_dict() for p in self.sorted_errors()],
            "warnings": [p.to_dict() for p in self.warnings],
        }
