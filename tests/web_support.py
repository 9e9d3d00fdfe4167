"""Helpers for the page tests: log in through the real form, read CSRF tokens off pages."""

from __future__ import annotations

import re

from tests.factories import PASSWORD

_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(html: str) -> str:
    match = _TOKEN.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def login(client, username: str, password: str = PASSWORD):
    page = client.get("/login")
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf_token(page.get_data(as_text=True))})


def token_from(client, path: str) -> str:
    return csrf_token(client.get(path).get_data(as_text=True))
