"""一个小区的档案 The estate's history on one A4 page (WeasyPrint, like the notices): its
figures, inspections and scores over time, recent findings, and before/after photos of the
latest fixed ones. Rows are capped so the page never runs onto a second sheet."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from server.documents.notice_pdf import PhotoReader, _data_uri, _env, chinese_date, store_reader
from server.domain.dashboard.inspections import estate_scores
from server.domain.dashboard.scope import OPEN_STATUSES, days_late, overdue_clause
from server.domain.finding_workflow import STATUS_LABELS
from server.domain.models import Company, Estate, Finding, FindingStatus, Office, Region
from server.domain.rectification.deadlines import local_date
from server.extensions import db

RECENT_FINDINGS = 12
INSPECTIONS = 8
PHOTO_PAIRS = 2


def recent_findings(estate: Estate) -> list[Finding]:
    """The findings the page lists, newest first."""
    return list(db.session.scalars(
        sa.select(Finding).where(Finding.estate_id == estate.id, Finding.deleted_at.is_(None))
        .order_by(Finding.found_at.desc(), Finding.id.desc()).limit(RECENT_FINDINGS)))


def estate_context(estate: Estate, photos: dict, read_photo: PhotoReader, now: datetime) -> dict:
    """`photos`: finding id → {"before": [sha…], "after": [sha…]} (the estate page's own map)."""
    mine = [Finding.estate_id == estate.id, Finding.deleted_at.is_(None)]

    def count(*where) -> int:
        query = sa.select(sa.func.count()).select_from(Finding).where(*mine, *where)
        return int(db.session.scalar(query) or 0)

    recent = recent_findings(estate)
    pairs = []
    for finding in recent:
        shots = photos.get(finding.id) or {}
        if finding.status == FindingStatus.CLOSED and shots.get("before") and shots.get("after"):
            before, after = (_data_uri(read_photo(shots[k][0]) or b"") for k in ("before", "after"))
            if before and after:
                pairs.append((finding, before, after))
        if len(pairs) == PHOTO_PAIRS:
            break
    return {
        "estate": estate,
        "office": db.session.get(Office, estate.office_id),
        "company": db.session.get(Company, estate.company_id) if estate.company_id else None,
        "region": db.session.get(Region, estate.region_id),
        "figures": {"total": count(), "open": count(Finding.status.in_(OPEN_STATUSES)),
                    "overdue": count(overdue_clause(now)),
                    "closed": count(Finding.status == FindingStatus.CLOSED)},
        "scores": estate_scores(estate, limit=INSPECTIONS),
        "recent": [(f, days_late(f.due_at, f.status, now)) for f in recent],
        "pairs": pairs,
        "printed_on": chinese_date(local_date(now)),
        "local_date": local_date,
        "status_labels": STATUS_LABELS,
    }


def render_estate_html(estate: Estate, photos: dict, now: datetime,
                       read_photo: PhotoReader | None = None) -> str:
    return _env.get_template("estate_history.html").render(
        **estate_context(estate, photos, read_photo or store_reader(), now))


def render_estate_pdf(estate: Estate, photos: dict, now: datetime,
                      read_photo: PhotoReader | None = None) -> bytes:
    from weasyprint import HTML  # imported here: it loads Pango, which only this needs

    html = render_estate_html(estate, photos, now, read_photo)
    return HTML(string=html, base_url=str(Path(__file__).parent)).write_pdf()
