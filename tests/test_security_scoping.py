"""Nobody reads or changes what is outside their scope: reminders of others, photo details of
another district, a cancelled notice's photos in a company's PDF, the office-wide calendar, a
revisit assigned to someone else, a company shared with other districts; and the tablet's
sync and photos are scoped by office first (two offices whose codes nest, an office without
regions)."""

from __future__ import annotations

import hashlib
import io
import uuid
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from server.domain.models import (
    Company,
    PhotoLink,
    PhotoRole,
    Reminder,
    Revisit,
    RevisitStatus,
    Role,
    WorkCalendarDay,
)
from server.domain.photos import PhotoLimits, add_photo
from server.domain.rectification import issue_notice, report_rectification
from server.domain.rectification.notices import cancel_notice
from server.extensions import db
from server.storage import get_photo_store
from tests import factories as make
from tests.factories import PASSWORD
from tests.sync_client import pair
from tests.web_support import login, token_from

MONDAY = datetime(2026, 3, 2, 2, 0)


@pytest.fixture
def world(app):
    """One office: a city with districts A and B, an estate in each, the same company serving
    both; an office-wide supervisor, A's supervisor, two inspectors of A, B's inspector, the
    company's user; a finding with a photo (GPS in its EXIF) in each district."""
    app.config["CLOCK"] = lambda: MONDAY
    with app.app_context():
        office = make.office()
        city = make.region(office, name="测试市")
        areas = {}
        for key in ("a", "b"):
            district = make.region(office, city, name=f"{key}区")
            community = make.region(office, make.region(office, district), name=f"{key}社区")
            areas[key] = SimpleNamespace(district=district, community=community)
        company = make.company(office, name="共用物业公司")
        users = {
            "chief": make.user(office, Role.SUPERVISOR, region_id=city.id),
            "sup_a": make.user(office, Role.SUPERVISOR, region_id=areas["a"].district.id),
            "insp_a": make.user(office, Role.INSPECTOR, region_id=areas["a"].district.id),
            "insp_a2": make.user(office, Role.INSPECTOR, region_id=areas["a"].district.id),
            "insp_b": make.user(office, Role.INSPECTOR, region_id=areas["b"].district.id),
            "company": make.user(office, Role.COMPANY, company_id=company.id),
        }
        store, limits = get_photo_store(app), PhotoLimits.from_config(app.config)
        out = SimpleNamespace(users={k: u.username for k, u in users.items()},
                              ids={k: u.id for k, u in users.items()}, office_id=office.id)
        for key in ("a", "b"):
            estate = make.estate(areas[key].community, company, name=f"{key}花园")
            finding = make.finding(estate, description=f"{key}区的问题")
            photo = add_photo(store, make.photo_jpeg_bytes(seed=ord(key)), limits, users["chief"])
            db.session.add(PhotoLink(photo_sha256=photo.sha256, role=PhotoRole.EVIDENCE,
                                     finding_id=finding.id, region_code=finding.region_code))
            setattr(out, f"estate_{key}", estate.id)
            setattr(out, f"finding_{key}", finding.id)
            setattr(out, f"photo_{key}", photo.sha256)
            setattr(out, f"community_{key}", areas[key].community.id)
        out.company_id, out.company_code = company.id, company.credit_code
        db.session.commit()
        return out


# --- reminders ---------------------------------------------------------------------------------

def test_marking_another_users_reminder_read_answers_like_an_unknown_id(app, client, world):
    with app.app_context():
        theirs = Reminder(finding_id=world.finding_a, recipient_id=world.ids["insp_b"], channel="inbox",
                          kind="due", scheduled_at=MONDAY, sent_at=MONDAY)
        db.session.add(theirs)
        db.session.commit()
        theirs_id = theirs.id
    login(client, world.users["insp_a"])
    token = token_from(client, "/inbox")
    other = client.post("/inbox/read", data={"csrf_token": token, "reminder_id": str(theirs_id)})
    unknown = client.post("/inbox/read", data={"csrf_token": token, "reminder_id": str(uuid.uuid4())})
    assert other.status_code == unknown.status_code == 302
    assert other.headers["Location"] == unknown.headers["Location"]
    with app.app_context():
        assert db.session.get(Reminder, theirs_id).read_at is None


# --- photos ------------------------------------------------------------------------------------

def test_upload_status_keeps_another_districts_photo_details_to_itself(app, world):
    theirs = pair(app.test_client(), world.users["insp_b"], PASSWORD)
    status = app.test_client().get(f"/api/v1/photos/{world.photo_a}/upload", headers=theirs.headers)
    body = status.get_json()
    assert status.status_code == 200 and body["complete"] is True
    assert body.get("photo") is None  # no size, place or time taken from outside the district
    mine = pair(app.test_client(), world.users["insp_a"], PASSWORD)
    own = app.test_client().get(f"/api/v1/photos/{world.photo_a}/upload", headers=mine.headers)
    assert own.get_json()["photo"]["sha256"] == world.photo_a


