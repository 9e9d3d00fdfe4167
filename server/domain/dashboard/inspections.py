"""检查记录 Inspections for the dashboard: a list by keyset, one inspection as answered, and an
estate's scores over time."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from server.domain.dashboard.scope import scoped
from server.domain.models import (
    Answer,
    AnswerResult,
    ChecklistItem,
    ChecklistSection,
    Estate,
    Finding,
    Inspection,
    InspectionKind,
    InspectionStatus,
    PhotoLink,
    User,
    inspection_inspector,
)
from server.domain.problem_ledger import LedgerFilterError, decode_cursor, encode_cursor, search_estates
from server.domain.rectification.deadlines import utc_at
from server.extensions import db

KIND_LABELS = {InspectionKind.ROUTINE: "日常检查", InspectionKind.SPECIAL: "专项检查",
               InspectionKind.RANDOM: "双随机检查", InspectionKind.COMPLAINT: "投诉核查",
               InspectionKind.REVISIT: "回头看"}
STATUS_LABELS = {InspectionStatus.PLANNED: "计划中", InspectionStatus.IN_PROGRESS: "检查中",
                 InspectionStatus.FINISHED: "已完成", InspectionStatus.CANCELLED: "已取消"}
RESULT_LABELS = {AnswerResult.PASS: "合格", AnswerResult.FAIL: "不合格", AnswerResult.NA: "不适用"}
PAGE_SIZE = 50
# The moment an inspection is listed by: when it was done, else when it started or was planned.
WHEN = sa.func.coalesce(Inspection.finished_at, Inspection.started_at, Inspection.planned_for,
                        Inspection.created_at)


@dataclass(frozen=True)
class InspectionFilters:
    estate: uuid.UUID | None = None
    inspector: uuid.UUID | None = None
    kind: InspectionKind | None = None
    status: InspectionStatus | None = None
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""
    after: str | None = None

    def to_args(self, **changes) -> dict[str, str]:
        out = {}
        values = {**self.__dict__, **changes}
        for key, value in values.items():
            if value in (None, ""):
                continue
            out[key] = value.isoformat() if isinstance(value, date) else str(value)
        return out


def parse_inspection_filters(args: Mapping[str, str]) -> InspectionFilters:
    """Filters from the URL; a malformed one raises LedgerFilterError with a readable message."""
    raw = {k: (args.get(k) or "").strip() for k in InspectionFilters.__dataclass_fields__}
    values: dict[str, object] = {}
    for name, label in (("estate", "小区"), ("inspector", "检查员")):
        if raw[name]:
            try:
                values[name] = uuid.UUID(raw[name])
            except ValueError:
                raise LedgerFilterError(f"筛选条件「{label}」无法识别 (bad {name})") from None
    for name, enum_cls, label in (("kind", InspectionKind, "检查类型"), ("status", InspectionStatus, "状态")):
        if raw[name]:
            try:
                values[name] = enum_cls(raw[name])
            except ValueError:
                raise LedgerFilterError(f"{label}无法识别：{raw[name][:40]} (bad {name})") from None
    for name, label in (("date_from", "日期起"), ("date_to", "日期止")):
        if raw[name]:
            try:
                values[name] = date.fromisoformat(raw[name])
            except ValueError:
                raise LedgerFilterError(f"「{label}」应为日期，如 2026-03-01 (bad {name})") from None
    if len(raw["q"]) > 50:
        raise LedgerFilterError("搜索词不能超过 50 个字 (search text too long)")
    filters = InspectionFilters(q=raw["q"], after=raw["after"] or None, **values)  # type: ignore[arg-type]
    if filters.after:
        decode_cursor(filters.after, datetime)
    return filters


@dataclass
class InspectionRow:
    inspection: Inspection
    estate_name: str
    when: datetime
    inspectors: list[str]
    findings: int


def inspections_page(user: User, filters: InspectionFilters, size: int = PAGE_SIZE
                     ) -> tuple[list[InspectionRow], str | None]:
    """Newest first, one page, and the cursor of the next (None on the last page)."""
    where = scoped(Inspection, user)
    if filters.estate:
        where.append(Inspection.estate_id == filters.estate)
    if filters.inspector:
        where.append(Inspection.id.in_(sa.select(inspection_inspector.c.inspection_id)
                                       .where(inspection_inspector.c.user_id == filters.inspector)))
    if filters.kind:
        where.append(Inspection.kind == filters.kind)
    if filters.status:
        where.append(Inspection.status == filters.status)
    if filters.date_from:
        where.append(utc_at(filters.date_from, time(0)) <= WHEN)
    if filters.date_to:
        where.append(utc_at(filters.date_to + timedelta(days=1), time(0)) > WHEN)
    if filters.q:
        where.append(Inspection.estate_id.in_(search_estates(filters.q)))
    if filters.after:
        value, row_id = decode_cursor(filters.after, datetime)
        where.append(sa.tuple_(WHEN, Inspection.id) < sa.tuple_(value, row_id))
    rows = db.session.execute(
        sa.select(Inspection, Estate.name, WHEN).join(Estate, Estate.id == Inspection.estate_id)
        .where(*where).order_by(WHEN.desc(), Inspection.id.desc()).limit(size + 1)).all()
    ids = [r[0].id for r in rows[:size]]
    names: dict[uuid.UUID, list[str]] = {i: [] for i in ids}
    counts: dict[uuid.UUID, int] = {}
    if ids:
        for inspection_id, name in db.session.execute(
                sa.select(inspection_inspector.c.inspection_id, User.display_name)
                .join(User, User.id == inspection_inspector.c.user_id)
                .where(inspection_inspector.c.inspection_id.in_(ids)).order_by(User.display_name)):
            names[inspection_id].append(name)
        counts = dict(db.session.execute(
            sa.select(Finding.inspection_id, sa.func.count()).where(
                Finding.inspection_id.in_(ids), Finding.deleted_at.is_(None))
            .group_by(Finding.inspection_id)).all())
    page = [InspectionRow(i, name, when, names[i.id], counts.get(i.id, 0)) for i, name, when in rows[:size]]
    cursor = encode_cursor(page[-1].when, page[-1].inspection.id) if len(rows) > size else None
    return page, cursor


@dataclass
class AnsweredItem:
    item: ChecklistItem
    answer: Answer | None
    photos: list[str] = field(default_factory=list)


@dataclass
class InspectionSheet:
    """One inspection as answered: sections in order, each item with its answer and photos."""

    sections: list[tuple[str, list[AnsweredItem]]]
    findings: list[Finding]
    inspectors: list[User]
    counts: dict[str, int]  # pass / fail / na / unanswered


def inspection_sheet(inspection: Inspection) -> InspectionSheet:
    answers = {a.item_id: a for a in db.session.scalars(
        sa.select(Answer).where(Answer.inspection_id == inspection.id, Answer.deleted_at.is_(None)))}
    photos: dict[uuid.UUID, list[str]] = {}
    if answers:
        for answer_id, sha in db.session.execute(
                sa.select(PhotoLink.answer_id, PhotoLink.photo_sha256)
                .where(PhotoLink.answer_id.in_([a.id for a in answers.values()]),
                       PhotoLink.deleted_at.is_(None))
                .order_by(PhotoLink.created_at)):
            photos.setdefault(answer_id, []).append(sha)
    sections: list[tuple[str, list[AnsweredItem]]] = []
    counts = {"pass": 0, "fail": 0, "na": 0, "unanswered": 0}
    if inspection.template_id:
        rows = db.session.execute(
            sa.select(ChecklistSection.title, ChecklistItem)
            .join(ChecklistItem, ChecklistItem.section_id == ChecklistSection.id)
            .where(ChecklistSection.template_id == inspection.template_id)
            .order_by(ChecklistSection.position, ChecklistItem.position))
        for title, item in rows:
            answer = answers.pop(item.id, None)
            counts[answer.result.value if answer else "unanswered"] += 1
            entry = AnsweredItem(item, answer, photos.get(answer.id, []) if answer else [])
            if not sections or sections[-1][0] != title:
                sections.append((title, []))
            sections[-1][1].append(entry)
    if answers:  # answers to items of another version of the checklist: shown, not lost
        extra = []
        for answer in answers.values():
            counts[answer.result.value] += 1
            extra.append(AnsweredItem(answer.item, answer, photos.get(answer.id, [])))
        sections.append(("其他检查项 Other items", extra))
    findings = list(db.session.scalars(sa.select(Finding).where(
        Finding.inspection_id == inspection.id, Finding.deleted_at.is_(None)).order_by(Finding.found_at)))
    return InspectionSheet(sections, findings, sorted(inspection.inspectors, key=lambda u: u.display_name),
                           counts)


@dataclass
class ScorePoint:
    inspection: Inspection
    when: datetime
    percent: float | None  # score / max score


def estate_scores(estate: Estate, limit: int = 24) -> list[ScorePoint]:
    """The estate's inspections, newest first, with their scores as a percentage."""
    rows = db.session.execute(
        sa.select(Inspection, WHEN).where(Inspection.estate_id == estate.id, Inspection.deleted_at.is_(None))
        .order_by(WHEN.desc(), Inspection.id.desc()).limit(limit)).all()
    return [ScorePoint(i, when, percent(i)) for i, when in rows]


def percent(inspection: Inspection) -> float | None:
    """The score as a share of 100. shared_schema.scoring already puts it on a 100-point scale
    (max_score holds the applicable points, not the scale), so it is not divided again."""
    if inspection.score is None:
        return None
    return float(inspection.score)
