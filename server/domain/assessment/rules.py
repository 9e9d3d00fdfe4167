"""考核细则 The office's scoring rules: their file format, checks, versions and which one applies.

Rules are data (a JSON document, docs/assessment.md), never code: an office edits a draft, then
publishes it as a numbered version with the first date it applies from. Published versions are
frozen, so a past period is always scored with the rules in force then.
"""

from __future__ import annotations

import copy
import json
import uuid
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.domain.models import AssessmentRun, RuleSet, User
from server.domain.models.base import utcnow
from server.domain.periods import Period

RULES_FORMAT = "xuncha.assessment-rules"
SEVERITIES = ("minor", "major", "severe")
ESCALATION_KINDS = ("urge", "interview", "penalty")
INSPECTION_KINDS = ("routine", "special", "random", "complaint", "revisit")

# The starting point of a new office's first draft; the office changes every figure before it
# publishes. Nothing is scored with it unless it is published.
TEMPLATE_RULES: dict[str, Any] = {
    "format": RULES_FORMAT,
    "format_version": 1,
    "estate": {
        "inspection_kinds": ["routine", "special", "random"],
        "min_inspections": 1,
        "finding_points": {"minor": 1, "major": 3, "severe": 5},
        "overdue_day_points": 0.5,
        "overdue_points_cap": 20,
        "floor": 0,
    },
    "company": {"weighting": "equal"},
    "credit": {
        "base": 100,
        "finding_points": {"minor": 0.5, "major": 2, "severe": 5},
        "overdue_day_points": 0.2,
        "escalation_points": {"urge": 2, "interview": 5, "penalty": 10},
        "penalty_points": 10,
        "commendation_points": 5,
        "floor": 0,
        "ceiling": 120,
    },
    "grades": [
        {"grade": "AAA", "min": 95},
        {"grade": "AA", "min": 90},
        {"grade": "A", "min": 80},
        {"grade": "B", "min": 70},
        {"grade": "C", "min": 0},
    ],
    "lists": {"n": 10, "red_min_score": 90, "black_below_score": 80},
    "stars": [
        {"stars": 5, "min_score": 95, "no_open_severe": True, "max_overdue_days": 0},
        {"stars": 4, "min_score": 90, "no_open_severe": True},
        {"stars": 3, "min_score": 80},
        {"stars": 2, "min_score": 70},
        {"stars": 1, "min_score": 0},
    ],
}


class RulesError(ValueError):
    """Rules that cannot be used; the message (zh / en) says which field and why."""


def template_rules() -> dict[str, Any]:
    return copy.deepcopy(TEMPLATE_RULES)


# -- checking --------------------------------------------------------------------------------

def _number(value: Any, where: str, minimum: Decimal | None = Decimal(0)) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise RulesError(f"{where} 应为数字 / {where} must be a number")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise RulesError(f"{where} 应为数字 / {where} must be a number") from None
    if not number.is_finite() or (minimum is not None and number < minimum):
        raise RulesError(f"{where} 不能小于 {minimum} / {where} must be at least {minimum}")
    return number


def _section(rules: dict, name: str) -> dict:
    section = rules.get(name)
    if not isinstance(section, dict):
        raise RulesError(f"缺少 {name} 部分 / the {name} section is missing")
    return section


def _points_by(section: dict, field: str, keys: tuple[str, ...], where: str) -> None:
    table = section.get(field)
    if not isinstance(table, dict):
        raise RulesError(f"缺少 {where}.{field} / {where}.{field} is missing")
    for key in keys:
        _number(table.get(key), f"{where}.{field}.{key}")
    unknown = set(table) - set(keys)
    if unknown:
        raise RulesError(f"{where}.{field} 含未知项 {sorted(unknown)} / unknown keys {sorted(unknown)}")


def check_rules(rules: Any) -> dict[str, Any]:
    """The rules if they can be used, else RulesError naming the first wrong field."""
    if not isinstance(rules, dict):
        raise RulesError("规则应为 JSON 对象 / the rules must be a JSON object")
    if rules.get("format") != RULES_FORMAT or rules.get("format_version") != 1:
        raise RulesError(f"不是考核细则文件（format 应为 {RULES_FORMAT}，format_version 为 1）"
                         f" / not a rules file (format {RULES_FORMAT}, format_version 1)")
    estate = _section(rules, "estate")
    kinds = estate.get("inspection_kinds")
    if not isinstance(kinds, list) or not kinds or not set(kinds) <= set(INSPECTION_KINDS):
        raise RulesError(f"estate.inspection_kinds 应为 {list(INSPECTION_KINDS)} 中的若干项"
                         f" / estate.inspection_kinds must list some of {list(INSPECTION_KINDS)}")
    if _number(estate.get("min_inspections"), "estate.min_inspections") < 1:
        raise RulesError("estate.min_inspections 至少为 1 / estate.min_inspections must be at least 1")
    _points_by(estate, "finding_points", SEVERITIES, "estate")
    for field in ("overdue_day_points", "overdue_points_cap", "floor"):
        _number(estate.get(field), f"estate.{field}")
    if _section(rules, "company").get("weighting") not in ("equal", "households"):
        raise RulesError("company.weighting 应为 equal 或 households / must be equal or households")
    credit = _section(rules, "credit")
    _points_by(credit, "finding_points", SEVERITIES, "credit")
    _points_by(credit, "escalation_points", ESCALATION_KINDS, "credit")
    for field in ("base", "overdue_day_points", "penalty_points", "commendation_points", "floor", "ceiling"):
        _number(credit.get(field), f"credit.{field}")
    if _number(credit["floor"], "credit.floor") > _number(credit["ceiling"], "credit.ceiling"):
        raise RulesError("credit.floor 不能大于 credit.ceiling / credit.floor above credit.ceiling")
    _check_bands(rules.get("grades"), "grades", "grade", "min")
    lists = _section(rules, "lists")
    if _number(lists.get("n"), "lists.n") < 1:
        raise RulesError("lists.n 至少为 1 / lists.n must be at least 1")
    for field in ("red_min_score", "black_below_score"):
        if lists.get(field) is not None:
            _number(lists[field], f"lists.{field}")
    _check_bands(rules.get("stars"), "stars", "stars", "min_score")
    for band in rules["stars"]:
        if band["stars"] not in (1, 2, 3, 4, 5):
            raise RulesError("stars[].stars 应为 1 到 5 / stars[].stars must be 1 to 5")
        if "max_overdue_days" in band:
            _number(band["max_overdue_days"], "stars[].max_overdue_days")
        if not isinstance(band.get("no_open_severe", False), bool):
            raise RulesError("stars[].no_open_severe 应为 true/false / must be true or false")
    return rules