def test_a_company_pdf_of_a_cancelled_notice_has_no_photos(app, client, world):
    with app.app_context():
        from server.domain.models import Estate, Finding, Notice, User

        estate = db.session.get(Estate, world.estate_a)
        chief = db.session.get(User, world.ids["chief"])
        notice = issue_notice(estate, [db.session.get(Finding, world.finding_a)], chief, now=MONDAY)
        db.session.commit()
        notice_id = notice.id
        cancel_notice(db.session.get(Notice, notice_id), chief, "开错了单位", MONDAY + timedelta(hours=1))
        db.session.commit()

    def images(username: str) -> int:
        login(client, username)
        reply = client.get(f"/notices/{notice_id}/pdf")
        assert reply.status_code == 200
        reader = PdfReader(io.BytesIO(reply.data))
        return len({hashlib.sha256(i.data).hexdigest() for page in reader.pages for i in page.images})

    assert images(world.users["chief"]) == 1  # the office keeps its record
    assert images(world.users["company"]) == 0  # as on the company's page


# --- calendar, revisits, ledger ----------------------------------------------------------------

def test_only_office_wide_staff_change_the_work_calendar(app, client, world):
    login(client, world.users["sup_a"])
    page = client.get("/calendar").get_data(as_text=True)
    assert "添加例外" not in page and "由负责全单位的督导或管理员维护" in page
    client.post("/calendar", data={"csrf_token": token_from(client, "/calendar"), "day": "2026-05-06",
                                   "kind": "holiday", "name": "区里放假"})
    login(client, world.users["chief"])
    assert "添加例外" in client.get("/calendar").get_data(as_text=True)
    client.post("/calendar", data={"csrf_token": token_from(client, "/calendar"), "day": "2026-05-07",
                                   "kind": "holiday", "name": "全市放假"})
    with app.app_context():
        days = {row.name for row in db.session.scalars(sa.select(WorkCalendarDay))}
    assert days == {"全市放假"}


def test_a_district_supervisor_cannot_move_or_remove_an_office_wide_day(app, client, world):
    login(client, world.users["chief"])
    client.post("/calendar", data={"csrf_token": token_from(client, "/calendar"), "day": "2026-10-08",
                                   "kind": "holiday", "name": "国庆节"})
    login(client, world.users["sup_a"])
    token = token_from(client, "/calendar")
    moved = client.post("/calendar", follow_redirects=True, data={
        "csrf_token": token, "day": "2026-10-08", "kind": "workday", "name": "区里调休上班"})
    removed = client.post("/calendar/remove", follow_redirects=True,
                          data={"csrf_token": token, "day": "2026-10-08"})
    assert moved.status_code == removed.status_code == 200
    assert "由负责全单位的督导或管理员维护" in removed.get_data(as_text=True)
    with app.app_context():
        days = [(row.day.isoformat(), row.is_workday, row.name)
                for row in db.session.scalars(sa.select(WorkCalendarDay))]
    assert days == [("2026-10-08", False, "国庆节")]


def test_an_inspector_records_only_their_own_revisit(app, client, world):
    with app.app_context():
        from server.domain.models import Estate, Finding, User

        finding = db.session.get(Finding, world.finding_a)
        chief, company = (db.session.get(User, world.ids[k]) for k in ("chief", "company"))
        issue_notice(db.session.get(Estate, world.estate_a), [finding], chief, now=MONDAY)
        report_rectification(finding, company, now=MONDAY + timedelta(days=1))
        revisit = db.session.scalars(sa.select(Revisit).where(Revisit.finding_id == finding.id)).one()
        revisit.inspector_id = world.ids["insp_a2"]
        db.session.commit()
        revisit_id = revisit.id
    form = {"result": "fixed", "note": "现场已清理完毕", "confirm": "yes"}
    login(client, world.users["insp_a"])
    refused = client.post(f"/revisits/{revisit_id}", follow_redirects=True,
                          data={**form, "csrf_token": token_from(client, "/revisits")})
    assert "已指派给其他检查员" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Revisit, revisit_id).status == RevisitStatus.PENDING
    login(client, world.users["insp_a2"])
    client.post(f"/revisits/{revisit_id}", data={**form, "csrf_token": token_from(client, "/revisits")})
    with app.app_context():
        assert db.session.get(Revisit, revisit_id).status == RevisitStatus.DONE


