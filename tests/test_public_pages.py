"""The public assessment pages (red and black lists, their PDF, star ratings): only what the
office published, and no personal data: every person's name and phone in the database is
searched for in each page and in the PDF's text."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from server.domain.assessment.runs import record_run
from server.domain.models import Company, Complaint, ComplaintChannel, User
from server.domain.periods import Period
from server.extensions import db
from tests.factories import _cst

OCTOBER = Period.month(2026, 10)


@pytest.fixture
def published(make):
    world = make.assessment_world()
    rule_set = make.publish_october_rules(world)
    record_run(db.session, world["office"].id, OCTOBER, rule_set, world["inspectors"][0], published=True)
    _complainant(world)
    db.session.commit()
    return world


def _complainant(world) -> None:
    """A complaint on one of the listed estates, with its complainant's name and phone."""
    db.session.add(Complaint(office_id=world["office"].id, estate_id=world["estates"]["E2"].id,
                             region_code=world["estates"]["E2"].region_code, channel=ComplaintChannel.PHONE,
                             received_at=_cst(11), due_at=_cst(18), text="楼道堆物无人清理",
                             complainant_name="冯投诉", complainant_phone="13655556666"))


def _personal_data() -> list[str]:
    """Every person's name and phone the database holds (accounts, company contacts, complainants)."""
    words = set()
    for name, phone in db.session.execute(sa.select(User.display_name, User.phone)):
        words.update({name, phone})
    for person, phone in db.session.execute(sa.select(Company.contact_person, Company.phone)):
        words.update({person, phone})
    for name, phone in db.session.execute(sa.select(Complaint.complainant_name, Complaint.complainant_phone)):
        words.update({name, phone})
    return sorted(w for w in words if w)


def test_public_pages_show_the_lists_and_no_personal_data(app, client, published):
    office_id = published["office"].id
    base = f"/public/assessment/{office_id}/2026-10"
    pages = {path: client.get(path) for path in ("/public/assessment", base, f"{base}/stars")}
    for path, page in pages.items():
        assert page.status_code == 200, path
    text = pages[base].get_data(as_text=True)
    assert "红榜 · 小区" in text and "金色华府" in text and "97.00" in text and "蓝天物业服务有限公司" in text
    assert "★★★★★" in pages[f"{base}/stars"].get_data(as_text=True)
    pdf = client.get(f"{base}/red-black.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    # Table cells wrap: compare without the line breaks the layout put in.
    pages_text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    pdf_text = re.sub(r"\s", "", pages_text)
    assert "金色华府" in pdf_text and "老街小区" in pdf_text and "82.20" in pdf_text
    with app.app_context():
        people = _personal_data()
    assert {"钱检查", "13912340001", "孙经理", "13700000001"} <= set(people)
    for word in people:
        for path, page in pages.items():
            assert word not in page.get_data(as_text=True), (word, path)
        assert word not in pdf_text, (word, "PDF")


def test_unpublished_or_withdrawn_periods_are_not_public(app, client, published, make):
    office_id = published["office"].id
    assert client.get(f"/public/assessment/{office_id}/2026-09").status_code == 404
    assert client.get(f"/public/assessment/{office_id}/not-a-period").status_code == 404
    assert client.get("/public/assessment/not-an-id/2026-10").status_code == 404
    with app.app_context():
        from server.domain.assessment.runs import set_published

        set_published(db.session, office_id, OCTOBER, False)
        db.session.commit()
    assert client.get(f"/public/assessment/{office_id}/2026-10").status_code == 404
    assert client.get(f"/public/assessment/{office_id}/2026-10/red-black.pdf").status_code == 404
    assert "暂无公开" in client.get("/public/assessment").get_data(as_text=True)
