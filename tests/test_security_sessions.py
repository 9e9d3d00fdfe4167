"""Sessions end when they should: logout and a password change make copied cookies worthless,
and the cookie carries SameSite, HttpOnly and (in production) Secure."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from server import create_app
from server.domain.accounts import set_password
from server.domain.models import Role, User
from server.extensions import db
from tests import factories as make
from tests.factories import PASSWORD
from tests.sync_client import pair
from tests.web_support import csrf_token, login, token_from


@pytest.fixture
def supervisor(app):
    # Made in an app context of its own: requests then each get a fresh one, as in production
    # (a shared context would keep Flask-Login's cached user between requests).
    with app.app_context():
        office = make.office()
        make.region_tree(office)
        user = make.user(office, Role.SUPERVISOR)
        db.session.commit()
        return SimpleNamespace(id=user.id, username=user.username)


def copy_of_session(app, client):
    """A second browser holding the same session cookie, as a thief with a copy would."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def test_logout_ends_a_copied_session_cookie(app, client, supervisor):
    login(client, supervisor.username)
    thief = copy_of_session(app, client)
    assert thief.get("/estates").status_code == 200
    client.post("/logout", data={"csrf_token": token_from(client, "/estates")})
    response = thief.get("/estates")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_password_change_ends_every_session_but_not_the_tablets(app, client, supervisor):
    tablet = pair(app.test_client(), supervisor.username, PASSWORD)
    login(client, supervisor.username)
    other_browser = app.test_client()
    login(other_browser, supervisor.username)
    assert client.get("/estates").status_code == 200
    with app.app_context():
        set_password(db.session.get(User, supervisor.id), "a new long password 2026")
        db.session.commit()
    for browser in (client, other_browser):
        assert browser.get("/estates").status_code == 302
    assert app.test_client().get("/api/v1/sync/pull", headers=tablet.headers).status_code == 200
    assert login(client, supervisor.username, "a new long password 2026").status_code == 302
    assert client.get("/estates").status_code == 200


def test_a_cookie_without_the_current_session_token_is_refused(app, client, supervisor):
    login(client, supervisor.username)
    with client.session_transaction() as session:
        session["_user_id"] = str(supervisor.id)  # the id alone, as cookies before tokens held
    assert client.get("/estates").status_code == 302


def _login_set_cookie(client, username: str) -> str:
    page = client.get("/login")
    reply = client.post("/login", data={"username": username, "password": PASSWORD,
                                        "csrf_token": csrf_token(page.get_data(as_text=True))})
    return next(c for c in reply.headers.getlist("Set-Cookie") if c.startswith("session="))


def test_session_cookie_is_lax_and_http_only_in_demo(client, supervisor):
    cookie = _login_set_cookie(client, supervisor.username)
    assert "SameSite=Lax" in cookie and "HttpOnly" in cookie and "Secure" not in cookie


def production_app(app, **settings):
    """The test app's database and hash, with XUNCHA_ENV=production."""
    return create_app({"TESTING": True, "ENV": "production", "SECRET_KEY": "k" * 40,
                       "DATABASE_URL": app.config["DATABASE_URL"], "PHOTO_DIR": app.config["PHOTO_DIR"],
                       "PASSWORD_HASH_METHOD": app.config["PASSWORD_HASH_METHOD"], **settings})


def test_session_cookie_is_secure_in_production(app, supervisor):
    production = production_app(app)
    cookie = _login_set_cookie(production.test_client(), supervisor.username)
    with production.app_context():
        db.engine.dispose()
    assert "Secure" in cookie and "SameSite=Lax" in cookie and "HttpOnly" in cookie
