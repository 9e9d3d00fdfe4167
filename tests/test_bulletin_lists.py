"""The bulletin's red and black lists come from the assessment module (its own tests hold the
scores to known answers): here the PDF and XLSX must list exactly what red_black_lists gives for
the period, with scores and grades, and no inspector's or complainant's name or phone."""

from __future__ import annotations

import io
import os
from datetime import date
from pathlib import Path

import openpyxl
import sqlalchemy as sa
from pypdf import PdfReader

from server.documents.bulletin_pdf import render_bulletin_pdf
from server.domain.assessment import red_black_lists
from server.domain.assessment import rules as assessment_rules
from server.domain.bulletins.report import build_bulletin
from server.domain.bulletins.workbook import write_bulletin_xlsx
from server.domain.models import Estate, Inspection, User
from server.domain.periods import Period
from server.extensions import db
from tests import bulletin_city as city
from tests.web_support import login


def _scored_city() -> dict:
    """The bulletin city with inspection scores and the template rules published for 2026."""
    world = city.build_city()
    office_id = world["office_id"]
    # Inspection scores (already out of 100; max_score is the applicable points, here 50):
    # 阳光花园 full marks, 翠湖雅苑 poor, 远山小区 between.
    for name, score in (("阳光花园", 100), ("翠湖雅苑", 60), ("远山小区", 88)):
        estate_id = db.session.scalar(sa.select(Estate.id).where(Estate.name == name))
        db.session.execute(sa.update(Inspection).where(Inspection.estate_id == estate_id)
                           .values(score=score, max_score=50))
    admin = db.session.scalar(sa.select(User).where(User.username == world["admin"]))
    assessment_rules.save_draft(db.session, office_id, assessment_rules.template_rules())
    assessment_rules.publish_draft(db.session, office_id, date(2026, 1, 1), admin)
    db.session.commit()
    return world


def test_red_and_black_lists_in_the_pdf_and_xlsx(app_ctx):
    office_id = _scored_city()["office_id"]
    november = Period.parse("2026-11")
    lists = red_black_lists(db.session, office_id, november)
    assert lists.red_estates and lists.black_estates  # the data reaches both lists
    assert "阳光花园" in {r.name for r in lists.red_estates}
    assert "翠湖雅苑" in {r.name for r in lists.black_estates}
    bulletin = build_bulletin(db.session, office_id, november)

    out = io.BytesIO()
    write_bulletin_xlsx(out, bulletin)
    book = openpyxl.load_workbook(io.BytesIO(out.getvalue()), read_only=True)
    parts = (("红榜小区", lists.red_estates), ("黑榜小区", lists.black_estates),
             ("红榜企业", lists.red_companies), ("黑榜企业", lists.black_companies))
    for sheet, rows in parts:
        got = [r[:4] for r in book[sheet].iter_rows(min_row=3, values_only=True) if isinstance(r[0], int)]
        assert got == [(n, r.name, float(r.score), r.grade) for n, r in enumerate(rows, start=1)], sheet

    pdf = render_bulletin_pdf(bulletin)
    if os.environ.get("XUNCHA_KEEP_PDF"):
        Path(os.environ["XUNCHA_KEEP_PDF"]).joinpath("bulletin-lists-2026-11.pdf").write_bytes(pdf)
    lines = [line for page in PdfReader(io.BytesIO(pdf)).pages for line in page.extract_text().splitlines()]
    text = "".join(lines).replace(" ", "")
    for _, rows in parts:
        for rank, row in enumerate(rows, start=1):
            assert any(line.replace(" ", "").startswith(f"{rank}{row.name}{row.score}{row.grade}")
                       for line in lines), row.name
    for name, phone in city.COMPLAINANTS:
        assert name not in text and phone not in text
    for person in db.session.scalars(sa.select(User).where(User.office_id == office_id)):
        assert person.display_name not in text


def test_listed_estates_link_to_their_estate_page(app, client):
    with app.app_context():
        world = _scored_city()
    login(client, world["supervisor"])
    page = client.get("/bulletins/2026-11").get_data(as_text=True)
    red = page[page.index('id="t-red_estates"'):page.index('id="s-black_estates"')]
    assert f'href="/estates/{world["estates"]["阳光花园"]}">阳光花园</a>' in red
