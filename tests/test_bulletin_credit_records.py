"""The bulletin's 行政处罚 and 通报表扬 parts list the office's penalty and commendation records
(奖惩记录) of the period, within the bulletin's area, on the page, in the XLSX and in the PDF;
withdrawn records and those of another period never."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from pypdf import PdfReader

from server.documents.bulletin_pdf import render_bulletin_pdf
from server.domain.bulletins.report import build_bulletin
from server.domain.bulletins.tables import bulletin_tables
from server.domain.bulletins.workbook import write_bulletin_xlsx
from server.domain.models import CreditRecord, Role
from server.domain.periods import Period
from server.extensions import db
from tests import factories as make
from tests.web_support import login

OCTOBER = Period.month(2026, 10)


def _world() -> dict:
    """tests.factories.assessment_world (October: 红旗's commendation, 蓝天's penalty, a withdrawn
    one, one of November) and a second district whose company was fined in October."""
    world = make.assessment_world()
    rules = make.publish_october_rules(world)
    office, tree = world["office"], world["tree"]
    street = make.region(office, make.region(office, tree["city"], name="北区"), name="北街道")
    north = make.estate(make.region(office, street, name="北社区"),
                        make.company(office, name="北方物业服务有限公司"), name="北苑小区")
    db.session.add(CreditRecord(office_id=office.id, company_id=north.company_id, estate_id=north.id,
                                kind="penalty", occurred_on=date(2026, 10, 10), title="占用消防通道罚款",
                                points=Decimal("5")))
    world["admin"] = make.user(office, Role.ADMIN).username
    db.session.commit()
    credit = rules.rules["credit"]
    world["expected"] = {
        "penalty_records": [("2026-10-10", "北方物业服务有限公司", "北苑小区", "占用消防通道罚款", 5.0),
                            ("2026-10-20", "蓝天物业服务有限公司", "", "拒不整改通报批评",
                             float(credit["penalty_points"]))],
        "commendation_records": [("2026-10-15", "红旗物业服务有限公司", "", "垃圾分类示范小区",
                                  float(credit["commendation_points"]))]}
    return world


@pytest.fixture
def world(app_ctx):
    return _world()


def _rows(table) -> list[tuple]:
    return [tuple(float(c.value) if c.value is not None and i == 4 else c.value for i, c in enumerate(row))
            for row in table.rows]


def test_penalties_and_commendations_of_the_period_are_listed(world):
    tables = {t.key: t for t in bulletin_tables(build_bulletin(db.session, world["office"].id, OCTOBER))}
    for key, expected in world["expected"].items():
        assert _rows(tables[key]) == expected, key


def test_a_district_bulletin_lists_only_its_own_records(world):
    district = build_bulletin(db.session, world["office"].id, OCTOBER, world["tree"]["district"].code)
    tables = {t.key: t for t in bulletin_tables(district)}
    assert _rows(tables["penalty_records"]) == world["expected"]["penalty_records"][1:]
    assert _rows(tables["commendation_records"]) == world["expected"]["commendation_records"]
    november = {t.key: t for t in bulletin_tables(build_bulletin(db.session, world["office"].id,
                                                                 Period.month(2026, 12)))}
    assert november["penalty_records"].rows == [] and "本期无行政处罚记录" in november["penalty_records"].note


def test_the_xlsx_and_the_pdf_carry_the_same_records(world):
    bulletin = build_bulletin(db.session, world["office"].id, OCTOBER)
    out = io.BytesIO()
    write_bulletin_xlsx(out, bulletin)
    book = openpyxl.load_workbook(io.BytesIO(out.getvalue()), read_only=True)
    for sheet, key in (("行政处罚", "penalty_records"), ("通报表扬", "commendation_records")):
        got = [tuple("" if v == "—" or v is None else v for v in row)
               for row in book[sheet].iter_rows(min_row=3, values_only=True)]
        assert got == world["expected"][key], sheet
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(render_bulletin_pdf(bulletin))).pages)
    text = text.replace(" ", "").replace("\n", "")
    for rows in world["expected"].values():
        for day, company, estate, title, _ in rows:
            assert f"{day}{company}{estate}{title}" in text, title
    assert "已撤销的处罚" not in text and "十一月的处罚" not in text


def test_the_page_shows_both_parts(app, client):
    with app.app_context():
        world = _world()
    login(client, world["admin"])
    page = client.get("/bulletins/2026-10").get_data(as_text=True)
    penalties = page[page.index('id="s-penalty_records"'):page.index('id="s-commendation_records"')]
    assert re.search(r"2026-10-20.*蓝天物业服务有限公司.*拒不整改通报批评", penalties, re.S)
    assert "占用消防通道罚款" in penalties and "垃圾分类示范小区" not in penalties
    commendations = page[page.index('id="s-commendation_records"'):]
    assert "垃圾分类示范小区" in commendations and "已撤销的处罚" not in page
