"""How long a wrong password takes for a known and an unknown username, on the dashboard's
login and on the tablet's pairing: the two must be alike, or timing tells a stranger which
usernames exist (the review measured 73 ms against 2 ms).

    .venv/bin/python bench/login_timing.py [--tries 30]

The server uses the production hash method (scrypt) and is served over HTTP on 127.0.0.1.
The rate limits and the lockout are raised so that every try reaches the password check.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests  # noqa: E402

from bench.harness import database_urls, fresh_app, serve  # noqa: E402
from server.domain.models import Role  # noqa: E402
from server.extensions import db  # noqa: E402
from tests import factories as make  # noqa: E402

KNOWN = "timing_admin"
UNKNOWN = "nobody_at_all"
HEADERS = {"X-Xuncha-Schema": "1"}
_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def web_try(session: requests.Session, base: str, username: str) -> float:
    page = session.get(f"{base}/login").text
    form = {"username": username, "password": "wrong password", "csrf_token": _TOKEN.search(page).group(1)}
    start = time.perf_counter()
    reply = session.post(f"{base}/login", data=form, allow_redirects=False)
    elapsed = (time.perf_counter() - start) * 1000
    assert reply.status_code == 401, reply.status_code
    return elapsed


def api_try(session: requests.Session, base: str, username: str) -> float:
    body = {"username": username, "password": "wrong password", "device_name": "bench"}
    start = time.perf_counter()
    reply = session.post(f"{base}/api/v1/devices/pair", json=body, headers=HEADERS)
    elapsed = (time.perf_counter() - start) * 1000
    assert reply.status_code == 401, reply.status_code
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tries", type=int, default=30)
    args = parser.parse_args()
    print(f"load average: {Path('/proc/loadavg').read_text().split()[:3]}")
    _, url = next(database_urls("login-timing"))
    app = fresh_app(url, PASSWORD_HASH_METHOD="scrypt", LOGIN_LOCKOUT_ATTEMPTS=10**9,
                    PASSWORD_RATE_LIMIT_PER_ACCOUNT="1000000 per minute",
                    PASSWORD_RATE_LIMIT_PER_ADDRESS="1000000 per minute")
    with app.app_context():
        office = make.office()
        make.user(office, Role.ADMIN, username=KNOWN)
        db.session.commit()
    with serve(app) as base, requests.Session() as session:
        for label, attempt in (("web  /login", web_try), ("api  /api/v1/devices/pair", api_try)):
            attempt(session, base, KNOWN)  # warm up: the dummy hash is made on first use
            attempt(session, base, UNKNOWN)
            known, unknown = [], []
            for _ in range(args.tries):  # interleaved, so load from elsewhere hits both alike
                known.append(attempt(session, base, KNOWN))
                unknown.append(attempt(session, base, UNKNOWN))
            k, u = statistics.median(known), statistics.median(unknown)
            print(f"{label}: known user median {k:.1f} ms, unknown user median {u:.1f} ms, "
                  f"ratio {u / k:.2f} (n={args.tries} each)")


if __name__ == "__main__":
    main()
