"""What every headless-Chromium test shares: Debian's browser (never a downloaded one), the flags
that keep it quiet and offline, and the log-in steps of the web form."""

from __future__ import annotations

import os

import pytest

from tests import factories

CHROMIUM = "/usr/bin/chromium"
needs_chromium = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-quic"]


def log_in(page, base: str, username: str, password: str = factories.PASSWORD) -> None:
    """Sign in through the login form, as a person would."""
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
