"""台账导入 on the dashboard: template, upload and check (nothing written), confirm (all written,
audited), and the ways it is refused. Everything goes through HTTP as a logged-in user."""

from __future__ import annotations

import io
import os
import re
import shutil
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from server.domain.models import AuditEntry, Company, Estate, RegionLevel, Role
from server.domain.models.base import utcnow
from server.extensions import db
from tests import factories
from tests.mobile_helpers import live_server  # noqa: F401
from tests.test_web_browser import CHROMIUM, FLAGS
from tests.web_support import login, token_from

_ERROR = re.compile(r'<div class="flash error">(.*?)</div>', re.S)
_CONFIRM = re.compile(r'action="/ledger/([A-Za-z0-9_-]{32})/confirm"')


@pytest.fixture
def city(app, tmp_path):
    """An office with two streets of three communities, and one user of each role.

    Built in an app context of its own and closed again, so that every request below gets its
    own context and session, as in production (a shared one would share the CSRF token too)."""
    app.config["LEDGER_UPLOAD_DIR"] = str(tmp_path / "ledger-uploads")
    with app.app_context():
        office = factories.office()
        regions = factories.community_tree(office, streets=2, communities_per_street=3)
        company = factories.company(office)
        street = next(r for r in regions if r.level == RegionLevel.STREET)
        users = {"admin": Role.ADMIN, "supervisor": Role.SUPERVISOR, "street_sup": Role.SUPERVISOR,
                 "inspector": Role.INSPECTOR, "company": Role.COMPANY}
        ids = {name: factories.user(office, role, username=name, company_id=company.id if name == "company"
                                    else None, region_id=street.id if name == "street_sup" else None).id
               for name, role in users.items()}
        db.session.commit()
        # Plain copies: what ledger_rows and the assertions read, usable after the context ends.
        copies = [SimpleNamespace(id=r.id, level=r.level, name=r.name, code=r.code, parent_id=r.parent_id)
                  for r in regions]
        return SimpleNamespace(app=app, office_id=office.id, regions=copies, street_id=street.id,
                               user_ids=ids, uploads=tmp_path / "ledger-uploads")


def communities(regions):
    return [r for r in regions if r.level == RegionLevel.COMMUNITY]


def upload(client, data: bytes, filename: str = "台账.xlsx"):
    return client.post("/ledger/check", data={"csrf_token": token_from(client, "/ledger"),
                                              "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def confirm(client, token: str, follow_redirects: bool = True):
    return client.post(f"/ledger/{token}/confirm", data={"csrf_token": token_from(client, "/ledger")},
                       follow_redirects=follow_redirects)


def checked_token(client, data: bytes) -> str:
    page = upload(client, data)
    assert page.status_code == 200
    return _CONFIRM.search(page.get_data(as_text=True)).group(1)


def errors_on(page) -> list[str]:
    return [m.strip() for m in _ERROR.findall(page.get_data(as_text=True))]


def count(city, model) -> int:
    with city.app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model)
                                 .where(model.office_id == city.office_id))


def import_audits(city) -> list[AuditEntry]:
    with city.app.app_context():
        return db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "import_ledger")).all()


def max_seq(city) -> int | None:
    with city.app.app_context():
        return db.session.scalar(sa.select(sa.func.max(Estate.server_seq)))


def kept_files(city) -> list[Path]:
    return sorted(p for p in city.uploads.rglob("*") if p.is_file()) if city.uploads.exists() else []


# The template -----------------------------------------------------------------------------------

