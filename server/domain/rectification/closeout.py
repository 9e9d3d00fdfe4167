"""Closing out (销号) or refusing a fix from the web: evidence and a confirmation first.

A tablet's revisit carries its own photos; on the web a click alone must not close a
finding, so the person records an after-photo or a written reason and confirms. The record
names that person (`Revisit.done_by_id`), whoever the task was assigned to."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from server.domain.audit import record_audit
from server.domain.finding_workflow import TransitionRefused
from server.domain.models import Photo, PhotoLink, PhotoRole, Revisit, RevisitResult, User
from server.domain.rectification.revisits import record_revisit_result
from server.extensions import db

MIN_REASON = 4  # characters: "已清理完毕" passes, "ok" does not
MAX_PHOTOS = 9


def require_evidence(note: str, photo_count: int, confirmed: bool) -> None:
    """The web's close-out rule: an after-photo or a written reason, and a confirmation."""
    if not photo_count and len((note or "").strip()) < MIN_REASON:
        raise TransitionRefused("evidence_missing", f"请上传整改后照片或填写复查说明（至少{MIN_REASON}个字）"
                                                    "(add an after-photo or a written reason)")
    if not confirmed:
        raise TransitionRefused("not_confirmed", "请勾选确认后再提交 (tick the confirmation first)")
    if photo_count > MAX_PHOTOS:
        raise TransitionRefused("invalid_input", f"最多上传 {MAX_PHOTOS} 张照片 (up to {MAX_PHOTOS})")


def record_revisit_with_evidence(
    revisit: Revisit,
    actor: User,
    result: RevisitResult | str,
    *,
    now: datetime,
    note: str,
    photo_sha256s: Sequence[str],
    confirmed: bool,
    new_due_on: date | None = None,
) -> Revisit:
    """record_revisit_result, refused unless there is an after-photo or a reason, and a yes."""
    note = (note or "").strip()
    require_evidence(note, len(photo_sha256s), confirmed)
    for sha in photo_sha256s:
        photo = db.session.get(Photo, sha)
        if photo is None or not photo.stored:
            raise TransitionRefused("photo_missing", f"照片 {sha[:12]}… 尚未上传完成")
    record_revisit_result(revisit, actor, result, now=now, note=note, new_due_on=new_due_on)
    for sha in dict.fromkeys(photo_sha256s):
        db.session.add(PhotoLink(photo_sha256=sha, role=PhotoRole.AFTER, revisit_id=revisit.id,
                                 region_code=revisit.region_code))
    if photo_sha256s:
        record_audit(actor, "attach_revisit_photos", revisit, {"photos": list(photo_sha256s)},
                     office_id=revisit.finding.office_id)
    db.session.flush()
    return revisit
