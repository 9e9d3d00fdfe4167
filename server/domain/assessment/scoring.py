"""量化考核得分 Estate scores, company scores and company credit for one period.

An estate's score is the mean of its inspections' scores (out of 100) in the period, less points for the
findings found in it (by severity) and for the days its findings were overdue in it. A company's
score is the mean of its scored estates' (equal or by households); its credit starts from the base
and moves by its estates' findings, overdue days, escalations, and the office's penalties and
commendations. Every figure keeps the rows it came from (`ScoreRow`), and the rules are those in
force for the period (`rules.rules_in_force`), so a past period gives the same result later.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, load_only, selectinload

from server.domain.assessment.rules import rules_in_force
from server.domain.finding_history import closures_undone_since
from server.domain.models import (
    Company,
    CreditRecord,
    Escalation,
    Estate,
    Finding,
    Inspection,
    InspectionKind,
    InspectionStatus,
    RuleSet,
)
from server.domain.models.base import utcnow
from server.domain.periods import Period
from server.domain.rectification.deadlines import local_date

CENT = Decimal("0.01")
SEVERITY_ZH = {"minor": "一般问题", "major": "较重问题", "severe": "严重问题"}
ESCALATION_ZH = {"urge": "督办", "interview": "约谈", "penalty": "行政处罚"}


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class ScoreRow:
    """One row a score came from: an inspection, a finding, an escalation or a credit record."""

    kind: str  # inspection / finding / overdue / escalation / penalty / commendation / estate
    ref_id: uuid.UUID
    on: date | None
    label_zh: str
    points: Decimal  # the inspection's percentage, or the points added (+) or taken off (−)


@dataclass
class EstateScore:
    estate_id: uuid.UUID
    name: str
    region_code: str
    company_id: uuid.UUID | None
    company_name: str
    households: int
    score: Decimal
    grade: str
    inspections: int
    findings: dict[str, int]
    overdue_days: int
    open_severe: int  # severe findings still open at the period's end
    rows: list[ScoreRow] = field(default_factory=list)
    name_key: str = ""  # the pinyin sort key of the name: ties in a ranking go by it

    @property
    def reasons(self) -> list[str]:
        return estate_reasons(self)


@dataclass
class CompanyScore:
    company_id: uuid.UUID
    name: str
    score: Decimal | None  # None when none of its estates was scored in the period
    credit: Decimal
    grade: str  # from the credit points
    estates: int
    rows: list[ScoreRow] = field(default_factory=list)  # the estates behind the score
    credit_rows: list[ScoreRow] = field(default_factory=list)
    name_key: str = ""

    @property
    def reasons(self) -> list[str]:
        return company_reasons(self)


@dataclass
class _Facts:
    """What the period's rows say about one estate, before any rule is applied."""

    inspections: list[tuple[Inspection, Decimal]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    overdue: list[tuple[Finding, int]] = field(default_factory=list)
    open_severe: int = 0


def grade_for(rules: dict[str, Any], points: Decimal) -> str:
    for band in rules["grades"]:
        if points >= Decimal(str(band["min"])):
            return str(band["grade"])
    return str(rules["grades"][-1]["grade"])


def _overdue_days(finding: Finding, closed_at: datetime | None, start: datetime, end: datetime) -> int:
    """Whole days the finding was past its deadline and not closed, within [start, end)."""
    if finding.due_at is None:
        return 0
    since = max(finding.due_at, start)
    until = min(closed_at or end, end)
    return max((until - since).days, 0)


def _estates(session: Session, office_id: uuid.UUID, region_code_prefix: str | None) -> list[Estate]:
    # The companies come with their estates: every score names its estate's company.
    query = (sa.select(Estate)
             .options(load_only(Estate.id, Estate.name, Estate.name_pinyin, Estate.region_code,
                                Estate.company_id, Estate.households),
                      selectinload(Estate.company).load_only(Company.id, Company.name, Company.name_pinyin))
             .where(Estate.office_id == office_id, Estate.deleted_at.is_(None)))
    if region_code_prefix:
        query = query.where(Estate.region_code.like(f"{region_code_prefix}%"))
    return list(session.scalars(query.order_by(Estate.name_pinyin)))


def _facts(session: Session, office_id: uuid.UUID, period: Period, rules: dict[str, Any],
           estate_ids: set[uuid.UUID], as_of: datetime) -> dict[uuid.UUID, _Facts]:
    start, end = period.start_naive_utc, min(period.end_naive_utc, as_of)
    facts: dict[uuid.UUID, _Facts] = defaultdict(_Facts)
    inspections = session.scalars(sa.select(Inspection).where(
        Inspection.office_id == office_id, Inspection.deleted_at.is_(None),
        Inspection.status == InspectionStatus.FINISHED,
        Inspection.kind.in_([InspectionKind(k) for k in rules["estate"]["inspection_kinds"]]),
        Inspection.finished_at >= start, Inspection.finished_at < end,
        Inspection.max_score > 0).order_by(Inspection.finished_at, Inspection.id))
    for inspection in inspections:
        # An inspection's score is already out of 100 (shared_schema.scoring); max_score holds the
        # applicable points, and one with none applicable said nothing about the estate.
        if inspection.estate_id in estate_ids and inspection.score is not None:
            facts[inspection.estate_id].inspections.append((inspection, inspection.score))
    # Found in the period (deductions), or overdue at some moment of it (overdue days), or a
    # severe one still open at its end (star conditions).
    findings = session.scalars(sa.select(Finding).where(
        Finding.office_id == office_id, Finding.deleted_at.is_(None), Finding.found_at < end,
        sa.or_(Finding.found_at >= start,
               sa.and_(Finding.due_at < end, sa.or_(Finding.closed_at.is_(None), Finding.closed_at > start)),
               sa.and_(Finding.severity == "severe", sa.or_(Finding.closed_at.is_(None),
                                                             Finding.closed_at >= end))))
        .order_by(Finding.found_at, Finding.id))
    # A finding reopened after the period's end was closed at it: its close-out as it stood then.
    undone = closures_undone_since(session, office_id, end)
    for finding in findings:
        if finding.estate_id not in estate_ids:
            continue
        estate = facts[finding.estate_id]
        if finding.found_at >= start:
            estate.findings.append(finding)
        closed_at = undone.get(finding.id, finding.closed_at)
        days = _overdue_days(finding, closed_at, start, end)
        if days:
            estate.overdue.append((finding, days))
        if finding.severity == "severe" and (closed_at is None or closed_at >= end):
            estate.open_severe += 1
    return facts


def _finding_label(finding: Finding) -> str:
    return f"{SEVERITY_ZH[finding.severity.value]}：{finding.category}"


def _score_estate(estate: Estate, facts: _Facts, rules: dict[str, Any]) -> EstateScore:
    spec = rules["estate"]
    rows = [ScoreRow("inspection", inspection.id, local_date(inspection.finished_at),
                     f"检查得分 {cents(percent)} 分", cents(percent))
            for inspection, percent in facts.inspections]
    total = sum((percent for _, percent in facts.inspections), Decimal(0)) / len(facts.inspections)
    counts = {severity: 0 for severity in ("minor", "major", "severe")}
    for finding in facts.findings:
        points = Decimal(str(spec["finding_points"][finding.severity.value]))
        counts[finding.severity.value] += 1
        rows.append(ScoreRow("finding", finding.id, local_date(finding.found_at), _finding_label(finding),
                             -points))
        total -= points
    overdue_days = sum(days for _, days in facts.overdue)
    cap = Decimal(str(spec["overdue_points_cap"]))
    overdue_taken = Decimal(0)
    for finding, days in facts.overdue:
        points = min(Decimal(str(spec["overdue_day_points"])) * days, cap - overdue_taken)
        overdue_taken += points
        rows.append(ScoreRow("overdue", finding.id, local_date(finding.due_at),
                             f"逾期 {days} 天：{finding.category}", -points))
    total = max(total - overdue_taken, Decimal(str(spec["floor"])))
    score = cents(total)
    return EstateScore(
        estate_id=estate.id, name=estate.name, region_code=estate.region_code, company_id=estate.company_id,
        company_name=estate.company.name if estate.company else "", households=estate.households or 0,
        score=score, grade=grade_for(rules, score), inspections=len(facts.inspections), findings=counts,
        overdue_days=overdue_days, open_severe=facts.open_severe, rows=rows, name_key=estate.name_pinyin)


def _rules(session: Session, office_id: uuid.UUID, period: Period, rule_set: RuleSet | None) -> dict | None:
    chosen = rule_set or rules_in_force(session, office_id, period)
    return chosen.rules if chosen is not None else None


def estate_scores(session: Session, office_id: uuid.UUID, period: Period,
                  region_code_prefix: str | None = None, *,
                  rule_set: RuleSet | None = None,
                  as_of: datetime | None = None) -> list[EstateScore]:
    """Scores of the estates with enough inspections in the period, best first (ties in pinyin
    order of the name).

    Empty while the office has published no rules. `rule_set` re-runs the period with another
    version (the caller records it as an AssessmentRun); `as_of` bounds a period still running."""
    return period_scores(session, office_id, period, region_code_prefix, rule_set=rule_set, as_of=as_of,
                         companies=False)[0]


def company_scores(session: Session, office_id: uuid.UUID, period: Period,
                   region_code_prefix: str | None = None, *,
                   rule_set: RuleSet | None = None,
                   as_of: datetime | None = None) -> list[CompanyScore]:
    """Every company answering for an estate in the area: score from its estates, credit, grade
    (from credit); best credit first, ties in pinyin order of the name."""
    return period_scores(session, office_id, period, region_code_prefix, rule_set=rule_set, as_of=as_of)[1]


def period_scores(session: Session, office_id: uuid.UUID, period: Period,
                  region_code_prefix: str | None = None, *, rule_set: RuleSet | None = None,
                  as_of: datetime | None = None,
                  companies: bool = True) -> tuple[list[EstateScore], list[CompanyScore]]:
    """Estate and company scores from one reading of the period's rows (the lists need both)."""
    rules = _rules(session, office_id, period, rule_set)
    if rules is None:
        return [], []
    as_of = as_of or utcnow()
    estates = _estates(session, office_id, region_code_prefix)
    facts = _facts(session, office_id, period, rules, {e.id for e in estates}, as_of)
    minimum = int(rules["estate"]["min_inspections"])
    scored = {e.id: _score_estate(e, facts[e.id], rules) for e in estates
              if len(facts[e.id].inspections) >= minimum}
    estate_result = sorted(scored.values(), key=lambda s: (-s.score, s.name_key))
    if not companies:
        return estate_result, []
    by_company: dict[uuid.UUID, list[Estate]] = defaultdict(list)
    for estate in estates:
        if estate.company_id is not None:
            by_company[estate.company_id].append(estate)
    if not by_company:
        return estate_result, []
    escalations = _escalations(session, period, as_of, by_company)
    records = _credit_records(session, office_id, period, set(by_company))
    result = []
    for company_id, its_estates in by_company.items():
        its_scores = [scored[e.id] for e in its_estates if e.id in scored]
        credit, credit_rows = _credit(rules, [facts[e.id] for e in its_estates],
                                      escalations.get(company_id, []), records.get(company_id, []))
        result.append(CompanyScore(
            company_id=company_id, name=its_estates[0].company.name,
            score=_company_score(rules, its_scores), credit=credit, grade=grade_for(rules, credit),
            estates=len(its_scores),
            rows=[ScoreRow("estate", s.estate_id, None, f"{s.name} 得分", s.score) for s in its_scores],
            credit_rows=credit_rows, name_key=its_estates[0].company.name_pinyin))
    return estate_result, sorted(result, key=lambda c: (-c.credit, c.name_key))


def _company_score(rules: dict[str, Any], scored: list[EstateScore]) -> Decimal | None:
    if not scored:
        return None
    if rules["company"]["weighting"] == "households" and sum(s.households for s in scored) > 0:
        weight = sum(s.households for s in scored)
        return cents(sum((s.score * s.households for s in scored), Decimal(0)) / weight)
    return cents(sum((s.score for s in scored), Decimal(0)) / len(scored))


def _escalations(session: Session, period: Period, as_of: datetime,
                 by_company: dict[uuid.UUID, list[Estate]]) -> dict[uuid.UUID, list[Escalation]]:
    """Escalations decided in the period, counted against the company that answers for the
    finding's estate (the escalation's own company when it names one)."""
    owner = {estate.id: company_id for company_id, estates in by_company.items() for estate in estates}
    rows = session.execute(sa.select(Escalation, Finding.estate_id)
                           .join(Finding, Finding.id == Escalation.finding_id)
                           .where(Escalation.decided_at >= period.start_naive_utc,
                                  Escalation.decided_at < min(period.end_naive_utc, as_of),
                                  Finding.estate_id.in_(owner))
                           .order_by(Escalation.decided_at, Escalation.id))
    found: dict[uuid.UUID, list[Escalation]] = defaultdict(list)
    for escalation, estate_id in rows:
        company_id = escalation.company_id or owner[estate_id]
        if company_id in by_company:
            found[company_id].append(escalation)
    return found


def _credit_records(session: Session, office_id: uuid.UUID, period: Period,
                    company_ids: set[uuid.UUID]) -> dict[uuid.UUID, list[CreditRecord]]:
    rows = session.scalars(sa.select(CreditRecord).where(
        CreditRecord.office_id == office_id, CreditRecord.deleted_at.is_(None),
        CreditRecord.company_id.in_(company_ids),
        CreditRecord.occurred_on >= period.start, CreditRecord.occurred_on < period.end)
        .order_by(CreditRecord.occurred_on, CreditRecord.id))
    found: dict[uuid.UUID, list[CreditRecord]] = defaultdict(list)
    for record in rows:
        found[record.company_id].append(record)
    return found


def record_points(rules: dict[str, Any], record: CreditRecord) -> Decimal:
    """A record's signed points: its own when entered, else the rule set's for its kind."""
    if record.points is not None:
        size = abs(record.points)
    else:
        size = Decimal(str(rules["credit"][f"{record.kind}_points"]))
    return size if record.kind == "commendation" else -size


def _credit(rules: dict[str, Any], estates: list[_Facts], escalations: list[Escalation],
            records: list[CreditRecord]) -> tuple[Decimal, list[ScoreRow]]:
    spec = rules["credit"]
    rows: list[ScoreRow] = []
    for facts in estates:
        for finding in facts.findings:
            points = Decimal(str(spec["finding_points"][finding.severity.value]))
            rows.append(ScoreRow("finding", finding.id, local_date(finding.found_at),
                                 f"{finding.estate.name} {_finding_label(finding)}", -points))
        for finding, days in facts.overdue:
            rows.append(ScoreRow("overdue", finding.id, local_date(finding.due_at),
                                 f"{finding.estate.name} 逾期 {days} 天：{finding.category}",
                                 -Decimal(str(spec["overdue_day_points"])) * days))
    for escalation in escalations:
        rows.append(ScoreRow("escalation", escalation.id, local_date(escalation.decided_at),
                             ESCALATION_ZH[escalation.kind.value],
                             -Decimal(str(spec["escalation_points"][escalation.kind.value]))))
    for record in records:
        label = "表彰" if record.kind == "commendation" else "处罚"
        rows.append(ScoreRow(record.kind, record.id, record.occurred_on, f"{label}：{record.title}",
                             record_points(rules, record)))
    total = Decimal(str(spec["base"])) + sum((row.points for row in rows), Decimal(0))
    total = min(max(total, Decimal(str(spec["floor"]))), Decimal(str(spec["ceiling"])))
    return cents(total), rows


# -- reasons (what a list or a public page says about a row; no personal data) ----------------

def _signed(points: Decimal) -> str:
    return f"+{cents(points)}" if points > 0 else f"−{cents(-points)}"


def estate_reasons(score: EstateScore) -> list[str]:
    inspected = sum((r.points for r in score.rows if r.kind == "inspection"), Decimal(0))
    reasons = [f"检查 {score.inspections} 次，平均 {cents(inspected / score.inspections)} 分"]
    for severity, count in score.findings.items():
        if count:
            points = sum((r.points for r in score.rows if r.kind == "finding"
                          and r.label_zh.startswith(SEVERITY_ZH[severity])), Decimal(0))
            reasons.append(f"{SEVERITY_ZH[severity]} {count} 项（{_signed(points)}）")
    if score.overdue_days:
        points = sum((r.points for r in score.rows if r.kind == "overdue"), Decimal(0))
        reasons.append(f"整改逾期 {score.overdue_days} 天（{_signed(points)}）")
    if score.open_severe:
        reasons.append(f"期末仍有严重问题未整改 {score.open_severe} 项")
    return reasons


def company_reasons(score: CompanyScore) -> list[str]:
    reasons = [f"信用分 {score.credit}（{score.grade}）"]
    if score.score is not None:
        reasons.append(f"{score.estates} 个小区平均得分 {score.score}")
    by_kind: dict[str, list[Decimal]] = defaultdict(list)
    for row in score.credit_rows:
        by_kind[row.kind].append(row.points)
    names = {"finding": "问题", "overdue": "逾期", "escalation": "督办/约谈/处罚", "penalty": "处罚记录",
             "commendation": "表彰记录"}
    for kind, label in names.items():
        if by_kind.get(kind):
            reasons.append(f"{label} {len(by_kind[kind])} 条（{_signed(sum(by_kind[kind], Decimal(0)))}）")
    return reasons
