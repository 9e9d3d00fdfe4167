"""Close-out on the web needs evidence and a yes, and names who did it; company users see every
photo of their notices; the notice number reads the same on the page and in the PDF; error
pages are Chinese and in the layout (JSON under /api/); every request leaves one log line."""

from __future__ import annotations

import io
import logging
import re
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from server.domain.models import AuditEntry, FindingStatus, PhotoLink, PhotoRole, Revisit, Role
from server.domain.photos import PhotoLimits, add_photo
from server.domain.rectification import issue_notice, report_rectification
from server.extensions import db
from server.storage import get_photo_store
from tests.factories import jpeg_bytes
from tests.web_support import login, token_from

MONDAY = datetime(2026, 3, 2, 2, 0)


@pytest.fixture
def reported(app, make):
    """A finding on a notice whose company reported a fix: its revisit waits for the inspector,
    while a supervisor of the district does it on the web. Photos hang on the finding, on the
    report and on an earlier revisit, as tablets link them."""
    app.config["CLOCK"] = lambda: MONDAY + timedelta(days=2)
    world = make.loop_world()
    store, limits = get_photo_store(app), PhotoLimits.from_config(app.config)
    finding = make.finding(world["estate"], found_at=MONDAY)
    photo = add_photo(store, jpeg_bytes(seed=1), limits, world["inspector"])
    db.session.add(PhotoLink(photo_sha256=photo.sha256, role=PhotoRole.EVIDENCE, finding_id=finding.id,
                             region_code=finding.region_code))
    notice = issue_notice(world["estate"], [finding], world["supervisor"], now=MONDAY)
    rect = report_rectification(finding, world["company_user"], now=MONDAY + timedelta(days=1), note="已清理")
    after = add_photo(store, jpeg_bytes(seed=2), limits, world["company_user"])
    db.session.add(PhotoLink(photo_sha256=after.sha256, role=PhotoRole.AFTER, rectification_id=rect.id,
                             region_code=finding.region_code))
    revisit = db.session.scalar(sa.select(Revisit).where(Revisit.finding_id == finding.id))
    seen = add_photo(store, jpeg_bytes(seed=3), limits, world["inspector"])
    db.session.add(PhotoLink(photo_sha256=seen.sha256, role=PhotoRole.AFTER, revisit_id=revisit.id,
                             region_code=finding.region_code))
    db.session.commit()
    return {**world, "finding": finding, "notice": notice, "revisit": revisit,
            "photos": {photo.sha256, after.sha256, seen.sha256}}


def _close(client, revisit, **form):
    token = token_from(client, "/revisits")
    return client.post(f"/revisits/{revisit.id}", data={"csrf_token": token, "result": "fixed", **form},
                       content_type="multipart/form-data", follow_redirects=True)


def test_web_close_out_without_evidence_or_confirmation_is_refused(client, reported):
    login(client, reported["supervisor"].username)
    for form, words in (({"confirm": "yes"}, "请上传整改后照片或填写复查说明"),
                        ({"note": "ok", "confirm": "yes"}, "请上传整改后照片或填写复查说明"),
                        ({"note": "楼道已清理干净"}, "请勾选确认")):
        page = _close(client, reported["revisit"], **form).get_data(as_text=True)
        assert words in page, form
    db.session.expire_all()
    assert reported["finding"].status == FindingStatus.RECTIFIED_REPORTED


def test_web_close_out_with_a_reason_names_the_supervisor_who_did_it(client, reported):
    login(client, reported["supervisor"].username)
    page = _close(client, reported["revisit"], note="楼道已清理干净", confirm="yes").get_data(as_text=True)
    assert "已记录回头看结果" in page
    db.session.expire_all()
    revisit = db.session.get(Revisit, reported["revisit"].id)
    assert revisit.finding.status == FindingStatus.CLOSED
    assert revisit.done_by_id == reported["supervisor"].id != revisit.inspector_id
    notice_page = client.get(f"/notices/{reported['notice'].id}").get_data(as_text=True)
    assert f"记录人 <small>recorded by</small> {reported['supervisor'].display_name}" in notice_page


