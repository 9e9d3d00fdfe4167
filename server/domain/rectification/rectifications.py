"""整改反馈: a company (or a tablet) reports a finding fixed, with "after" photos."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa

from server.domain.audit import record_audit
from server.domain.finding_workflow import TransitionRefused, transition_finding
from server.domain.models import (
    Estate,
    Finding,
    Photo,
    PhotoLink,
    PhotoRole,
    Rectification,
    RectificationStatus,
    User,
)
from server.domain.rectification.access import can_see_estate
from server.domain.rectification.reminders import cancel_reminders
from server.domain.rectification.revisits import ensure_revisit
from server.extensions import db


def report_rectification(
    finding: Finding,
    actor: User,
    *,
    now: datetime,
    note: str = "",
    rectification_id: uuid.UUID | None = None,
    reported_at: datetime | None = None,
) -> Rectification:
    """Report the finding fixed: it moves to rectified_reported, its pending reminders stop,
    and a revisit (回头看) task is created for an inspector of the region.

    `rectification_id` lets the sync API keep a tablet-made id; reporting the same id again
    returns the first report unchanged. Raises TransitionRefused (forbidden, invalid_transition).
    """
    if rectification_id is not None:
        existing = db.session.get(Rectification, rectification_id)
        if existing is not None:
            if existing.finding_id != finding.id:
                raise TransitionRefused("invalid_input", "该整改反馈编号已用于另一个问题")
            return existing
    estate = finding.estate or db.session.get(Estate, finding.estate_id)
    if not can_see_estate(actor, estate):
        raise TransitionRefused("forbidden", "只能处理本企业或本区域的问题 (finding outside your scope)")
    when = reported_at or now
    transition_finding(finding, "report_rectified", actor, at=when, note=note)
    rectification = Rectification(
        id=rectification_id or uuid.uuid4(), finding_id=finding.id, region_code=finding.region_code,
        reported_by_id=actor.id, reported_at=when, note=note, status=RectificationStatus.SUBMITTED,
    )
    db.session.add(rectification)
    cancel_reminders(finding, now)
    finding.next_escalation_at = None
    db.session.flush()
    record_audit(actor, "report_rectification", rectification,
                 {"finding_id": finding.id, "at": when, "note": note}, office_id=finding.office_id)
    ensure_revisit(finding, now=now, trigger="reported")
    return rectification


def attach_after_photos(rectification: Rectification, sha256s: Iterable[str], actor: User) -> list[PhotoLink]:
    """Link stored photos to the report as "after" evidence; photo sets only grow."""
    finding = rectification.finding or db.session.get(Finding, rectification.finding_id)
    if actor.id != rectification.reported_by_id and not can_see_estate(actor, finding.estate):
        raise TransitionRefused("forbidden", "无权为该整改反馈添加照片")
    already = set(db.session.scalars(sa.select(PhotoLink.photo_sha256).where(
        PhotoLink.rectification_id == rectification.id)))
    links = []
    for sha in dict.fromkeys(sha256s):
        if sha in already:
            continue
        photo = db.session.get(Photo, sha)
        if photo is None or not photo.stored:
            raise TransitionRefused("photo_missing", f"照片 {sha[:12]}… 尚未上传完成")
        link = PhotoLink(photo_sha256=sha, role=PhotoRole.AFTER, finding_id=finding.id,
                         rectification_id=rectification.id, region_code=finding.region_code)
        db.session.add(link)
        links.append(link)
    db.session.flush()
    if links:
        record_audit(actor, "attach_after_photos", rectification,
                     {"photos": [link.photo_sha256 for link in links]}, office_id=finding.office_id)
    return links
