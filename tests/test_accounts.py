"""Accounts: an admin makes and looks after them over HTTP, everyone changes their own, a new or
reset account changes its password first, repeated wrong passwords lock an account until an
admin unlocks it (or the lock runs out), and `xuncha user` does the same from the console."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from server.domain.models import AuditEntry, Role, User
from server.domain.registry import AccountRefused, check_password_rules, temporary_password
from server.extensions import db
from tests.web_support import csrf_token, login, token_from

NOW = datetime(2026, 3, 2, 2, 0)
NEW_PASSWORD = "Lanjiang#2026"


@pytest.fixture
def office_admin(app, make):
    app.config["CLOCK"] = lambda: NOW
    office = make.office()
    tree = make.region_tree(office)
    company = make.company(office, name="阳光物业服务有限公司")
    admin = make.user(office, Role.ADMIN)
    db.session.commit()
    return {"admin": admin.username, "district": str(tree["district"].id), "company": str(company.id),
            "office": office}


def _create(client, **form) -> str:
    token = token_from(client, "/admin/users/new")
    response = client.post("/admin/users/new", data={"csrf_token": token, **form})
    return response


def _temporary_password(html: str) -> str:
    return html.split('id="temp-password">')[1].split("<")[0].strip()


@pytest.mark.parametrize("password, ok", [
    ("Abcdefg1", True), ("abc#defg1", True), ("短Aa1", False), ("abcdefgh", False), ("abcdefg1", False),
    ("Zhang3feng!", True), ("zhangsan#1A", False),  # the second contains the username
])
def test_password_rules(password, ok):
    if ok:
        check_password_rules(password, "zhangsan")
    else:
        with pytest.raises(AccountRefused):
            check_password_rules(password, "zhangsan")


def test_temporary_passwords_meet_the_rules():
    for _ in range(50):
        check_password_rules(temporary_password(), "someone")


def test_admin_creates_a_supervisor_and_a_company_user_who_change_their_password_first(
        client, office_admin):
    login(client, office_admin["admin"])
    response = _create(client, username="li.zuzhang", display_name="李组长", role="supervisor",
                       region_id=office_admin["district"], phone="13812345678", email="li@example.test")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    supervisor_password = _temporary_password(response.get_data(as_text=True))
    response = _create(client, username="yangguang", display_name="阳光物业 王经理", role="company",
                       company_id=office_admin["company"], password="Sunshine#2026")
    assert _temporary_password(response.get_data(as_text=True)) == "Sunshine#2026"
    listing = client.get("/admin/users").get_data(as_text=True)
    assert "李组长" in listing and "待改密码" in listing

    for username, password, home in (("li.zuzhang", supervisor_password, "/estates"),
                                     ("yangguang", "Sunshine#2026", "/company/notices")):
        client.post("/logout", data={"csrf_token": token_from(client, "/account/password")})
        reply = login(client, username, password)
        assert reply.headers["Location"] == "/account/password"
        # Every other page sends the person back until the password is their own.
        assert client.get(home).headers["Location"].endswith("/account/password")
        token = token_from(client, "/account/password")
        weak = client.post("/account/password", data={"csrf_token": token, "current": password,
                                                      "new": "12345678", "repeat": "12345678"})
        assert weak.status_code == 422 and "密码太简单" in weak.get_data(as_text=True)
        done = client.post("/account/password", data={"csrf_token": token, "current": password,
                                                      "new": NEW_PASSWORD, "repeat": NEW_PASSWORD})
        assert done.status_code == 302
        assert client.get(home).status_code == 200
    user = db.session.scalar(sa.select(User).where(User.username == "yangguang"))
    assert user.company_id is not None and user.region_id is None and not user.must_change_password
    actions = set(db.session.scalars(sa.select(AuditEntry.action)
                                     .where(AuditEntry.entity_id == str(user.id))))
    assert {"create_user", "change_password"} <= actions


def test_bad_account_forms_are_refused_with_the_reason_and_nothing_is_made(client, office_admin):
    login(client, office_admin["admin"])
    person = {"display_name": "某人", "role": "inspector"}
    for form, words in (
        ({"username": "x"}, "用户名"),
        ({"username": "nobody1", "role": "company"}, "企业账号须选择"),
        ({"username": "nobody2", "email": "not-mail"}, "邮箱"),
        ({"username": "nobody3", "password": "short"}, "密码太短"),
        ({"username": office_admin["admin"]}, "已被使用"),
        ({"username": "nobody4", "region_id": "bogus"}, "所选项"),
    ):
        response = _create(client, **{**person, **form})
        assert response.status_code == 422 and words in response.get_data(as_text=True), form
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_five_wrong_passwords_lock_the_account_until_an_admin_unlocks_it(app, client, office_admin, make):
    inspector = make.user(office_admin["office"], Role.INSPECTOR)
    db.session.commit()
    for _ in range(4):
        assert "用户名或密码错误" in login(client, inspector.username, "Wrong#pass1").get_data(as_text=True)
    locked = login(client, inspector.username, "Wrong#pass1").get_data(as_text=True)
    assert "账号已锁定" in locked and "联系管理员解锁" in locked
    # The right password does not open a locked account.
    assert "账号已锁定" in login(client, inspector.username).get_data(as_text=True)

    login(client, office_admin["admin"])
    page = client.get(f"/admin/users/{inspector.id}").get_data(as_text=True)
    assert "已锁定" in page
    client.post(f"/admin/users/{inspector.id}/unlock", data={"csrf_token": csrf_token(page)})
    client.post("/logout", data={"csrf_token": token_from(client, "/admin/users")})
    assert login(client, inspector.username).headers["Location"] == "/revisits"


def test_a_lock_runs_out_by_itself(app, client, office_admin, make):
    app.config.update(LOGIN_LOCKOUT_ATTEMPTS=2, LOGIN_LOCKOUT_MINUTES=10)
    user = db.session.scalar(sa.select(User))
    for _ in range(2):
        login(client, user.username, "Wrong#pass1")
    assert "账号已锁定" in login(client, user.username).get_data(as_text=True)
    app.config["CLOCK"] = lambda: NOW + timedelta(minutes=11)
    assert login(client, user.username).status_code == 302


def test_admin_resets_edits_and_deactivates_an_account(client, office_admin, make):
    admin = db.session.scalar(sa.select(User))
    inspector = make.user(office_admin["office"], Role.INSPECTOR)
    db.session.commit()
    login(client, office_admin["admin"])
    page = client.get(f"/admin/users/{inspector.id}").get_data(as_text=True)
    token = csrf_token(page)
    edit = client.post(f"/admin/users/{inspector.id}", data={
        "csrf_token": token, "display_name": "赵检查", "role": "inspector",
        "region_id": office_admin["district"], "phone": "0512-66001234", "email": ""})
    assert edit.status_code == 302
    history = client.get(f"/admin/users/{inspector.id}").get_data(as_text=True)
    assert "修改账号" in history and "赵检查" in history
    reset = client.post(f"/admin/users/{inspector.id}/reset", data={"csrf_token": token, "confirm": "on"})
    temporary = _temporary_password(reset.get_data(as_text=True))
    client.post(f"/admin/users/{inspector.id}/deactivate", data={"csrf_token": token, "confirm": "on"})
    # The admin cannot lock themself out, nor take away the office's last admin.
    refused = client.post(f"/admin/users/{admin.id}/deactivate", data={"csrf_token": token},
                          follow_redirects=True)
    assert "不能停用自己" in refused.get_data(as_text=True)
    client.post("/logout", data={"csrf_token": token})
    assert login(client, inspector.username, temporary).status_code == 401
    db.session.expire_all()
    assert not db.session.get(User, inspector.id).active and db.session.get(User, admin.id).active


def test_office_pages_are_for_admins_only(client, office_admin, make):
    supervisor = make.user(office_admin["office"], Role.SUPERVISOR)
    db.session.commit()
    login(client, supervisor.username)
    assert client.get("/admin/users").status_code == 403
    assert client.post("/admin/users/new", data={"username": "x"}).status_code == 403


def test_user_commands_make_reset_unlock_deactivate_and_list_accounts(runner, office_admin):
    result = runner.invoke(args=["user", "create", "zhou", "--role", "inspector", "--name", "周检查",
                                 "--password-stdin"], input="Lake#2026x\n")
    assert result.exit_code == 0 and "首次登录须修改" in result.output
    assert runner.invoke(args=["user", "create", "zhou", "--role", "inspector", "--name", "again",
                               "--password-stdin"], input="Lake#2026x\n").output.count("已被使用") == 1
    result = runner.invoke(args=["user", "create", "weak", "--role", "inspector", "--name", "弱",
                                 "--password-stdin"], input="password\n")
    assert result.exit_code != 0 and "密码太简单" in result.output
    result = runner.invoke(args=["user", "passwd", "zhou"], input="\n\n")
    assert result.exit_code == 0 and "临时密码" in result.output
    assert runner.invoke(args=["user", "unlock", "zhou"]).exit_code == 0
    assert "已停用" in runner.invoke(args=["user", "deactivate", "zhou"]).output
    listing = runner.invoke(args=["user", "list", "--all"]).output
    assert "zhou" in listing and "已停用" in listing
    assert "zhou" not in runner.invoke(args=["user", "list"]).output
    assert "找不到用户" in runner.invoke(args=["user", "passwd", "nobody"]).output
