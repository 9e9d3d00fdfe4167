"""Checking every row of a ledger against the rules and the office's data, before any write.

The outcome is a plan: for each row the estate to create or update, for each credit code the
company to create or update, and the exact field changes. Applying the plan is then mechanical,
and a dry run can say what an import would do without doing it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from openpyxl.utils import get_column_letter

from server.domain.ledger import cells
from server.domain.ledger.cells import CellError, normalise_key
from server.domain.ledger.columns import (
    COMMITTEE_INDEX,
    MANAGEMENT_TYPE_INDEX,
    REQUIRED,
    SILENTLY_IGNORED,
    header_key,
)
from server.domain.ledger.reader import LedgerTable
from server.domain.ledger.report import LedgerReport, Problem
from server.domain.models import Company, Estate, ManagementType, Office, Region, RegionLevel
from server.domain.progress import ProgressFn, no_progress
from server.extensions import db

# Mainland China, islands included, with a little margin.
LATITUDE_RANGE = (3.5, 53.6)
LONGITUDE_RANGE = (73.4, 135.1)
LEVEL_LABELS = {RegionLevel.CITY: "市", RegionLevel.DISTRICT: "区县", RegionLevel.STREET: "街道",
                RegionLevel.COMMUNITY: "社区"}
# Fields of an estate a ledger row sets; a blank cell leaves the stored value alone.
ESTATE_FIELDS = ("name", "address", "management_type", "households", "floor_area", "buildings",
                 "committee_status", "built_year", "latitude", "longitude")
COMPANY_FIELDS = ("name", "filed_at", "contact_person", "phone")
_IN_CHUNK = 500


@dataclass
class CompanyPlan:
    credit_code: str
    first_row: int
    existing: Company | None
    values: dict[str, Any] = field(default_factory=dict)
    changes: dict[str, Any] = field(default_factory=dict)


@dataclass
class EstatePlan:
    row: int
    community: Region
    existing: Estate | None
    values: dict[str, Any]
    # None: the row names no company (the estate has none); a code: link to that company.
    company_code: str | None
    changes: dict[str, Any] = field(default_factory=dict)


@dataclass
class LedgerPlan:
    office: Office
    report: LedgerReport
    companies: dict[str, CompanyPlan] = field(default_factory=dict)
    estates: list[EstatePlan] = field(default_factory=list)


def _parsers(today: date) -> dict[str, Callable[[Any], Any]]:
    return {
        "estate_name": lambda v: cells.text(v, 100),
        "street": lambda v: cells.text(v, 100),
        "community": lambda v: cells.text(v, 100),
        "address": lambda v: cells.text(v, 200),
        "management_type": lambda v: cells.choice(
            v, MANAGEMENT_TYPE_INDEX, "专业物业服务、单位后勤自管、业主自管、兜底"),
        "company_name": lambda v: cells.text(v, 200),
        "credit_code": cells.credit_code,
        "filed_at": lambda v: cells.date_value(v, today),
        "contact_person": lambda v: cells.text(v, 50),
        "phone": lambda v: cells.phone(v, 30),
        "households": lambda v: cells.integer(v, 0, 100_000, units=("户",)),
        "floor_area": lambda v: cells.decimal(v, Decimal(0), Decimal(50_000_000), 2,
                                              units=("m2", "平方米", "平米")),
        "buildings": lambda v: cells.integer(v, 0, 2_000, units=("栋", "幢")),
        "committee_status": lambda v: cells.choice(v, COMMITTEE_INDEX, "已成立、临时管委会、未成立"),
        "built_year": lambda v: cells.year(v, today),
        "latitude": lambda v: cells.real(v, *LATITUDE_RANGE, "中国境内"),
        "longitude": lambda v: cells.real(v, *LONGITUDE_RANGE, "中国境内"),
    }


class _Row:
    """One data row while it is being checked: parsed values and the problems found."""

    def __init__(self, number: int, raw: list[Any], checker: _Checker) -> None:
        self.number = number
        self.raw = raw
        self.checker = checker
        self.values: dict[str, Any] = {}
        self.failed: set[str] = set()

    def cell(self, key: str) -> Any:
        position = self.checker.positions.get(key)
        return None if position is None else self.raw[position]

    def error(self, key: str, reason: str) -> None:
        self.failed.add(key)
        self.checker.error(self.number, key, reason, self.cell(key))

    def ok(self, key: str) -> bool:
        return key not in self.failed


class _Checker:
    def __init__(self, table: LedgerTable, office: Office, today: date) -> None:
        self.table = table
        self.office = office
        self.report = LedgerReport(source=table.source, kind=table.kind, sheet=table.sheet,
                                   encoding=table.encoding, header_row=table.header_row,
                                   rows=len(table.rows))
        self.plan = LedgerPlan(office=office, report=self.report)
        self.parsers = _parsers(today)
        self.positions: dict[str, int] = {}

    def error(self, row: int, key: str, reason: str, value: Any = None) -> None:
        position = self.positions.get(key)
        header = self.table.headers[position] if position is not None else None
        shown = None if cells.is_blank(value) else str(value).strip()[:60]
        self.report.errors.append(Problem(reason=reason, row=row, column=header,
                                          position=position + 1 if position is not None else None,
                                          value=shown))

    # Header ------------------------------------------------------------------------------------

    def map_headers(self) -> bool:
        row = self.table.header_row
        for index, header in enumerate(self.table.headers):
            if not header:
                continue
            key = header_key(header)
            if key is None:
                if normalise_key(header) not in SILENTLY_IGNORED:
                    self.report.warnings.append(Problem("未识别的列，已忽略", row=row, column=header,
                                                        position=index + 1))
                continue
            if key in self.positions:
                first = self.positions[key]
                self.report.errors.append(Problem(
                    f"与{get_column_letter(first + 1)}列“{self.table.headers[first]}”重复",
                    row=row, column=header, position=index + 1))
                continue
            self.positions[key] = index
        for column in REQUIRED:
            if column.key not in self.positions:
                self.report.errors.append(Problem("缺少必填列", row=row, column=column.header))
        return self.report.ok

    # Rows --------------------------------------------------------------------------------------

    def parse_row(self, number: int, raw: list[Any]) -> _Row:
        row = _Row(number, raw, self)
        keys = list(self.positions)
        if _swapped(row.cell("latitude"), row.cell("longitude")):
            row.error("latitude", "纬度与经度可能填反了")
            row.failed.add("longitude")
            keys = [k for k in keys if k not in ("latitude", "longitude")]
        for key in keys:
            try:
                value = self.parsers[key](raw[self.positions[key]])
            except CellError as exc:
                row.error(key, str(exc))
                continue
            if value is not None:
                row.values[key] = value
        self._check_required(row)
        self._check_coordinates(row)
        self._check_company_fields(row)
        return row

    def _check_required(self, row: _Row) -> None:
        for column in ("estate_name", "community", "management_type"):
            if row.ok(column) and column not in row.values:
                row.error(column, "不能为空")

    def _check_coordinates(self, row: _Row) -> None:
        has_lat, has_lon = "latitude" in row.values, "longitude" in row.values
        if has_lat and not has_lon and row.ok("longitude"):
            row.error("longitude", "须与纬度同时填写")
        if has_lon and not has_lat and row.ok("latitude"):
            row.error("latitude", "须与经度同时填写")

    def _check_company_fields(self, row: _Row) -> None:
        has_name, has_code = "company_name" in row.values, "credit_code" in row.values
        if row.values.get("management_type") == ManagementType.PROFESSIONAL and not has_name \
                and row.ok("company_name"):
            row.error("company_name", "专业物业服务的小区须填写物业服务企业")
        elif has_name and not has_code and row.ok("credit_code"):
            row.error("credit_code", "填写了物业服务企业时必填")
        if has_code and not has_name and row.ok("company_name"):
            row.error("company_name", "填写了统一社会信用代码时必填")


def _swapped(lat_raw: Any, lon_raw: Any) -> bool:
    """Both values fit only the other's range (the ranges do not overlap)."""
    if cells.is_blank(lat_raw) or cells.is_blank(lon_raw):
        return False
    try:
        cells.real(lat_raw, *LONGITUDE_RANGE, "")
        cells.real(lon_raw, *LATITUDE_RANGE, "")
    except CellError:
        return False
    return True