def test_the_template_is_an_xlsx_listing_the_offices_communities(client, city):
    login(client, "admin")
    reply = client.get("/ledger/template.xlsx")
    assert reply.status_code == 200
    assert reply.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in reply.headers["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(reply.data))
    assert workbook.sheetnames == ["小区台账", "填写说明", "社区列表"]
    assert [c.value for c in workbook["小区台账"][1]] == factories.ledger_headers()
    listed = {row[3] for row in workbook["社区列表"].iter_rows(min_row=2, values_only=True)}
    assert listed == {r.code for r in communities(city.regions)}


# Check, then confirm ----------------------------------------------------------------------------

def test_a_500_row_file_with_one_bad_row_shows_that_row_and_writes_nothing(client, city):
    rows = factories.ledger_rows(city.regions, 500)
    rows[316]["户数"] = -5
    login(client, "supervisor")

    page = upload(client, factories.ledger_xlsx(rows))

    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "台账有1处错误（涉及1行），未写入任何数据" in html
    cells = re.findall(r"<td[^>]*>(.*?)</td>", html.split("<tbody>")[1].split("</tbody>")[0])
    assert cells[:4] == ["318", "户数", "K318", "-5"] and "不能小于0" in cells[4]
    assert "已处理500行" in html
    assert "确认导入" not in html and kept_files(city) == []
    assert (count(city, Estate), count(city, Company)) == (0, 1)


def test_confirming_a_valid_file_writes_every_row_and_audits_the_actor(client, city):
    login(client, "supervisor")
    page = upload(client, factories.ledger_xlsx(factories.ledger_rows(city.regions, 500)))
    html = page.get_data(as_text=True)
    assert "校验通过，试运行未写入" in html and "已处理500行" in html
    assert count(city, Estate) == 0
    token = _CONFIRM.search(html).group(1)

    done = confirm(client, token)

    html = done.get_data(as_text=True)
    assert done.status_code == 200
    assert "导入完成 (imported) — 小区：新增500，更新0，未变0；物业服务企业：新增50" in html
    assert "已处理500行" in html and "supervisor" in html
    assert count(city, Estate) == 500 and count(city, Company) == 51
    (audit,) = import_audits(city)
    assert audit.actor_id == city.user_ids["supervisor"]
    assert audit.changes["source"] == "台账.xlsx" and audit.changes["estates"]["created"] == 500
    assert not any(p.suffix in (".upload", ".importing") for p in kept_files(city))


def test_a_second_confirm_of_the_same_token_writes_nothing_again(client, city):
    login(client, "admin")
    token = checked_token(client, factories.ledger_xlsx(factories.ledger_rows(city.regions, 30)))
    confirm(client, token)
    seq = max_seq(city)

    again = confirm(client, token)

    html = again.get_data(as_text=True)
    assert again.status_code == 200
    assert "已经导入过，没有再次写入" in html and "导入完成" in html
    assert count(city, Estate) == 30
    assert len(import_audits(city)) == 1 and max_seq(city) == seq


def test_a_confirm_racing_another_for_the_same_file_writes_nothing(client, city):
    login(client, "admin")
    token = checked_token(client, factories.ledger_xlsx(factories.ledger_rows(city.regions, 5)))
    kept = next(p for p in kept_files(city) if p.suffix == ".upload")
    kept.rename(kept.with_suffix(".importing"))  # as the first confirm does while it writes

    second = confirm(client, token)

    assert "正在导入或已导入，没有再次写入" in second.get_data(as_text=True)
    assert "正在导入" in client.get(f"/ledger/{token}").get_data(as_text=True)
    assert count(city, Estate) == 0


def test_confirm_checks_again_against_what_the_database_holds_now(client, city):
    rows = factories.ledger_rows(city.regions, 20)
    login(client, "admin")
    token = checked_token(client, factories.ledger_xlsx(rows))
    # Meanwhile another office registers one of the file's companies.
    with city.app.app_context():
        factories.company(factories.office(), credit_code=rows[0]["统一社会信用代码"])
        db.session.commit()

    page = confirm(client, token)

    html = page.get_data(as_text=True)
    assert "按系统中的最新数据重新校验" in html and "已登记在其他监管单位" in html
    assert "确认导入" not in html
    assert count(city, Estate) == 0 and kept_files(city) == []


def test_the_confirm_token_of_another_user_is_not_found(client, app, city):
    login(client, "admin")
    token = checked_token(client, factories.ledger_xlsx(factories.ledger_rows(city.regions, 5)))
    other = app.test_client()
    login(other, "supervisor")

    assert confirm(other, token).status_code == 404
    assert other.get(f"/ledger/{token}").status_code == 404
    assert count(city, Estate) == 0
    assert "导入完成" in confirm(client, token).get_data(as_text=True)


def test_an_upload_left_for_more_than_a_day_is_gone(client, app, city):
    login(client, "admin")
    token = checked_token(client, factories.ledger_xlsx(factories.ledger_rows(city.regions, 5)))
    later = checked_token(client, factories.ledger_xlsx(factories.ledger_rows(city.regions, 6)))
    app.config["CLOCK"] = lambda: utcnow() + timedelta(days=1, minutes=1)

    assert confirm(client, token).status_code == 404
    assert count(city, Estate) == 0
    assert client.get("/ledger").status_code == 200  # opening the page sweeps every old upload
    assert kept_files(city) == [] and client.get(f"/ledger/{later}").status_code == 404


def test_a_kept_file_changed_on_the_server_is_refused(client, city):
    login(client, "admin")
    token = checked_token(client, factories.ledger_xlsx(factories.ledger_rows(city.regions, 5)))
    kept = next(p for p in kept_files(city) if p.suffix == ".upload")
    kept.write_bytes(factories.ledger_xlsx(factories.ledger_rows(city.regions, 6)))

    page = confirm(client, token)

    assert page.status_code == 409 and "已损坏" in errors_on(page)[0]
    assert count(city, Estate) == 0


def test_a_supervisor_with_an_area_imports_only_inside_it(client, city):
    login(client, "street_sup")
    workbook = load_workbook(io.BytesIO(client.get("/ledger/template.xlsx").data))
    listed = {row[3] for row in workbook["社区列表"].iter_rows(min_row=2, values_only=True)}
    inside = {r.code for r in communities(city.regions) if r.parent_id == city.street_id}
    assert listed == inside and len(inside) == 3

    page = upload(client, factories.ledger_xlsx(factories.ledger_rows(city.regions, 12)))

    html = page.get_data(as_text=True)
    assert html.count("该社区不在您的管辖范围内") == 6 and "确认导入" not in html


# Refusals ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("username", ["inspector", "company"])
def test_inspectors_and_company_users_are_refused(client, city, username):
    login(client, "admin")
    token = checked_token(client, factories.ledger_xlsx(factories.ledger_rows(city.regions, 3)))
    login(client, username)
    csrf = token_from(client, "/inbox")
    assert "台账导入" not in client.get("/inbox").get_data(as_text=True)
    for path in ("/ledger", "/ledger/template.xlsx", f"/ledger/{token}"):
        assert client.get(path).status_code == 403, path
    for path in ("/ledger/check", f"/ledger/{token}/confirm"):
        assert client.post(path, data={"csrf_token": csrf}).status_code == 403, path
    assert count(city, Estate) == 0


def test_the_page_is_in_the_menu_of_admins_and_supervisors(client, city):
    login(client, "supervisor")
    assert 'href="/ledger"' in client.get("/inbox").get_data(as_text=True)


def test_an_upload_without_the_csrf_token_is_refused(client, city):
    login(client, "admin")
    data = factories.ledger_xlsx(factories.ledger_rows(city.regions, 3))
    reply = client.post("/ledger/check", data={"file": (io.BytesIO(data), "a.xlsx")},
                        content_type="multipart/form-data")
    assert reply.status_code == 400 and kept_files(city) == []


def _encrypted_xlsx() -> bytes:
    ooxml = pytest.importorskip("msoffcrypto.format.ooxml")
    out = io.BytesIO()
    ooxml.OOXMLFile(io.BytesIO(factories.ledger_xlsx([]))).encrypt("密码123", out)
    return out.getvalue()


@pytest.mark.parametrize(("name", "filename", "fragment"), [
    ("truncated", "台账.xlsx", "Excel文件已损坏"),
    ("picture", "台账.xlsx", "内容不是Excel工作簿"),
    ("password", "台账.xlsx", "设置了打开密码"),
    ("no header", "台账.csv", "找不到表头"),
])
def test_a_file_that_cannot_be_read_shows_one_line(client, city, name, filename, fragment):
    data = {"truncated": lambda: factories.ledger_xlsx(factories.ledger_rows(city.regions, 3))[:900],
            "picture": lambda: factories.jpeg_bytes(32, 32),
            "password": _encrypted_xlsx,
            "no header": lambda: "名称,地点\n阳光,东城\n".encode()}[name]()
    login(client, "admin")

    page = upload(client, data, filename)

    errors = errors_on(page)
    assert page.status_code == 400
    assert len(errors) == 1 and fragment in errors[0] and "\n" not in errors[0]
    assert errors[0].startswith(filename)
    assert kept_files(city) == []


def test_an_oversized_upload_gets_a_readable_413_page(client, city):
    login(client, "admin")

    # Encoded here, in memory: the test client would spool a body this big to a temporary file
    # and, as the server never reads it, leave that file unclosed.
    boundary, body = encode_multipart({"csrf_token": token_from(client, "/ledger"), "file": FileStorage(
        io.BytesIO(b"x" * (10 * 1024 * 1024 + 1)), "大台账.csv")})
    page = client.post("/ledger/check", data=body, content_type=f"multipart/form-data; boundary={boundary}")

    errors = errors_on(page)
    assert page.status_code == 413
    assert len(errors) == 1 and "文件超过10MB" in errors[0]
    assert "上传并校验" in page.get_data(as_text=True)  # the upload form again, to try once more
    assert kept_files(city) == []


# The command line names its operator ------------------------------------------------------------

def test_cli_import_records_the_operator_named_by_user(city, runner, tmp_path):
    path = tmp_path / "台账.xlsx"
    path.write_bytes(factories.ledger_xlsx(factories.ledger_rows(city.regions, 10)))

    result = runner.invoke(args=["ledger", "import", str(path), "--user", "supervisor"])

    assert result.exit_code == 0, result.output
    (audit,) = import_audits(city)
    assert audit.actor_id == city.user_ids["supervisor"]


@pytest.mark.parametrize(("username", "fragment"), [
    ("nobody", "找不到用户“nobody”"),
    ("inspector", "不是管理员或科室负责人"),
])
def test_cli_import_refuses_an_unknown_or_unsuitable_user_in_one_line(city, runner, tmp_path,
                                                                      username, fragment):
    path = tmp_path / "台账.xlsx"
    path.write_bytes(factories.ledger_xlsx(factories.ledger_rows(city.regions, 3)))

    result = runner.invoke(args=["ledger", "import", str(path), "--user", username])

    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0] and "Traceback" not in result.output
    assert count(city, Estate) == 0


