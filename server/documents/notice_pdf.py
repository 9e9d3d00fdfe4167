"""The rectification notice as an A4 PDF in Chinese, rendered by WeasyPrint from HTML.

Photos are scaled down before embedding (a phone photo is 3–5 MB; printed at 8 cm it needs
a fraction of that), so a notice with twenty photos stays small enough to email.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from jinja2 import Environment, FileSystemLoader, select_autoescape
from PIL import Image, ImageOps

from server.domain.finding_workflow import STATUS_LABELS
from server.domain.models import Company, Estate, Finding, Notice, NoticeStatus, Office, PhotoLink, PhotoRole
from server.domain.rectification.deadlines import DAY_KIND_LABELS, DayKind, local_date
from server.domain.rectification.notices import notice_deadlines, notice_findings
from server.extensions import db

PHOTO_EDGE = 900
PHOTO_QUALITY = 75
_env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                   autoescape=select_autoescape(["html"]))

PhotoReader = Callable[[str], bytes | None]


@dataclass
class NoticeItem:
    finding: Finding
    due: date | None
    photos: list[str]  # data: URIs


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def store_reader() -> PhotoReader:
    """Read originals from the app's photo store; a missing file prints as no photo."""
    from flask import current_app

    from server.storage import get_photo_store

    store = get_photo_store(current_app)

    def read(sha256: str) -> bytes | None:
        try:
            with store.open(sha256) as handle:
                return handle.read()
        except FileNotFoundError:
            return None

    return read


def _data_uri(data: bytes) -> str | None:
    try:
        with Image.open(io.BytesIO(data)) as img:
            img = ImageOps.exif_transpose(img).convert("RGB")
            img.thumbnail((PHOTO_EDGE, PHOTO_EDGE))
            out = io.BytesIO()
            img.save(out, "JPEG", quality=PHOTO_QUALITY, optimize=True)
    except (OSError, ValueError):
        return None
    return "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode()


def notice_context(notice: Notice, read_photo: PhotoReader, with_photos: bool = True) -> dict:
    # A cancelled notice prints what it listed, with its deadlines, stamped 已撤销.
    deadlines = notice_deadlines(notice)
    items = []
    for finding in notice_findings(notice):
        shas = [] if not with_photos else db.session.scalars(
            sa.select(PhotoLink.photo_sha256)
            .where(PhotoLink.finding_id == finding.id, PhotoLink.role == PhotoRole.EVIDENCE,
                   PhotoLink.deleted_at.is_(None))
            .order_by(PhotoLink.created_at)).all()
        photos = [uri for uri in (_data_uri(data) for data in map(read_photo, dict.fromkeys(shas)) if data)
                  if uri]
        due = deadlines.get(finding.id)
        items.append(NoticeItem(finding, local_date(due) if due else None, photos))
    return {
        "notice": notice,
        "office": db.session.get(Office, notice.office_id),
        "estate": db.session.get(Estate, notice.estate_id),
        "company": db.session.get(Company, notice.company_id) if notice.company_id else None,
        "items": items,
        "issued_on": chinese_date(local_date(notice.issued_at)),
        "cancelled": notice.status == NoticeStatus.CANCELLED,
        "cancelled_on": chinese_date(local_date(notice.cancelled_at)) if notice.cancelled_at else "",
        "day_kind": DAY_KIND_LABELS[DayKind(notice.day_kind)],
        "chinese_date": chinese_date,
        "status_labels": STATUS_LABELS,
    }


def render_notice_html(notice: Notice, read_photo: PhotoReader | None = None,
                       with_photos: bool = True) -> str:
    context = notice_context(notice, read_photo or store_reader(), with_photos)
    return _env.get_template("notice.html").render(**context)


def render_notice_pdf(notice: Notice, read_photo: PhotoReader | None = None,
                      with_photos: bool = True) -> bytes:
    """The notice as PDF; `with_photos=False` leaves the photos out (access.may_see_notice_photos)."""
    from weasyprint import HTML  # imported here: it loads Pango, which only this needs

    html = render_notice_html(notice, read_photo, with_photos)
    return HTML(string=html, base_url=str(Path(__file__).parent)).write_pdf()