class _Communities:
    """The office's region tree, for finding a row's community by name or by code."""

    def __init__(self, office: Office) -> None:
        regions = db.session.scalars(
            sa.select(Region).where(Region.office_id == office.id, Region.deleted_at.is_(None))
        ).all()
        self.by_code = {r.code: r for r in regions}
        self.by_key: dict[tuple[RegionLevel, str], list[Region]] = {}
        for region in regions:
            self.by_key.setdefault((region.level, normalise_key(region.name)), []).append(region)
        self.other_levels = {normalise_key(r.name): r for r in regions if r.level != RegionLevel.COMMUNITY}
        self._cache: dict[tuple[str, str | None], tuple[Region | None, str | None, str | None]] = {}

    def find(self, community: str, street: str | None) -> tuple[Region | None, str | None, str | None]:
        """(community, None, None) or (None, column key at fault, reason)."""
        key = (community, street)
        if key not in self._cache:
            self._cache[key] = self._find(community, street)
        return self._cache[key]

    def _find(self, community: str, street: str | None):
        streets = None
        if street is not None:
            streets = ([self.by_code[street]] if street in self.by_code
                       else self.by_key.get((RegionLevel.STREET, normalise_key(street)), []))
            if not streets:
                return None, "street", "在本单位辖区内找不到该街道"
        by_code = self.by_code.get(community)
        if by_code is not None:
            candidates = [by_code]
            if by_code.level != RegionLevel.COMMUNITY:
                return None, "community", f"这是{LEVEL_LABELS[by_code.level]}的代码，不是社区"
        else:
            candidates = self.by_key.get((RegionLevel.COMMUNITY, normalise_key(community)), [])
        if streets is not None:
            inside = [c for c in candidates if any(s.contains(c) for s in streets)]
            if candidates and not inside:
                return None, "community", f"该社区不在街道“{street}”下"
            candidates = inside
        if not candidates:
            other = self.other_levels.get(normalise_key(community))
            if other is not None:
                return None, "community", f"这是{LEVEL_LABELS[other.level]}，不是社区"
            return None, "community", "在本单位辖区内找不到该社区"
        if len(candidates) > 1:
            parents = "、".join(sorted(self._parent_name(c) for c in candidates))
            reason = f"辖区内有{len(candidates)}个同名社区（{parents}），请填写所属街道或社区代码"
            return None, "community", reason
        return candidates[0], None, None

    def _parent_name(self, region: Region) -> str:
        parent = next((self.by_code[region.code[:n]] for n in range(len(region.code) - 1, 0, -1)
                       if region.code[:n] in self.by_code), None)
        return parent.name if parent else region.code


