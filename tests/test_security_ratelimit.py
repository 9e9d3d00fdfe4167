"""Password guessing is limited per account and per address, the same on the dashboard's login
and the tablet's pairing; several server processes share one count through Redis; the client
address comes from X-Forwarded-For only behind a configured proxy."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest
import redis

from server import create_app
from server.domain.accounts import dummy_hash, password_matches
from server.domain.models import Role
from server.extensions import db
from tests import factories as make
from tests.factories import PASSWORD
from tests.sync_client import HEADERS
from tests.web_support import csrf_token

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def people(app):
    with app.app_context():
        office = make.office()
        tree = make.region_tree(office)
        company = make.company(office)
        admin = make.user(office, Role.ADMIN, region_id=tree["city"].id)
        company_user = make.user(office, Role.COMPANY, company_id=company.id)
        db.session.commit()
        return SimpleNamespace(admin=admin.username, company=company_user.username)


def another_app(app, **settings):
    """A second server process on the same database, as behind a load balancer."""
    return create_app({"TESTING": True, "SECRET_KEY": app.config["SECRET_KEY"],
                       "DATABASE_URL": app.config["DATABASE_URL"], "PHOTO_DIR": app.config["PHOTO_DIR"],
                       "PASSWORD_HASH_METHOD": app.config["PASSWORD_HASH_METHOD"], **settings})


def dispose(*apps) -> None:
    for one in apps:
        with one.app_context():
            db.engine.dispose()


def pair(client, username: str, password: str, **headers):
    return client.post("/api/v1/devices/pair", headers={**HEADERS, **headers},
                       json={"username": username, "password": password, "device_name": "平板"})


def web_login(client, username: str, password: str, **headers):
    page = client.get("/login").get_data(as_text=True)
    return client.post("/login", headers=headers, data={"username": username, "password": password,
                                                        "csrf_token": csrf_token(page)})


def test_pairing_by_password_has_the_login_limit_per_account(client, people):
    # The review's case: 60 wrong admin passwords on the pairing API, none refused.
    codes = [pair(client, people.admin, f"guess{n}").status_code for n in range(12)]
    assert codes[:10] == [401] * 10 and codes[10:] == [429, 429]
    # The right password waits too: the count is of checks, not of failures.
    assert pair(client, people.admin, PASSWORD).status_code == 429


def test_the_web_login_and_pairing_share_one_count(app, client, people):
    app.config.update(PASSWORD_RATE_LIMIT_PER_ACCOUNT="4 per minute")
    assert [web_login(client, people.admin, "x").status_code for _ in range(2)] == [401, 401]
    assert [pair(client, people.admin, "x").status_code for _ in range(2)] == [401, 401]
    assert web_login(client, people.admin, PASSWORD).status_code == 429
    assert pair(client, people.admin, "x").status_code == 429


def test_guessing_across_accounts_is_limited_per_address(app, client, people):
    app.config.update(PASSWORD_RATE_LIMIT_PER_ADDRESS="3 per minute")
    codes = [pair(client, f"nobody{n}", "x").status_code for n in range(4)]
    assert codes == [401, 401, 401, 429]
    assert web_login(client, people.admin, PASSWORD).status_code == 429
    # Pairing codes are guesses too, counted against the same address.
    assert client.post("/api/v1/devices/pair", headers=HEADERS,
                       json={"pairing_code": "12345678", "device_name": "平板"}).status_code == 429


def test_a_company_password_on_the_tablet_answers_exactly_like_a_wrong_one(client, people):
    right = pair(client, people.company, PASSWORD)
    wrong = pair(client, people.company, "not the password")
    unknown = pair(client, "no-such-user", PASSWORD)
    assert right.status_code == wrong.status_code == unknown.status_code == 401
    assert right.get_json() == wrong.get_json() == unknown.get_json()


def test_an_unknown_user_costs_a_hash_of_the_configured_method(app_ctx):
    # Equal work, so equal time (bench/login_timing.py prints both).
    assert dummy_hash().startswith(app_ctx.config["PASSWORD_HASH_METHOD"] + "$")
    assert password_matches(None, PASSWORD) is False


@pytest.fixture
def redis_prefix():
    """A key prefix of this test's own on the machine's real Redis, removed afterwards."""
    prefix = f"xuncha-test-{uuid.uuid4().hex}"
    yield prefix
    server = redis.Redis.from_url(REDIS_URL)
    keys = list(server.scan_iter(f"*{prefix}*"))
    if keys:
        server.delete(*keys)
    server.close()


def test_two_server_processes_share_one_count_through_redis(app, people, redis_prefix):
    settings = {"RATELIMIT_STORAGE_URL": REDIS_URL, "RATELIMIT_KEY_PREFIX": redis_prefix,
                "PASSWORD_RATE_LIMIT_PER_ACCOUNT": "4 per minute"}
    one, two = another_app(app, **settings), another_app(app, **settings)
    try:
        first, second = one.test_client(), two.test_client()
        codes = [pair(c, people.admin, "x").status_code for c in (first, second, first, second)]
        assert codes == [401] * 4
        assert pair(first, people.admin, "x").status_code == 429
        assert pair(second, people.admin, "x").status_code == 429
        assert any(redis.Redis.from_url(REDIS_URL).scan_iter(f"*{redis_prefix}*"))
        # Each process on its own memory would have let these through.
        alone = another_app(app, PASSWORD_RATE_LIMIT_PER_ACCOUNT="4 per minute")
        assert pair(alone.test_client(), people.admin, "x").status_code == 401
        dispose(alone)
    finally:
        dispose(one, two)


def test_an_unreachable_redis_still_limits_in_the_process(app, people):
    broken = another_app(app, RATELIMIT_STORAGE_URL="redis://127.0.0.1:9/0",
                         PASSWORD_RATE_LIMIT_PER_ACCOUNT="2 per minute")
    try:
        client = broken.test_client()
        assert [pair(client, people.admin, "x").status_code for _ in range(3)] == [401, 401, 429]
    finally:
        dispose(broken)


def test_forwarded_for_is_ignored_without_a_configured_proxy(app, client, people):
    app.config.update(PASSWORD_RATE_LIMIT_PER_ADDRESS="2 per minute")
    codes = [pair(client, f"nobody{n}", "x", **{"X-Forwarded-For": f"203.0.113.{n}"}).status_code
             for n in range(3)]
    assert codes == [401, 401, 429]  # a client cannot pick a fresh address per guess


def test_behind_one_proxy_each_client_address_has_its_own_count(app, people):
    proxied = another_app(app, PROXY_HOPS=1, PASSWORD_RATE_LIMIT_PER_ADDRESS="2 per minute")
    try:
        client = proxied.test_client()

        def from_address(address: str, n: int) -> int:
            return pair(client, f"nobody{n}", "x", **{"X-Forwarded-For": address}).status_code

        assert [from_address("203.0.113.7", n) for n in range(3)] == [401, 401, 429]
        assert from_address("203.0.113.8", 9) == 401  # another office PC behind the same proxy
        # Only the hop the proxy added counts: an address the client wrote in front is not believed.
        assert from_address("198.51.100.1, 203.0.113.7", 10) == 429
    finally:
        dispose(proxied)


def test_pairing_by_password_follows_the_login_rule_lockout_and_first_password(app, client):
    # One rule for every password check (attempt_login): wrong tablet guesses lock the account for
    # the dashboard too, a locked account cannot pair even with the right password, and a new
    # account must change its first password before it gets a tablet token.
    app.config.update(LOGIN_LOCKOUT_ATTEMPTS=3, PASSWORD_RATE_LIMIT_PER_ACCOUNT="100 per minute")
    with app.app_context():
        office = make.office()
        tree = make.region_tree(office)
        inspector = make.user(office, Role.INSPECTOR, region_id=tree["district"].id)
        newcomer = make.user(office, Role.INSPECTOR, region_id=tree["district"].id)
        newcomer.must_change_password = True
        db.session.commit()
        inspector_name, newcomer_name = inspector.username, newcomer.username
    assert [pair(client, inspector_name, "x").status_code for _ in range(3)] == [401] * 3
    locked = pair(client, inspector_name, PASSWORD)
    assert locked.status_code == 401 and "锁定" in locked.get_json()["error"]["message"]
    assert "锁定" in web_login(client, inspector_name, PASSWORD).get_data(as_text=True)
    first = pair(client, newcomer_name, PASSWORD)
    assert first.status_code == 401 and "修改初始密码" in first.get_json()["error"]["message"]
