"""The go-live path of docs/go-live.md, run as an operator would on a fresh server (no demo):
every step is the real `xuncha` command in its own process, then `xuncha serve` in production
mode, where the first admin logs in, must choose a password, and finds the office set up."""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests

from server.domain.models import Region, RegionLevel
from tests import factories
from tests.conftest import TEST_HASH_METHOD

XUNCHA = Path(sys.executable).with_name("xuncha")
ADMIN_PASSWORD = "Lanjiang#2026"


def _env(instance: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XUNCHA_")}
    env.update(XUNCHA_INSTANCE=str(instance), XUNCHA_PASSWORD_HASH_METHOD=TEST_HASH_METHOD, **extra)
    return env


def _xuncha(instance: Path, *args: str, stdin: str = "") -> str:
    done = subprocess.run([str(XUNCHA), *args], env=_env(instance), input=stdin, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done.stdout


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


class SecureCookieSession(requests.Session):
    """Production cookies are Secure (HTTPS behind the office's proxy); this test speaks plain
    HTTP to the process, so it keeps the cookies itself and follows redirects itself."""

    def __init__(self) -> None:
        super().__init__()
        self.kept: dict[str, str] = {}

    def request(self, method, url, **kwargs):
        follow = kwargs.pop("allow_redirects", True)
        kwargs["headers"] = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.kept.items())}
        reply = super().request(method, url, allow_redirects=False, **kwargs)
        self.kept.update({c.name: c.value for c in reply.cookies})
        self.cookies.clear()
        if follow and reply.is_redirect:
            return self.request("GET", requests.compat.urljoin(url, reply.headers["Location"]), timeout=30)
        return reply


@pytest.fixture
def live_office(tmp_path) -> dict:
    """A fresh instance taken through every step of the go-live path."""
    instance = tmp_path / "instance"
    _xuncha(instance, "db", "upgrade")
    _xuncha(instance, "office", "create", "澜江市住房和城乡建设局", "--short-name", "澜建",
            "--region-code", "3205", "--region-name", "澜江市")
    street = "320505001"
    for parent, code, name in (("3205", "320505", "澜湖区"), ("320505", street, "湖东街道"),
                               (street, f"{street}001", "幸福社区"), (street, f"{street}002", "和平社区")):
        _xuncha(instance, "office", "add-region", parent, code, name)
    out = _xuncha(instance, "user", "create", "admin", "--role", "admin", "--name", "王管理",
                  "--password-stdin", stdin=ADMIN_PASSWORD + "\n")
    assert "首次登录须修改" in out

    communities = [Region(level=RegionLevel.COMMUNITY, name=name) for name in ("幸福社区", "和平社区")]
    rows = factories.ledger_rows(communities, 20)
    (tmp_path / "ledger.xlsx").write_bytes(factories.ledger_xlsx(rows))
    assert "20" in _xuncha(instance, "ledger", "import", str(tmp_path / "ledger.xlsx"), "--user", "admin")
    (tmp_path / "standard.xlsx").write_bytes(factories.checklist_xlsx(factories.checklist_rows(13, 144)))
    assert "已发布" in _xuncha(instance, "checklist", "import", str(tmp_path / "standard.xlsx"),
                              "--name", "澜江市物业服务检查标准", "--publish", "--user", "admin")

    company_code = rows[0]["统一社会信用代码"]
    _xuncha(instance, "user", "create", "lizz", "--role", "supervisor", "--name", "李组长",
            "--region", "320505", "--password-stdin", stdin="Lake#2026zz\n")
    _xuncha(instance, "user", "create", "wangjl", "--role", "company", "--name", "王经理",
            "--company", company_code, "--password-stdin", stdin="Sunny#2026jl\n")
    listing = _xuncha(instance, "user", "list")
    assert all(name in listing for name in ("admin", "lizz", "wangjl")) and "待改密码" in listing
    return {"instance": instance, "company_name": rows[0]["物业服务企业"]}


def test_a_fresh_server_goes_live_and_its_first_admin_logs_in(live_office):
    env = _env(live_office["instance"], XUNCHA_ENV="production",
               XUNCHA_SECRET_KEY="a-long-random-key-made-for-this-office")
    with subprocess.Popen([str(XUNCHA), "serve", "--port", "0", "--no-jobs"], env=env, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL) as server:
        errors: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [errors.put(line) for line in server.stderr], daemon=True).start()
        try:
            url = next(word for line in server.stdout for word in line.split() if word.startswith("http://"))
            web = SecureCookieSession()
            page = web.get(url + "login", timeout=30).text
            reply = web.post(url + "login", timeout=30, allow_redirects=False, data={
                "username": "admin", "password": ADMIN_PASSWORD, "csrf_token": _csrf(page)})
            assert reply.headers["Location"].endswith("/account/password")
            page = web.get(url + "account/password", timeout=30).text
            assert "临时密码" in page
            changed = web.post(url + "account/password", timeout=30, allow_redirects=False, data={
                "csrf_token": _csrf(page), "current": ADMIN_PASSWORD, "new": "Lanjiang#2026-own",
                "repeat": "Lanjiang#2026-own"})
            assert changed.status_code == 302
            assert "密码已修改" in web.get(url, timeout=30).text
            users = web.get(url + "admin/users", timeout=30).text
            assert "李组长" in users and "王经理" in users
            assert live_office["company_name"] in web.get(url + "companies", timeout=30).text
        finally:
            server.terminate()
            server.wait(timeout=60)
    logged = list(errors.queue)
    assert any(re.search(r"POST /login 302 \d+\.\dms admin", line) for line in logged), logged
    assert any(re.search(r"GET /admin/users 200 \d+\.\dms admin", line) for line in logged), logged