def _check_bands(bands: Any, where: str, name_field: str, min_field: str) -> None:
    if not isinstance(bands, list) or not bands:
        raise RulesError(f"{where} 应为非空列表 / {where} must be a non-empty list")
    previous = None
    for band in bands:
        if not isinstance(band, dict) or band.get(name_field) in (None, ""):
            raise RulesError(f"{where} 每项需有 {name_field} / every {where} entry needs {name_field}")
        low = _number(band.get(min_field), f"{where}[].{min_field}")
        if previous is not None and low >= previous:
            raise RulesError(f"{where} 应按 {min_field} 从高到低排列 / {where} must go from the highest"
                             f" {min_field} down")
        previous = low
    if previous != 0:
        raise RulesError(f"{where} 最后一档的 {min_field} 应为 0"
                         f" / the last {where} entry needs {min_field} 0")


def parse_rules_file(text: str | bytes) -> dict[str, Any]:
    """A rules file (JSON, as exported) read and checked."""
    try:
        rules = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise RulesError(f"文件不是有效的 JSON：{exc} / the file is not valid JSON") from None
    return check_rules(rules)


def rules_file(rules: dict[str, Any]) -> str:
    return json.dumps(rules, ensure_ascii=False, indent=2) + "\n"


# -- versions --------------------------------------------------------------------------------

def versions(session: Session, office_id: uuid.UUID) -> list[RuleSet]:
    return list(session.scalars(sa.select(RuleSet).where(RuleSet.office_id == office_id)
                                .order_by(RuleSet.version.desc())))


def draft(session: Session, office_id: uuid.UUID) -> RuleSet | None:
    return session.scalars(sa.select(RuleSet).where(RuleSet.office_id == office_id,
                                                    RuleSet.status == "draft")).first()


def save_draft(session: Session, office_id: uuid.UUID, rules: Any, note: str = "") -> RuleSet:
    """Keep the office's one draft (made on first save, numbered after the newest version)."""
    checked = check_rules(rules)
    row = draft(session, office_id)
    if row is None:
        newest = session.scalar(sa.select(sa.func.max(RuleSet.version)).where(RuleSet.office_id == office_id))
        row = RuleSet(office_id=office_id, version=(newest or 0) + 1, status="draft")
        session.add(row)
    row.rules = copy.deepcopy(checked)
    row.note = note
    session.flush()
    return row


def publish_draft(session: Session, office_id: uuid.UUID, effective_from: date, actor: User) -> RuleSet:
    """Freeze the draft as a version applying from `effective_from` (on or after every earlier
    version's date, so publishing never rewrites a period already scored)."""
    row = draft(session, office_id)
    if row is None:
        raise RulesError("没有待发布的草稿 / there is no draft to publish")
    check_rules(row.rules)
    latest = session.scalar(sa.select(sa.func.max(RuleSet.effective_from))
                            .where(RuleSet.office_id == office_id, RuleSet.status == "published"))
    if latest is not None and effective_from < latest:
        raise RulesError(f"生效日期不能早于上一版本的 {latest.isoformat()}"
                         f" / the start date cannot be before the previous version's {latest.isoformat()}")
    row.status = "published"
    row.effective_from = effective_from
    row.published_at = utcnow()
    row.published_by_id = actor.id
    session.flush()
    return row


def rules_in_force(session: Session, office_id: uuid.UUID, period: Period) -> RuleSet | None:
    """The version a period is scored with: the one its newest recorded run used; else the newest
    version applying on the period's first day; else (a period before any version) the first."""
    run = latest_run(session, office_id, period)
    if run is not None:
        return run.rule_set
    published = (sa.select(RuleSet).where(RuleSet.office_id == office_id, RuleSet.status == "published")
                 .order_by(RuleSet.effective_from.desc(), RuleSet.version.desc()))
    applying = session.scalars(published.where(RuleSet.effective_from <= period.start)).first()
    if applying is not None:
        return applying
    return session.scalars(published.order_by(None).order_by(RuleSet.effective_from, RuleSet.version)).first()


def latest_run(session: Session, office_id: uuid.UUID, period: Period) -> AssessmentRun | None:
    return session.scalars(sa.select(AssessmentRun)
                           .where(AssessmentRun.office_id == office_id,
                                  AssessmentRun.period_key == period.key)
                           .order_by(AssessmentRun.run_at.desc())).first()
