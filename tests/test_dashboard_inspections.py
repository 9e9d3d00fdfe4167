"""Inspections on the dashboard: the list (filtered, by keyset), one inspection as answered
with its photos and findings, and the estate page's scores over time."""

from __future__ import annotations

import re
import uuid

import pytest

from server.domain.models import (
    Answer,
    AnswerResult,
    Estate,
    Inspection,
    InspectionStatus,
    Office,
    PhotoLink,
    PhotoRole,
    User,
)
from server.domain.photos import PhotoLimits, add_photo
from server.extensions import db
from server.storage import get_photo_store
from tests import factories
from tests.dashboard_city import NOW, ago, build_city
from tests.web_support import login


@pytest.fixture
def answered(app):
    """The city, plus a finished checklist with one failed item (note and a real JPEG)."""
    app.config["CLOCK"] = lambda: NOW
    with app.app_context():
        city = build_city()
        estate = db.session.get(Estate, uuid.UUID(city["estates"][0]))
        inspector = db.session.get(User, uuid.UUID(city["inspector_id"]))
        template = factories.template(db.session.get(Office, estate.office_id))
        visit = db.session.get(Inspection, uuid.UUID(city["inspection"]))
        visit.template_id = template.id
        items = template.items
        for n, item in enumerate(items):
            result = AnswerResult.FAIL if n == 1 else AnswerResult.PASS
            db.session.add(Answer(inspection_id=visit.id, item_id=item.id, result=result,
                                  region_code=visit.region_code, answered_at=ago(2),
                                  note="消防栓箱门损坏，无水带" if n == 1 else ""))
        db.session.flush()
        failed = next(a for a in visit.answers if a.result == AnswerResult.FAIL)
        photo = add_photo(get_photo_store(app), factories.jpeg_bytes(seed=7),
                          PhotoLimits.from_config(app.config), inspector)
        db.session.add(PhotoLink(photo_sha256=photo.sha256, role=PhotoRole.EVIDENCE, answer_id=failed.id,
                                 region_code=visit.region_code))
        factories.finding(estate, inspection_id=visit.id, description="消防栓箱门损坏", found_at=ago(2))
        factories.inspection(estate, status=InspectionStatus.FINISHED, finished_at=ago(40), score=71,
                             max_score=100, inspectors=[inspector])
        db.session.commit()
        return {**city, "photo": photo.sha256, "item_text": items[1].text}


def test_an_inspection_shows_the_checklist_as_answered_with_photos_and_findings(client, answered):
    login(client, answered["supervisor"])
    html = client.get(f"/inspections/{answered['inspection']}").get_data(as_text=True)
    assert "日常检查" in html and "阳光花园" in html and "李检查" in html
    assert "92" in html and "百分制 out of 100" in html  # the score is on a 100-point scale already
    assert answered["item_text"] in html and "消防栓箱门损坏，无水带" in html and "不合格" in html
    assert f"/photos/{answered['photo']}" in html
    assert "消防栓箱门损坏" in html.split("发现的问题")[1]  # the finding it raised


def test_the_inspections_list_filters_and_links_each_inspection(client, answered):
    login(client, answered["supervisor"])
    html = client.get("/inspections").get_data(as_text=True)
    links = re.findall(r'href="/inspections/([0-9a-f-]{36})"', html)
    assert len(links) == 2 and links[0] == answered["inspection"]  # newest first
    assert "92 / 100" in html and "71 / 100" in html
    only = client.get("/inspections", query_string={"date_from": "2026-03-01"}).get_data(as_text=True)
    assert re.findall(r'href="/inspections/([0-9a-f-]{36})"', only) == [answered["inspection"]]
    assert client.get("/inspections", query_string={"q": "chyy"}).get_data(as_text=True).count(
        'href="/inspections/') == 0
    refused = client.get("/inspections", query_string={"date_from": "昨天"})
    assert refused.status_code == 400 and "日期" in refused.get_data(as_text=True)


def test_the_estate_page_shows_its_inspections_and_scores_over_time(client, answered):
    login(client, answered["supervisor"])
    html = client.get(f"/estates/{answered['estates'][0]}").get_data(as_text=True)
    section = html.split("检查记录与得分")[1]
    assert f"/inspections/{answered['inspection']}" in section
    assert "92.0%" in section and "71.0%" in section


def test_other_scopes_never_see_an_inspection(client, answered):
    login(client, answered["far"])
    assert client.get(f"/inspections/{answered['inspection']}").status_code == 404
    assert answered["inspection"] not in client.get("/inspections").get_data(as_text=True)


def test_the_estates_list_has_every_estate_with_company_score_and_counts(client, answered):
    from io import BytesIO

    from openpyxl import load_workbook

    login(client, answered["supervisor"])
    html = client.get("/estates").get_data(as_text=True)
    rows = re.findall(r'<tr class="[^"]*"><td><a href="/estates/([0-9a-f-]{36})">([^<]+)</a></td>\s*'
                      r'<td>[^<]*</td><td>([^<]*)</td>\s*<td class="num">([^<]+)</td>', html)
    assert [(name, company, score) for _, name, company, score in rows] == [
        ("翠湖雅苑", "翠湖物业管理有限公司", "—"), ("阳光花园", "阳光物业服务有限公司", "92.0%")]
    assert "远方小区" not in html
    sunny, lake = (f'href="/estates/{e}"' for e in answered["estates"][:2])
    overdue = client.get("/estates", query_string={"overdue_only": "1"}).get_data(as_text=True)
    assert sunny in overdue and lake not in overdue
    found = client.get("/estates", query_string={"q": "chyy"}).get_data(as_text=True)
    assert lake in found and sunny not in found
    download = client.get("/estates/export.xlsx")
    sheet = load_workbook(BytesIO(download.data)).active
    download.close()
    exported = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert set(exported) == {"翠湖雅苑", "阳光花园"}
    assert exported["阳光花园"][5:8] == (92, 5, 2)  # score %, open (one raised by the inspection), overdue
    assert client.get("/estates", query_string={"company": "x"}).status_code == 400