def test_a_district_ledger_cannot_rename_a_company_serving_other_districts(app, client, world, tmp_path):
    app.config["LEDGER_UPLOAD_DIR"] = str(tmp_path / "ledger-uploads")
    with app.app_context():
        from server.domain.models import Region

        row = make.ledger_rows([db.session.get(Region, world.community_a)], 1)[0]
    row.update({"小区名称": "a花园", "物业服务企业": "改了名的物业公司",
                "统一社会信用代码": world.company_code})
    data = make.ledger_xlsx([row])

    def check(username: str) -> str:
        login(client, username)
        return client.post("/ledger/check", content_type="multipart/form-data", data={
            "csrf_token": token_from(client, "/ledger"), "file": (io.BytesIO(data), "台账.xlsx")}
        ).get_data(as_text=True)

    assert "该企业还服务于您管辖范围以外的小区" in check(world.users["sup_a"])
    assert "该企业还服务于您管辖范围以外的小区" not in check(world.users["chief"])
    with app.app_context():
        assert db.session.get(Company, world.company_id).name == "共用物业公司"


# --- item 7: scope by office first -------------------------------------------------------------

@pytest.fixture
def nested_offices(app):
    """A city office whose code 3205 prefixes a district office's 320505, and an office
    without any region; an office-wide inspector in each."""
    with app.app_context():
        city_office, district_office, bare_office = make.office(), make.office(), make.office()
        city = make.region(city_office, code="3205", name="苏州市")
        city_estate = make.estate(make.region(city_office, make.region(city_office, make.region(
            city_office, city, code="320501")), code="320501001"), name="市里的小区")
        district = make.region(district_office, code="320505", name="高新区")
        street = make.region(district_office, district, code="320505001")
        district_community = make.region(district_office, street, code="320505001001")
        district_estate = make.estate(district_community, name="区里的小区")
        finding = make.finding(district_estate, description="区里的问题")
        store, limits = get_photo_store(app), PhotoLimits.from_config(app.config)
        photo = add_photo(store, make.photo_jpeg_bytes(seed=7), limits, None)
        db.session.add(PhotoLink(photo_sha256=photo.sha256, role=PhotoRole.EVIDENCE, finding_id=finding.id,
                                 region_code=finding.region_code))
        users = {name: make.user(office, Role.INSPECTOR, region_id=region_id).username
                 for name, office, region_id in (("city", city_office, city.id),
                                                 ("district", district_office, None),
                                                 ("bare", bare_office, None))}
        db.session.commit()
        return SimpleNamespace(users=users, city_estate=str(city_estate.id), finding=str(finding.id),
                               district_estate=str(district_estate.id), photo=photo.sha256)


def bootstrap_ids(app, username: str) -> set[str]:
    """What a new tablet of the user gets, by bootstrap and by a pull from the start."""
    first, second = (pair(app.test_client(), username, PASSWORD) for _ in range(2))
    by_bootstrap = {record["id"] for record in first.bootstrap()}
    by_pull = {record["id"] for record in second.pull_all()}
    assert by_bootstrap <= by_pull
    return by_pull


def test_an_office_whose_code_prefixes_another_never_pulls_the_others_rows(app, nested_offices):
    city_sees = bootstrap_ids(app, nested_offices.users["city"])
    assert nested_offices.city_estate in city_sees
    assert nested_offices.district_estate not in city_sees and nested_offices.finding not in city_sees
    district_sees = bootstrap_ids(app, nested_offices.users["district"])
    assert nested_offices.district_estate in district_sees and nested_offices.city_estate not in district_sees


def test_an_office_without_regions_pulls_nothing_of_other_offices(app, nested_offices):
    assert bootstrap_ids(app, nested_offices.users["bare"]) & {
        nested_offices.city_estate, nested_offices.district_estate, nested_offices.finding} == set()


def test_photos_and_pushes_are_scoped_by_office_first(app, nested_offices):
    city = pair(app.test_client(), nested_offices.users["city"], PASSWORD)
    bare = pair(app.test_client(), nested_offices.users["bare"], PASSWORD)
    for tablet in (city, bare):
        reply = app.test_client().get(f"/api/v1/photos/{nested_offices.photo}", headers=tablet.headers)
        assert reply.status_code == 404
    district = pair(app.test_client(), nested_offices.users["district"], PASSWORD)
    own = app.test_client().get(f"/api/v1/photos/{nested_offices.photo}", headers=district.headers)
    assert own.status_code == 200
    own.close()
    record = city.record("inspection", {"estate_id": nested_offices.district_estate, "kind": "routine"})
    result = city.push([record])["results"][0]
    assert result["status"] == "rejected" and result["code"] == "out_of_scope"
