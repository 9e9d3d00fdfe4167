"""Who sees what over HTTP: sessions, CSRF, roles, and one company never sees another's notice."""

from __future__ import annotations

import io
from datetime import datetime

import pytest

from server.domain.models import Role
from server.domain.rectification import issue_notice
from server.extensions import db
from tests.web_support import csrf_token, login, token_from

MONDAY = datetime(2026, 3, 2, 2, 0)


@pytest.fixture
def two_companies(app, make):
    office = make.office()
    tree = make.region_tree(office)
    other_district = make.region(office, tree["city"], name="别的区")
    supervisor = make.user(office, Role.SUPERVISOR, region_id=tree["district"].id)
    far_supervisor = make.user(office, Role.SUPERVISOR, region_id=other_district.id)
    out = {"supervisor": supervisor.username, "far_supervisor": far_supervisor.username}
    for key in ("ours", "theirs"):
        company = make.company(office)
        estate = make.estate(tree["community"], company)
        finding = make.finding(estate, description=f"{key}的问题")
        notice = issue_notice(estate, [finding], supervisor, now=MONDAY)
        user = make.user(office, Role.COMPANY, company_id=company.id)
        out[key] = {"user": user.username, "notice": str(notice.id), "finding": str(finding.id),
                    "estate": str(estate.id), "label": notice.label}
    db.session.commit()
    return out


