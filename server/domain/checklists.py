"""Checklist templates: publishing freezes a version; a new version is a draft copy."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from server.domain.audit import record_audit
from server.domain.models import (
    ChecklistItem,
    ChecklistSection,
    ChecklistTemplate,
    TemplateStatus,
    User,
)
from server.domain.models.base import utcnow
from server.extensions import db

TEMPLATE_STATUS_LABELS = {TemplateStatus.DRAFT: "草稿", TemplateStatus.PUBLISHED: "已发布",
                          TemplateStatus.RETIRED: "已停用"}


class TemplateFrozenError(ValueError):
    """A published checklist version cannot be edited; make a new version instead."""

    @classmethod
    def about(cls, template: ChecklistTemplate) -> TemplateFrozenError:
        return cls(f"检查表《{template.name}》第{template.version}版已发布，不能修改；请复制为新版本")


def publish_template(template: ChecklistTemplate, actor: User | None = None) -> ChecklistTemplate:
    if template.status != TemplateStatus.DRAFT:
        raise TemplateFrozenError(f"检查表《{template.name}》第{template.version}版已发布，不能再次发布")
    if not template.items:
        raise ValueError("检查表没有任何检查项，不能发布")
    now = utcnow()
    template.status = TemplateStatus.PUBLISHED
    template.published_at = now
    # Tablets only receive published templates, so the sections and items must be sent now
    # too: touching them gives them change numbers after every tablet's cursor.
    for section in template.sections:
        section.updated_at = now
        for item in section.items:
            item.updated_at = now
    # The standard's earlier published version is retired: tablets start new inspections on this
    # one, while inspections already begun on the old one still finish and sync.
    retired = db.session.scalars(sa.select(ChecklistTemplate).where(
        ChecklistTemplate.office_id == template.office_id, ChecklistTemplate.family == template.family,
        ChecklistTemplate.status == TemplateStatus.PUBLISHED, ChecklistTemplate.id != template.id)).all()
    for old in retired:
        old.status = TemplateStatus.RETIRED
    record_audit(actor, "publish_template", template,
                 {"version": template.version, "retired_versions": [old.version for old in retired]})
    return template


def copy_template_as_new_version(
    template: ChecklistTemplate, actor: User | None = None
) -> ChecklistTemplate:
    """A draft of the next version with the same sections and items (new ids)."""
    latest = (
        db.session.query(db.func.max(ChecklistTemplate.version))
        .filter_by(office_id=template.office_id, family=template.family)
        .scalar()
    )
    copy = ChecklistTemplate(
        office_id=template.office_id,
        family=template.family,
        version=(latest or 0) + 1,
        name=template.name,
        status=TemplateStatus.DRAFT,
    )
    for section in template.sections:
        new_section = ChecklistSection(position=section.position, title=section.title)
        for item in section.items:
            new_section.items.append(
                ChecklistItem(
                    position=item.position,
                    code=item.code,
                    text=item.text,
                    category=item.category,
                    points=item.points,
                    default_severity=item.default_severity,
                    rectification_days=item.rectification_days,
                    photo_required_on_fail=item.photo_required_on_fail,
                    guidance=item.guidance,
                )
            )
        copy.sections.append(new_section)
    db.session.add(copy)
    record_audit(actor, "copy_template", copy, {"from_version": template.version})
    return copy


def _owning_template(obj) -> ChecklistTemplate | None:
    if isinstance(obj, ChecklistTemplate):
        return obj
    if isinstance(obj, ChecklistSection):
        return obj.template
    if isinstance(obj, ChecklistItem):
        return obj.section.template if obj.section else None
    return None


@event.listens_for(Session, "before_flush")
def _refuse_edits_to_published_templates(session: Session, _context, _instances) -> None:
    """The rule lives at the flush, so no code path (web, sync, CLI) can bypass it."""
    touched = [(obj, "new") for obj in session.new] + [(obj, "deleted") for obj in session.deleted]
    touched += [(obj, "dirty") for obj in session.dirty]
    for obj, how in touched:
        template = _owning_template(obj)
        if template is None or not _was_published(template):
            continue
        if how == "dirty" and not _has_frozen_changes(session, obj):
            continue
        raise TemplateFrozenError.about(template)


# Changing the status (publish, retire) is the one change a published version allows.
_MUTABLE_TEMPLATE_FIELDS = {"status", "published_at", "updated_at", "server_seq", "sections"}


def _has_frozen_changes(session: Session, obj) -> bool:
    if not session.is_modified(obj, include_collections=False):
        return False
    if not isinstance(obj, ChecklistTemplate):
        return True
    changed = {attr.key for attr in inspect(obj).attrs if attr.history.has_changes()}
    return bool(changed - _MUTABLE_TEMPLATE_FIELDS)


def _was_published(template: ChecklistTemplate) -> bool:
    """Published before this flush (a draft being published right now is still editable)."""
    if inspect(template).pending:
        return False
    history = inspect(template).attrs.status.history
    before = history.deleted[0] if history.deleted else template.status
    return before != TemplateStatus.DRAFT
