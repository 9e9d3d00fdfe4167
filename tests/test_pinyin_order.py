"""Lists of estates, companies and offices come in pinyin order (安居 before 长安 before 重庆 before
阳光 before 中海), as a Chinese reader looks for a name, not in Unicode order; rankings keep their
score order and break ties by pinyin."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from openpyxl import load_workbook

from server.domain.assessment import company_scores, estate_scores, red_black_lists, star_ratings
from server.domain.dashboard.company_list import CompanyFilters, company_page
from server.domain.dashboard.estate_list import EstateFilters, estate_page
from server.domain.exports.company_export import export_companies
from server.domain.exports.estate_export import export_estates
from server.domain.models import InspectionStatus, Role
from server.domain.periods import Period
from server.domain.pinyin_sort import by_pinyin, pinyin_key
from server.extensions import db

# In pinyin order; sorted by code point they would come 中海, 安居, 重庆, 长安, 阳光.
ESTATES = ["安居苑", "长安小区", "重庆新村", "阳光花园", "中海华庭"]
COMPANIES = ["爱家物业", "城建物业", "东方物业", "万科物业", "中天物业"]
NOW = datetime(2026, 11, 20, 2)


def test_names_sort_by_pinyin_with_tones_letters_and_digits():
    names = ["中海物业", "阿里小区", "1号院", "昂立小区", "安居小区", "ABC物业", "长安物业", "重庆路"]
    assert by_pinyin(names, str) == ["1号院", "ABC物业", "阿里小区", "安居小区", "昂立小区", "长安物业",
                                     "重庆路", "中海物业"]
    assert pinyin_key("长安") < pinyin_key("长安小区")  # a name before the longer names it begins


@pytest.fixture
def city(make):
    office = make.office()
    tree = make.region_tree(office)
    companies = [make.company(office, name=name) for name in reversed(COMPANIES)]
    estates = [make.estate(tree["community"], companies[i], name=name)
               for i, name in enumerate(reversed(ESTATES))]
    return {"office": office, "admin": make.user(office, Role.ADMIN), "companies": companies,
            "estates": estates, "community": tree["community"]}


def _all_pages(page, filters):
    names, cursor = [], None
    while True:
        rows, cursor = page(filters if cursor is None else filters.__class__(after=cursor))
        names += rows
        if cursor is None:
            return names


@pytest.mark.parametrize(("page", "filters", "export", "name_of", "expected"), [
    (estate_page, EstateFilters, export_estates, lambda r: r.estate.name, ESTATES),
    (company_page, CompanyFilters, export_companies, lambda r: r.company.name, COMPANIES),
], ids=["estates", "companies"])
def test_list_pages_and_export_follow_pinyin(city, page, filters, export, name_of, expected):
    rows = _all_pages(lambda f: page(city["admin"], f, NOW, size=2), filters())
    assert [name_of(r) for r in rows] == expected
    out = io.BytesIO()
    export(out, city["admin"], filters(), NOW)
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == expected


def test_a_renamed_estate_moves_to_its_new_place(city):
    city["estates"][0].name = "阿里新城"  # was 中海华庭, the last
    db.session.flush()
    rows = _all_pages(lambda f: estate_page(city["admin"], f, NOW, size=3), EstateFilters())
    assert [r.estate.name for r in rows] == ["阿里新城", *ESTATES[:-1]]


def test_rankings_keep_the_score_order_and_break_ties_by_pinyin(city, make):
    make.publish_rules(city["office"])
    october = Period.month(2026, 10)
    # 中 comes before 长 by code point, after it by pinyin.
    scores = {"重庆新村": 75, "安居苑": 70, "长安小区": 95, "阳光花园": 75, "中海华庭": 95}
    for estate in city["estates"]:
        make.inspection(estate, status=InspectionStatus.FINISHED, score=scores[estate.name], max_score=80,
                        finished_at=datetime(2026, 10, 10, 2))
    ranked = [s.name for s in estate_scores(db.session, city["office"].id, october)]
    assert ranked == ["长安小区", "中海华庭", "重庆新村", "阳光花园", "安居苑"]
    assert [s.name for s in star_ratings(db.session, city["office"].id, october)] == ranked
    # Each company runs one estate, so the companies tie on credit (no findings): pinyin order.
    assert [c.name for c in company_scores(db.session, city["office"].id, october)] == COMPANIES
    lists = red_black_lists(db.session, city["office"].id, october, n=2)
    assert [r.name for r in lists.red_estates] == ["长安小区", "中海华庭"]
    assert [r.name for r in lists.black_estates] == ["安居苑", "重庆新村"]  # worst first, then pinyin