def test_pages_need_a_login(client, two_companies):
    for path in ("/estates", "/inbox", "/company/notices", f"/notices/{two_companies['ours']['notice']}"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_login_checks_the_password_and_logout_needs_the_token(client, two_companies):
    assert login(client, two_companies["ours"]["user"], "wrong password").status_code == 401
    assert client.get("/company/notices").status_code == 302
    response = login(client, two_companies["ours"]["user"])
    assert response.status_code == 302 and response.headers["Location"] == "/company/notices"
    assert client.post("/logout").status_code == 302  # no token: still logged in
    assert client.get("/company/notices").status_code == 200
    client.post("/logout", data={"csrf_token": token_from(client, "/inbox")})
    assert client.get("/company/notices").status_code == 302


def test_login_refuses_a_forged_form(client, two_companies):
    response = client.post("/login", data={"username": two_companies["ours"]["user"], "password": "x"})
    assert response.status_code == 401
    assert client.get("/company/notices").status_code == 302


def test_a_company_never_sees_or_touches_another_companys_notice(client, two_companies):
    ours, theirs = two_companies["ours"], two_companies["theirs"]
    login(client, ours["user"])
    listing = client.get("/company/notices").get_data(as_text=True)
    assert ours["label"] in listing and theirs["notice"] not in listing
    assert client.get(f"/notices/{ours['notice']}").status_code == 200
    assert client.get(f"/notices/{theirs['notice']}").status_code == 404
    assert client.get(f"/notices/{theirs['notice']}/pdf").status_code == 404
    assert client.get(f"/company/findings/{theirs['finding']}/report").status_code == 404
    token = token_from(client, f"/company/findings/{ours['finding']}/report")
    response = client.post(f"/company/findings/{theirs['finding']}/report", data={
        "csrf_token": token, "note": "伪造", "photos": (io.BytesIO(b"x"), "a.jpg")},
        content_type="multipart/form-data")
    assert response.status_code == 404
    # Office pages are not for companies at all.
    assert client.get("/estates").status_code == 403
    assert client.get(f"/estates/{theirs['estate']}").status_code == 403
    response = client.post(f"/estates/{theirs['estate']}/notices", data={"csrf_token": token})
    assert response.status_code == 403


def test_supervisors_see_only_their_area(client, two_companies):
    login(client, two_companies["far_supervisor"])
    assert client.get(f"/estates/{two_companies['ours']['estate']}").status_code == 404
    assert client.get(f"/notices/{two_companies['ours']['notice']}").status_code == 404
    assert two_companies["ours"]["label"] not in client.get("/notices").get_data(as_text=True)


def test_issuing_needs_the_csrf_token(client, two_companies, make):
    login(client, two_companies["supervisor"])
    page = client.get(f"/estates/{two_companies['ours']['estate']}")
    assert page.status_code == 200 and "下发整改通知书" in page.get_data(as_text=True)
    response = client.post(f"/estates/{two_companies['ours']['estate']}/notices", data={"finding_id": "x"})
    assert response.status_code == 400
    csrf_token(page.get_data(as_text=True))


def test_password_guessing_is_slowed_down(app, client, two_companies):
    from tests.web_support import csrf_token

    app.config.update(PASSWORD_RATE_LIMIT_PER_ACCOUNT="5 per minute")
    statuses = []
    for attempt in range(8):
        page = client.get("/login").get_data(as_text=True)
        reply = client.post("/login", data={"username": two_companies["supervisor"],
                                            "password": f"guess{attempt}",
                                            "csrf_token": csrf_token(page)})
        statuses.append(reply.status_code)
    assert statuses[:5] == [401] * 5 and statuses[-1] == 429
    assert "过于频繁" in reply.get_data(as_text=True)


# --- Accounts and the office's register (issue 13): role × page × expected status -----------

@pytest.fixture
def register_city(app):
    """The dashboard's small city plus an admin of its office."""
    import uuid

    from server.domain.models import Office
    from tests import factories
    from tests.dashboard_city import NOW, build_city

    app.config["CLOCK"] = lambda: NOW
    with app.app_context():
        city = build_city()
        city["admin"] = factories.user(db.session.get(Office, uuid.UUID(city["office"])), Role.ADMIN).username
        city["estate1"] = city["estates"][0]
        db.session.commit()
    return city


ADMIN_ONLY = {"admin": 200, "supervisor": 403, "inspector": 403, "far": 403, "company": 403}
OFFICE_STAFF = {"admin": 200, "supervisor": 200, "inspector": 403, "far": 200, "company": 403}
REGISTER_PAGES = [
    ("/admin/users", ADMIN_ONLY),
    ("/admin/users?role=inspector&q=li", ADMIN_ONLY),
    ("/admin/users/new", ADMIN_ONLY),
    ("/admin/users/{inspector_id}", ADMIN_ONLY),
    ("/account/password", dict.fromkeys(ADMIN_ONLY, 200)),
    ("/companies", OFFICE_STAFF),
    ("/companies/new", OFFICE_STAFF),
    ("/companies/{sunny}", OFFICE_STAFF),
    ("/estates/{estate1}/edit", {**OFFICE_STAFF, "far": 404}),
    ("/no/such/page", dict.fromkeys(ADMIN_ONLY, 404)),
]


@pytest.mark.parametrize("path,expected", REGISTER_PAGES, ids=[p for p, _ in REGISTER_PAGES])
def test_register_page_status(client, register_city, path, expected):
    for role, status in expected.items():
        login(client, register_city[role])
        response = client.get(path.format(**register_city))
        assert response.status_code == status, (role, path, response.status_code)
        if status >= 400:
            assert "<title>" in response.get_data(as_text=True)  # the layout's Chinese page
        client.post("/logout", data={"csrf_token": token_from(client, "/inbox")})


# --- Role × page × expected status (add rows for new pages) ----------------------------------

@pytest.fixture
def dashboard_city(app):
    from tests.dashboard_city import NOW, build_city

    app.config["CLOCK"] = lambda: NOW
    with app.app_context():
        return build_city()


# Each page with what a district supervisor, an inspector of that district, a supervisor of
# another district (far) and a company user get: 404 when the record exists but is out of
# their area (as if it did not exist), 403 when the page is not for their role at all.
ROLE_PAGES = [
    ("/overview", {"supervisor": 200, "inspector": 200, "far": 200, "company": 403}),
    ("/problems", {"supervisor": 200, "inspector": 200, "far": 200, "company": 403}),
    ("/problems?status=unclosed&q=yghy", {"supervisor": 200, "inspector": 200, "far": 200, "company": 403}),
    ("/problems/export.xlsx", {"supervisor": 200, "inspector": 200, "far": 200, "company": 403}),
    ("/inspections", {"supervisor": 200, "inspector": 200, "far": 200, "company": 403}),
    ("/inspections/{inspection}", {"supervisor": 200, "inspector": 200, "far": 404, "company": 403}),
]
ROLE_PAGES += [
    ("/estates", {"supervisor": 200, "inspector": 200, "far": 200, "company": 403}),
    ("/estates/export.xlsx", {"supervisor": 200, "inspector": 200, "far": 200, "company": 403}),
]
ROLE_PAGES += [  # bulletins (统计通报): office staff only; each sees their own area's figures
    ("/bulletins", {"supervisor": 200, "inspector": 403, "far": 200, "company": 403}),
    ("/bulletins/2026-03", {"supervisor": 200, "inspector": 403, "far": 200, "company": 403}),
    ("/bulletins/2026-03/pdf", {"supervisor": 200, "inspector": 403, "far": 200, "company": 403}),
    ("/bulletins/2026-03/xlsx", {"supervisor": 200, "inspector": 403, "far": 200, "company": 403}),
    ("/bulletins/2026-03/rows/findings_found", {"supervisor": 200, "inspector": 403, "far": 200,
                                                "company": 403}),
]
_OFFICE_STAFF_PAGE = {"supervisor": 200, "inspector": 403, "far": 200, "company": 403}
ROLE_PAGES += [  # double-random plans and complaints (complainants' contacts): office staff only
    (path, _OFFICE_STAFF_PAGE) for path in (
        "/plans", "/plans/new", "/plans/recusals", "/complaints", "/complaints?overdue=1&q=x",
        "/complaints/new", "/complaints/import", "/complaints/import/template.xlsx")
] + [(path, dict.fromkeys(_OFFICE_STAFF_PAGE, 200)) for path in ("/public/plans",)]  # public, no login


@pytest.mark.parametrize("path,expected", ROLE_PAGES, ids=[p for p, _ in ROLE_PAGES])
def test_role_page_status(client, dashboard_city, path, expected):
    for role, status in expected.items():
        login(client, dashboard_city[role])
        response = client.get(path.format(**dashboard_city))
        assert response.status_code == status, (role, path, response.status_code)
        response.close()
        client.post("/logout", data={"csrf_token": token_from(client, "/inbox")})


def test_other_scopes_see_nothing_of_ours_on_the_dashboard(client, dashboard_city):
    login(client, dashboard_city["far"])
    overview = client.get("/overview").get_data(as_text=True)
    assert "阳光花园" not in overview and "逾期 30 天" not in overview
    ledger = client.get("/problems").get_data(as_text=True)
    ours = [fid for key, fid in dashboard_city["findings"].items() if key != "far"]
    assert dashboard_city["findings"]["far"] in ledger and not any(fid in ledger for fid in ours)
    token = token_from(client, "/problems")
    client.post("/problems/bulk", data={"csrf_token": token, "action": "issue_notice",
                                        "finding_id": [dashboard_city["findings"]["open"]]})
    assert "不在您区域内" in client.get("/problems").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": token})
    for role in ("company", "inspector"):
        login(client, dashboard_city[role])
        token = token_from(client, "/inbox")
        reply = client.post("/problems/bulk", data={"csrf_token": token, "action": "issue_notice",
                                                    "finding_id": [dashboard_city["findings"]["open"]]})
        assert reply.status_code == 403, role
        client.post("/logout", data={"csrf_token": token})
