"""Office checklist standards (检查标准): import a workbook as a draft version, edit a draft's
items, publish (then frozen; see server.domain.checklists), and the versions of an office."""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import IO, Any

import sqlalchemy as sa

from server.domain.audit import record_audit
from server.domain.checklist_standard.columns import BY_KEY
from server.domain.checklist_standard.validate import SectionSpec, check_item_fields, validate_standard
from server.domain.checklist_standard.workbook import read_standard
from server.domain.checklists import TemplateFrozenError
from server.domain.ledger.report import Problem
from server.domain.models import (
    ChecklistItem,
    ChecklistSection,
    ChecklistTemplate,
    Office,
    TemplateStatus,
    User,
)
from server.extensions import db


@dataclass
class StandardReport:
    """What an import found and, when every row was valid, wrote."""

    source: str
    rows: int = 0
    errors: list[Problem] = field(default_factory=list)
    sections: int = 0
    items: int = 0
    points: int = 0
    template: ChecklistTemplate | None = None
    replaced_draft: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        if not self.ok:
            bad_rows = len({p.row for p in self.errors})
            return (f"检查标准有{len(self.errors)}处错误（涉及{bad_rows}行），未写入任何数据 "
                    f"({len(self.errors)} problems, nothing written)")
        where = ""
        if self.template is not None:
            where = f"《{self.template.name}》第{self.template.version}版草稿"
        return (f"已导入{where}：{self.sections}个分项，{self.items}个检查项，共{self.points}分 "
                f"(imported as a draft: {self.sections} sections, {self.items} items)")


def import_standard(source: str | os.PathLike | bytes | IO[bytes], office: Office, actor: User | None, *,
                    name: str | None = None, family: str | None = None,
                    filename: str | None = None) -> StandardReport:
    """Read and check the whole workbook; only if every row is valid, write it as the draft of
    the next version of `family` (an unpublished draft of that family is replaced). Flushes,
    never commits. Raises StandardFileError when the file itself cannot be read."""
    sheet = read_standard(source, filename)
    report = StandardReport(source=sheet.source, rows=len(sheet.rows))
    sections, report.errors = validate_standard(sheet)
    if report.errors:
        return report
    name = (name or sheet.title or os.path.splitext(sheet.source)[0]).strip()[:100]
    family = (family or _family_named(office, name) or name)[:50]
    draft, report.replaced_draft = _empty_draft(office, family, name)
    _fill(draft, sections)
    db.session.flush()
    report.template = draft
    report.sections = len(sections)
    report.items = sum(len(s.items) for s in sections)
    report.points = sum(i.points for s in sections for i in s.items)
    record_audit(actor, "import_checklist", draft,
                 {"source": sheet.source, "version": draft.version, "items": report.items,
                  "replaced_draft": report.replaced_draft})
    return report


def _family_named(office: Office, name: str) -> str | None:
    """A new file for a standard the office already has (by name) becomes its next version."""
    return db.session.scalar(sa.select(ChecklistTemplate.family).where(
        ChecklistTemplate.office_id == office.id, ChecklistTemplate.name == name,
        ChecklistTemplate.deleted_at.is_(None)).order_by(ChecklistTemplate.version.desc()).limit(1))


def _empty_draft(office: Office, family: str, name: str) -> tuple[ChecklistTemplate, bool]:
    versions = db.session.scalars(sa.select(ChecklistTemplate).where(
        ChecklistTemplate.office_id == office.id, ChecklistTemplate.family == family)
        .order_by(ChecklistTemplate.version.desc())).all()
    if versions and versions[0].status == TemplateStatus.DRAFT:
        draft = versions[0]
        draft.name = name
        draft.sections.clear()  # a draft never reached a tablet: its old rows can simply go
        db.session.flush()
        return draft, True
    draft = ChecklistTemplate(office_id=office.id, family=family, name=name, status=TemplateStatus.DRAFT,
                              version=(versions[0].version + 1) if versions else 1)
    db.session.add(draft)
    return draft, False


def _fill(template: ChecklistTemplate, sections: list[SectionSpec]) -> None:
    for s_pos, spec in enumerate(sections, start=1):
        section = ChecklistSection(position=s_pos, title=spec.title)
        for i_pos, item in enumerate(spec.items, start=1):
            section.items.append(ChecklistItem(
                position=i_pos, code=item.code, text=item.text, category=item.category,
                points=item.points, default_severity=item.severity, rectification_days=item.days,
                photo_required_on_fail=item.photo, guidance=item.guidance))
        template.sections.append(section)


class ItemNotValidError(ValueError):
    """A draft item edit with wrong fields; `reasons` maps each field's header to why."""

    def __init__(self, reasons: dict[str, str]) -> None:
        self.reasons = reasons
        super().__init__("；".join(f"{field}：{reason}" for field, reason in reasons.items()))


def update_draft_item(item: ChecklistItem, raw: Mapping[str, Any], actor: User) -> ChecklistItem:
    """Change a draft's item with the import's rules (same checks, same messages); a code
    already used by another item of the draft is refused. Published versions refuse at flush."""
    template = item.section.template
    if template.status != TemplateStatus.DRAFT:
        raise TemplateFrozenError.about(template)
    spec, reasons = check_item_fields(raw)
    if spec is not None and any(other.code == spec.code and other.id != item.id for other in template.items):
        reasons = {"code": "编号与本标准中的其他检查项重复"}
    if reasons:
        raise ItemNotValidError({BY_KEY[key].header: reason for key, reason in reasons.items()})
    before = {"code": item.code, "text": item.text, "points": item.points}
    item.code, item.text, item.category, item.points = spec.code, spec.text, spec.category, spec.points
    item.default_severity, item.rectification_days = spec.severity, spec.days
    item.photo_required_on_fail, item.guidance = spec.photo, spec.guidance
    db.session.flush()
    record_audit(actor, "edit_checklist_item", item, {"before": before, "code": item.code},
                 office_id=template.office_id)
    return item


def office_templates(office_id: uuid.UUID) -> list[ChecklistTemplate]:
    """Every version of every standard of the office, newest version of each family first."""
    return list(db.session.scalars(sa.select(ChecklistTemplate).where(
        ChecklistTemplate.office_id == office_id, ChecklistTemplate.deleted_at.is_(None))
        .order_by(ChecklistTemplate.family, ChecklistTemplate.version.desc())))


def find_template(office_id: uuid.UUID, family: str, version: int | None = None) -> ChecklistTemplate | None:
    """A version of a family (or name); without a version, the newest."""
    query = sa.select(ChecklistTemplate).where(
        ChecklistTemplate.office_id == office_id, ChecklistTemplate.deleted_at.is_(None),
        sa.or_(ChecklistTemplate.family == family, ChecklistTemplate.name == family))
    if version is not None:
        query = query.where(ChecklistTemplate.version == version)
    return db.session.scalars(query.order_by(ChecklistTemplate.version.desc()).limit(1)).first()


def family_draft(template: ChecklistTemplate) -> ChecklistTemplate | None:
    """The unpublished draft of the template's standard, if one is open (there is at most one:
    a new version starts from a published one only when no draft is waiting)."""
    return db.session.scalars(sa.select(ChecklistTemplate).where(
        ChecklistTemplate.office_id == template.office_id, ChecklistTemplate.family == template.family,
        ChecklistTemplate.status == TemplateStatus.DRAFT, ChecklistTemplate.deleted_at.is_(None))).first()
