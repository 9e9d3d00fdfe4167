"""Importing a 12345 hotline export (.xlsx or .csv): every bad row reported with its row, column
and reason, and nothing written unless every row is valid. Columns: docs/complaints.md.

Workbooks are opened within server/domain/xlsx_limits.py's bounds and text files decoded by the
ledger's rule (UTF-8, UTF-16, else GB18030), so one set of rules guards every upload."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import IO

import sqlalchemy as sa

from server.domain.complaints.handling import check_complaint_fields, record_complaint

# The ledger's reader decides a text file's encoding; its header search looks for ledger columns,
# so the table itself is found here.
from server.domain.ledger.reader import MAX_BYTES, LedgerFileError, _decode
from server.domain.models import Complaint, ComplaintChannel, Estate, Region, User
from server.domain.rectification.access import can_see_estate
from server.domain.rectification.deadlines import CHINA, office_calendar
from server.domain.xlsx_limits import XlsxLimits, XlsxTooLarge, bounded_rows, open_bounded_workbook
from server.extensions import db

# (key, header in the template, other names hotline systems use)
COLUMNS = (
    ("reference", "工单编号", ("工单号", "编号", "受理编号", "reference")),
    ("received_at", "受理时间", ("来电时间", "登记时间", "received")),
    ("estate_name", "小区名称", ("小区", "涉及小区", "estate")),
    ("community", "所属社区", ("社区", "community")),
    ("text", "诉求内容", ("来电内容", "反映内容", "投诉内容", "内容", "text")),
    ("complainant_name", "来电人", ("姓名", "来电人姓名", "诉求人", "name")),
    ("complainant_phone", "联系电话", ("电话", "来电号码", "phone")),
)
_HEADER = {key: header for key, header, _aliases in COLUMNS}
REQUIRED = ("reference", "received_at", "estate_name", "text")
HEADERS = [header for _key, header, _aliases in COLUMNS]
_NAMES = {re.sub(r"\s+", "", name).lower().strip("*"): key
          for key, header, aliases in COLUMNS for name in (header, *aliases)}
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
                 "%Y-%m-%d", "%Y/%m/%d")


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str
    reason: str


@dataclass
class ImportResult:
    problems: list[RowProblem] = field(default_factory=list)
    imported: list[Complaint] = field(default_factory=list)
    file_error: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems and not self.file_error


def _moment(value: object) -> datetime | None:
    """A local (China) time as stored naive UTC."""
    if isinstance(value, datetime):
        local = value
    elif isinstance(value, date):
        local = datetime.combine(value, time(9, 0))
    else:
        text = str(value or "").strip()
        for fmt in _TIME_FORMATS:
            try:
                local = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        else:
            return None
    return local.replace(tzinfo=CHINA).astimezone(UTC).replace(tzinfo=None)


MAX_ROWS = 20_000
LIMITS = XlsxLimits(max_rows=MAX_ROWS + 20, max_cols=60)
HEADER_SEARCH_ROWS = 10


def _key(header: object) -> str | None:
    return _NAMES.get(re.sub(r"\s+", "", str(header or "")).lower().strip("*"))


def _read_table(source: bytes | IO[bytes], filename: str | None) -> tuple[list[str], list[tuple[int, list]]]:
    """The header row (the first of the top rows naming two of our columns) and the rows below."""
    data = source if isinstance(source, bytes) else source.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise LedgerFileError(f"文件超过{MAX_BYTES // 1024 // 1024}MB (file too large)")
    if not data.strip():
        raise LedgerFileError("文件是空的 (the file is empty)")
    if data.startswith(b"PK\x03\x04"):
        try:
            workbook = open_bounded_workbook(data, LIMITS)
            lines = [list(r) for r in bounded_rows(workbook.worksheets[0], LIMITS)]
            workbook.close()
        except XlsxTooLarge:
            raise
        except Exception:  # zip, XML and openpyxl errors all mean the same to the user
            raise LedgerFileError("Excel文件已损坏或不是有效的.xlsx (corrupt .xlsx)") from None
    elif (filename or "").lower().endswith((".xls", ".xlsx")):
        raise LedgerFileError("请另存为.xlsx或.csv后再导入 (save as .xlsx or .csv)")
    else:
        text, _encoding = _decode(data)
        first = next((line for line in text.splitlines() if line.strip()), "")
        try:
            lines = list(csv.reader(io.StringIO(text, newline=""), delimiter=max("\t,;", key=first.count)))
        except csv.Error as exc:
            raise LedgerFileError(f"CSV格式错误：{exc} (malformed CSV)") from None
    for index, cells in enumerate(lines[:HEADER_SEARCH_ROWS]):
        if sum(1 for c in cells if _key(c)) >= 2:
            headers = [str(c or "").strip() for c in cells]
            rows = [(index + 2 + n, cells) for n, cells in enumerate(lines[index + 1:])
                    if any(_text(c) for c in cells)]
            if not rows:
                raise LedgerFileError("表头下面没有任何数据 (no rows below the header)")
            if len(rows) > MAX_ROWS:
                raise LedgerFileError(f"超过{MAX_ROWS}行，请拆分后导入 (more than {MAX_ROWS} rows)")
            return headers, rows
    raise LedgerFileError(f"找不到表头：应有“{'”“'.join(HEADERS[:5])}”等列 (no header row found)")


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # phone numbers and ticket numbers typed as numbers in Excel
    return str(value).strip()


def import_hotline(actor: User, source: bytes | IO[bytes], filename: str | None = None) -> ImportResult:
    """Check every row; only if all are valid, record them all (the caller commits)."""
    result = ImportResult()
    try:
        headers, rows = _read_table(source, filename)
    except (LedgerFileError, XlsxTooLarge) as exc:
        result.file_error = str(exc)
        return result
    keys = [_key(h) for h in headers]
    missing = [header for key, header, _a in COLUMNS if key in REQUIRED and key not in keys]
    if missing:
        result.file_error = f"缺少必填列：{'、'.join(missing)} (missing columns)"
        return result
    header_of = dict(zip(keys, headers, strict=True))
    estates = _estates_by_name(actor)
    seen: dict[str, int] = {}
    existing = set(db.session.scalars(sa.select(Complaint.reference).where(
        Complaint.office_id == actor.office_id, Complaint.channel == ComplaintChannel.HOTLINE_12345)))
    valid = []
    for number, cells in rows:
        row = {key: cells[i] if i < len(cells) else None for i, key in enumerate(keys) if key}
        problems = _check_row(number, row, header_of, estates, seen, existing, actor)
        result.problems += problems
        if not problems:
            valid.append(row)
    if result.problems:
        return result
    calendar = office_calendar(actor.office_id)
    for row in valid:
        result.imported.append(record_complaint(
            actor, row["estate"], ComplaintChannel.HOTLINE_12345.value, _text(row.get("text")),
            row["moment"], _text(row.get("complainant_name")), _text(row.get("complainant_phone")),
            _text(row.get("reference")), calendar))
    return result


def _check_row(number: int, row: dict, header_of: dict, estates: dict, seen: dict, existing: set,
               actor: User) -> list[RowProblem]:
    out = []

    def problem(key: str, reason: str) -> None:
        out.append(RowProblem(number, header_of.get(key) or _HEADER[key], reason))

    for key in REQUIRED:
        if not _text(row.get(key)):
            problem(key, "必填 (required)")
    reference = _text(row.get("reference"))
    if reference:
        if reference in existing:
            problem("reference", "该工单已导入过 (already imported)")
        elif reference in seen:
            problem("reference", f"与第{seen[reference]}行重复 (repeats row {seen[reference]})")
        seen.setdefault(reference, number)
    if _text(row.get("received_at")):
        row["moment"] = _moment(row["received_at"])
        if row["moment"] is None:
            problem("received_at", "时间格式应为 2026-11-03 09:30 (malformed time)")
    name = _text(row.get("estate_name"))
    if name:
        matches = estates.get(name, [])
        community = _text(row.get("community"))
        if community:
            matches = [e for e in matches if e.region.name == community]
        if not matches:
            problem("estate_name", f"找不到小区“{name}” (no such estate in your area)")
        elif len(matches) > 1:
            problem("estate_name", f"有多个小区叫“{name}”，请填写所属社区 (ambiguous: add the community)")
        else:
            row["estate"] = matches[0]
    fields = {"text": _text(row.get("text")), "name": _text(row.get("complainant_name")),
              "phone": _text(row.get("complainant_phone")), "reference": reference}
    for message in check_complaint_fields(ComplaintChannel.HOTLINE_12345.value, **fields):
        if "内容" in message and not fields["text"]:
            continue  # already told: required
        key = ("complainant_phone" if "电话" in message else "complainant_name" if "姓名" in message
               else "reference" if "编号" in message else "text")
        problem(key, message)
    return out


def _estates_by_name(actor: User) -> dict[str, list[Estate]]:
    rows = db.session.scalars(sa.select(Estate).join(Region, Region.id == Estate.region_id)
                              .where(Estate.office_id == actor.office_id, Estate.deleted_at.is_(None)))
    out: dict[str, list[Estate]] = {}
    for estate in rows:
        if can_see_estate(actor, estate):
            out.setdefault(estate.name, []).append(estate)
    return out


def template_rows() -> list[list[str]]:
    """The header and one example row of the import template."""
    return [HEADERS, ["12345-20261103-0001", "2026-11-03 09:30", "阳光花园", "",
                      "3栋楼道堆满杂物，多次反映无人清理", "张先生", "13900000000"]]