def test_web_close_out_with_an_after_photo_keeps_the_photo(client, reported):
    login(client, reported["supervisor"].username)
    _close(client, reported["revisit"], confirm="yes", photos=(io.BytesIO(jpeg_bytes(seed=9)), "after.jpg"))
    db.session.expire_all()
    links = db.session.scalars(sa.select(PhotoLink)
                               .where(PhotoLink.revisit_id == reported["revisit"].id)).all()
    assert len(links) == 2 and reported["finding"].status == FindingStatus.CLOSED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "attach_revisit_photos")) == 1


def test_a_company_user_sees_every_photo_of_its_notice(client, reported):
    login(client, reported["company_user"].username)
    page = client.get(f"/notices/{reported['notice'].id}").get_data(as_text=True)
    shown = set(re.findall(r'/photos/([0-9a-f]{64})\?size=thumb', page))
    assert shown == reported["photos"]
    for sha in shown:
        for query in ("?size=thumb", ""):
            reply = client.get(f"/photos/{sha}{query}")
            reply.close()  # send_file's handle
            assert reply.status_code == 200 and reply.mimetype == "image/jpeg", (sha, query)


def test_another_company_sees_none_of_them(client, reported, make):
    stranger = make.user(reported["office"], Role.COMPANY, company_id=make.company(reported["office"]).id)
    db.session.commit()
    login(client, stranger.username)
    for sha in reported["photos"]:
        assert client.get(f"/photos/{sha}?size=thumb").status_code == 404


def test_the_notice_number_is_the_same_on_the_page_and_in_the_pdf(client, reported):
    login(client, reported["supervisor"].username)
    label = reported["notice"].label
    assert f"整改通知书 {label}" in client.get(f"/notices/{reported['notice'].id}").get_data(as_text=True)
    pdf = client.get(f"/notices/{reported['notice'].id}/pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert label in text
    number_line = next(line for line in text.splitlines() if "第0001号" in line)
    assert number_line.strip() == label


def test_error_pages_are_chinese_in_the_layout_and_json_under_the_api(app, client, reported):
    login(client, reported["company_user"].username)
    forbidden = client.get("/estates")
    assert forbidden.status_code == 403 and "无权访问" in forbidden.get_data(as_text=True)
    assert 'class="top"' in forbidden.get_data(as_text=True)  # the site's header, with its menu
    missing = client.get("/no/such/page")
    assert missing.status_code == 404 and "页面不存在" in missing.get_data(as_text=True)
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.is_json and api.json["error"]["code"] == "not_found"


def test_a_failure_shows_the_500_page_and_keeps_no_half_change(app, client, reported, caplog):
    finding_id = reported["finding"].id

    def breaks_halfway():
        from server.domain.models import Finding

        db.session.get(Finding, finding_id).description = "半途的修改"
        db.session.flush()
        raise RuntimeError("a bug")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.add_url_rule("/test-breaks", "test_breaks", breaks_halfway)
    app.add_url_rule("/api/v1/test-breaks", "api_test_breaks", breaks_halfway)
    with caplog.at_level(logging.ERROR, logger="xuncha.errors"):
        page = client.get("/test-breaks")
        api = client.get("/api/v1/test-breaks")
    assert page.status_code == 500 and "服务器出错了" in page.get_data(as_text=True)
    assert "Traceback" not in page.get_data(as_text=True) and "a bug" not in page.get_data(as_text=True)
    assert api.status_code == 500 and api.is_json
    assert any("a bug" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)  # the trace is logged
    db.session.expire_all()
    assert reported["finding"].description != "半途的修改"


def test_every_request_leaves_one_access_log_line(client, reported, caplog):
    with caplog.at_level(logging.INFO, logger="xuncha.access"):
        login(client, reported["supervisor"].username)
        client.get("/estates")
        client.get("/api/v1/no-such-thing")
    lines = [r.getMessage() for r in caplog.records if r.name == "xuncha.access"]
    assert len(lines) == 4  # login page, login post, estates, the API's 404
    assert re.fullmatch(rf"GET /estates 200 \d+\.\dms {reported['supervisor'].username}", lines[2])
    assert re.fullmatch(r"GET /login 200 \d+\.\dms -", lines[0])  # nobody logged in yet
    assert re.fullmatch(r"GET /api/v1/no-such-thing 404 \d+\.\dms \S+", lines[3])