# In a real browser ------------------------------------------------------------------------------

@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed")
def test_a_supervisor_checks_then_imports_a_ledger_in_a_browser(live_server, city, tmp_path):  # noqa: F811
    """Screenshots of the check report and the result stay in the test's folder
    (XUNCHA_SCREENSHOTS=dir keeps copies)."""
    from playwright.sync_api import sync_playwright

    rows = factories.ledger_rows(city.regions, 60)
    bad = [dict(row) for row in rows]
    bad[7]["户数"] = -5
    bad[20]["管理类型"] = "物业托管"
    (tmp_path / "有错的台账.xlsx").write_bytes(factories.ledger_xlsx(bad))
    (tmp_path / "台账.xlsx").write_bytes(factories.ledger_xlsx(rows))
    shots = tmp_path / "shots"
    shots.mkdir()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
            page.goto(f"{live_server.url}/login")
            page.fill("input[name=username]", "supervisor")
            page.fill("input[name=password]", factories.PASSWORD)
            page.click("button[type=submit]")
            page.click("text=台账导入")
            for name in ("有错的台账.xlsx", "台账.xlsx"):
                page.set_input_files("input[name=file]", str(tmp_path / name))
                page.click("button:has-text('上传并校验')")
                page.wait_for_selector("h1:has-text('台账校验结果')")
                page.screenshot(path=str(shots / f"check-{name}.png"), full_page=True)
                if name.startswith("有错"):
                    assert page.locator("table.problems tbody tr").count() == 2
                    page.click("text=修正后重新上传")
            page.click("button:has-text('确认导入')")
            page.wait_for_selector("h1:has-text('台账导入完成')")
            page.screenshot(path=str(shots / "imported.png"), full_page=True)
            assert "新增60" in page.inner_text("main")
        finally:
            browser.close()
    assert count(city, Estate) == 60
    keep = os.environ.get("XUNCHA_SCREENSHOTS")
    if keep:
        shutil.copytree(shots, Path(keep), dirs_exist_ok=True)


def test_cli_import_by_a_supervisor_with_an_area_stays_inside_it(city, runner, tmp_path):
    path = tmp_path / "台账.xlsx"
    path.write_bytes(factories.ledger_xlsx(factories.ledger_rows(city.regions, 12)))

    result = runner.invoke(args=["ledger", "import", str(path), "--user", "street_sup"])

    assert result.exit_code == 2
    assert "不在您的管辖范围内" in result.output
    assert count(city, Estate) == 0