STAGE_CHECK = "校验 (checking rows)"
PROGRESS_STEP = 200


def validate_ledger(table: LedgerTable, office: Office, today: date | None = None,
                    progress: ProgressFn = no_progress) -> LedgerPlan:
    """Check the whole table; the plan's report lists every problem, the plan what to write."""
    checker = _Checker(table, office, today or date.today())
    if not checker.map_headers():
        return checker.plan
    rows = []
    for number, raw in table.rows:
        rows.append(checker.parse_row(number, raw))
        if len(rows) % PROGRESS_STEP == 0:
            progress(STAGE_CHECK, len(rows), len(table.rows))
    progress(STAGE_CHECK, len(rows), len(table.rows))
    communities = _Communities(office)
    _place_estates(checker, rows, communities)
    _gather_companies(checker, rows)
    _check_companies_against_database(checker)
    if checker.report.ok:
        _plan_changes(checker.plan)
    return checker.plan


def _place_estates(checker: _Checker, rows: list[_Row], communities: _Communities) -> None:
    existing: dict[tuple[Any, str], list[Estate]] = {}
    for estate in db.session.scalars(sa.select(Estate).where(Estate.office_id == checker.office.id)):
        existing.setdefault((estate.region_id, normalise_key(estate.name)), []).append(estate)
    seen: dict[tuple[Any, str], int] = {}
    for row in rows:
        if not (row.ok("street") and "community" in row.values):
            continue
        community, column, reason = communities.find(row.values["community"], row.values.get("street"))
        if community is None:
            row.error(column, reason)
            continue
        if "estate_name" not in row.values:
            continue
        key = (community.id, normalise_key(row.values["estate_name"]))
        if key in seen:
            row.error("estate_name", f"与第{seen[key]}行重复（同一社区内小区名称相同）")
            continue
        seen[key] = row.number
        if not row.failed:
            values = {name: row.values[src] for name, src in _ESTATE_SOURCES if src in row.values}
            values["region_code"] = community.code
            # Two stored names may fold to one key; the exact spelling wins.
            stored = sorted(existing.get(key, []), key=lambda e: e.name != values["name"])
            checker.plan.estates.append(EstatePlan(
                row=row.number, community=community, existing=stored[0] if stored else None, values=values,
                company_code=row.values.get("credit_code")))


