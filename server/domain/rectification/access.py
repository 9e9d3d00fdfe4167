"""Who may see what: one rule for the web pages, the PDF and the services."""

from __future__ import annotations

import sqlalchemy as sa

from server.domain.finding_workflow import TransitionRefused
from server.domain.models import Estate, Notice, NoticeStatus, Region, Role, User
from server.extensions import db


def region_prefix(user: User) -> str | None:
    """The region code a field user's scope starts with; None means the whole office."""
    if user.region_id is None:
        return None
    region = user.region or db.session.get(Region, user.region_id)
    return region.code if region else None


def covers_whole_office(user: User) -> bool:
    """An admin, or office staff whose area is the whole office (no region, or the root one):
    the ones who may change what holds office-wide, such as the work calendar."""
    if user.role == Role.ADMIN:
        return True
    if user.region_id is None:
        return True
    region = user.region or db.session.get(Region, user.region_id)
    return region is not None and region.parent_id is None


def can_see_estate(user: User, estate: Estate) -> bool:
    if not user.active or user.office_id != estate.office_id:
        return False
    if user.role == Role.COMPANY:
        return user.company_id is not None and estate.company_id == user.company_id
    if user.role == Role.ADMIN:
        return True
    prefix = region_prefix(user)
    return prefix is None or estate.region_code.startswith(prefix)


def can_see_notice(user: User, notice: Notice) -> bool:
    if user.role == Role.COMPANY:
        # A company sees the notices addressed to it, even if the estate changed hands since.
        return (user.active and user.office_id == notice.office_id and user.company_id is not None
                and notice.company_id == user.company_id)
    estate = notice.estate or db.session.get(Estate, notice.estate_id)
    return can_see_estate(user, estate)


def may_see_notice_photos(user: User, notice: Notice) -> bool:
    """The page and the PDF alike: a company no longer sees the photos of a cancelled notice
    (its findings left it, and may be on a newer notice of another company)."""
    return not (user.role == Role.COMPANY and notice.status == NoticeStatus.CANCELLED)


def require_estate(user: User, estate: Estate) -> None:
    if not can_see_estate(user, estate):
        raise TransitionRefused("forbidden", "无权查看或处理该小区 (estate outside your scope)")


def estates_in_scope(user: User) -> sa.Select:
    """A SELECT of the estates the user may see."""
    query = sa.select(Estate).where(Estate.office_id == user.office_id)
    if user.role == Role.COMPANY:
        return query.where(Estate.company_id == user.company_id)
    if user.role == Role.ADMIN:
        return query
    prefix = region_prefix(user)
    return query if prefix is None else query.where(Estate.region_code.startswith(prefix))


def link_finding_id() -> sa.ColumnElement:
    """The finding a photo link belongs to, whichever record it hangs on: the finding itself,
    a company's report about it, or a revisit of it (a tablet links a photo to one of them)."""
    from server.domain.models import PhotoLink, Rectification, Revisit

    by_report = sa.select(Rectification.finding_id).where(
        Rectification.id == PhotoLink.rectification_id).scalar_subquery()
    by_revisit = sa.select(Revisit.finding_id).where(Revisit.id == PhotoLink.revisit_id).scalar_subquery()
    return sa.func.coalesce(PhotoLink.finding_id, by_report, by_revisit)


def company_may_see_photo(user: User, sha256: str) -> bool:
    """A company (or responsible unit) sees every photo of the findings on its own notices:
    the inspector's, its own reports' and the revisits'."""
    from server.domain.models import Finding, PhotoLink

    own_findings = (sa.select(Finding.id).join(Notice, Notice.id == Finding.notice_id)
                    .where(Notice.company_id == user.company_id, Notice.office_id == user.office_id))
    linked = sa.select(PhotoLink.id).where(PhotoLink.photo_sha256 == sha256, PhotoLink.deleted_at.is_(None),
                                           link_finding_id().in_(own_findings))
    return user.company_id is not None and bool(db.session.scalar(sa.select(sa.exists(linked))))