_ESTATE_SOURCES = (("name", "estate_name"),) + tuple((f, f) for f in ESTATE_FIELDS if f != "name")


def _gather_companies(checker: _Checker, rows: list[_Row]) -> None:
    """One company per credit code; names, codes and filing dates must agree across rows."""
    by_name: dict[str, tuple[int, str]] = {}
    names_of_code: dict[str, tuple[int, str]] = {}
    filed_rows: dict[str, int] = {}
    for row in rows:
        name, code = row.values.get("company_name"), row.values.get("credit_code")
        if name is None or code is None or not (row.ok("company_name") and row.ok("credit_code")):
            continue
        name_key = normalise_key(name)
        if code in names_of_code and normalise_key(names_of_code[code][1]) != name_key:
            first_row, first_name = names_of_code[code]
            row.error("company_name", f"该信用代码在第{first_row}行对应“{first_name}”，企业名称前后不一致")
            continue
        if name_key in by_name and by_name[name_key][1] != code:
            first_row, first_code = by_name[name_key]
            row.error("credit_code", f"该企业在第{first_row}行的信用代码为{first_code}，前后不一致")
            continue
        names_of_code.setdefault(code, (row.number, name))
        by_name.setdefault(name_key, (row.number, code))
        plan = checker.plan.companies.get(code)
        if plan is None:
            plan = checker.plan.companies[code] = CompanyPlan(credit_code=code, first_row=row.number,
                                                              existing=None, values={"name": name})
        filed_at = row.values.get("filed_at")
        if filed_at is not None:
            known = plan.values.setdefault("filed_at", filed_at)
            filed_rows.setdefault(code, row.number)
            if known != filed_at:
                row.error("filed_at",
                          f"同一企业在第{filed_rows[code]}行的备案日期为{known:%Y-%m-%d}，前后不一致")
        # Contacts differ by project in practice; the company keeps the first one given.
        for key in ("contact_person", "phone"):
            if key in row.values:
                plan.values.setdefault(key, row.values[key])


def _check_companies_against_database(checker: _Checker) -> None:
    plans = checker.plan.companies
    codes = list(plans)
    for start in range(0, len(codes), _IN_CHUNK):
        chunk = codes[start:start + _IN_CHUNK]
        for company in db.session.scalars(sa.select(Company).where(Company.credit_code.in_(chunk))):
            plans[company.credit_code].existing = company
    office_names: dict[str, Company] = {}
    for company in db.session.scalars(sa.select(Company).where(Company.office_id == checker.office.id,
                                                                Company.deleted_at.is_(None))):
        office_names.setdefault(normalise_key(company.name), company)
    for code, plan in plans.items():
        if plan.existing is not None and plan.existing.office_id != checker.office.id:
            checker.error(plan.first_row, "credit_code",
                          "该信用代码的企业已登记在其他监管单位，不能导入到本单位", code)
            continue
        namesake = office_names.get(normalise_key(plan.values["name"]))
        if namesake is not None and namesake.credit_code != code:
            checker.error(plan.first_row, "credit_code",
                          f"系统中已有同名企业，其信用代码为{namesake.credit_code}", code)


def _plan_changes(plan: LedgerPlan) -> None:
    report = plan.report
    for company in plan.companies.values():
        if company.existing is None:
            report.companies.created += 1
            continue
        company.changes = _differences(company.existing, company.values)
        if company.existing.deleted_at is not None:
            company.changes["deleted_at"] = None
        if company.changes:
            report.companies.updated += 1
        else:
            report.companies.unchanged += 1
    for estate in plan.estates:
        if estate.existing is None:
            report.estates.created += 1
            continue
        estate.changes = _differences(estate.existing, estate.values)
        if estate.existing.deleted_at is not None:
            estate.changes["deleted_at"] = None
        target = plan.companies.get(estate.company_code) if estate.company_code else None
        target_id = target.existing.id if target is not None and target.existing is not None else None
        if estate.existing.company_id != target_id or (target is not None and target.existing is None):
            estate.changes["company"] = estate.company_code
        if estate.changes:
            report.estates.updated += 1
        else:
            report.estates.unchanged += 1


def _differences(obj: Any, values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if getattr(obj, key) != value}

