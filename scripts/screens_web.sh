#!/usr/bin/env bash
# 截图 (web): the supervisors' main pages in Debian's headless Chromium at a desk-size viewport
# (1366×900), with the demo city, into docs/screens/web/. Logs in as the demo city supervisor.
# Run by scripts/screens.sh after the tablet's screens; alone: scripts/screens_web.sh [out-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh

venv_ensure
out=${1:-docs/screens/web}
demo_server_start
url=$demo_url

mkdir -p "$out"
XUNCHA_URL=$url XUNCHA_OUT=$out .venv/bin/python - <<'PY'
import os
import re

from playwright.sync_api import sync_playwright

from server.config import DEMO_PASSWORD

base, out = os.environ["XUNCHA_URL"], os.environ["XUNCHA_OUT"]
flags = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
with sync_playwright() as p:
    browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=flags)
    page = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN").new_page()
    page.goto(f"{base}/login")
    page.fill("input[name=username]", "supervisor")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()

    def shot(name: str, path: str) -> None:
        page.goto(base + path)
        page.screenshot(path=f"{out}/{name}.png", full_page=True)
        print(f"{out}/{name}.png")

    shot("overview", "/overview")
    shot("ledger", "/problems")
    shot("ledger_filtered", "/problems?status=unclosed&overdue=1&sort=due")
    shot("estates", "/estates")
    shot("notices", "/notices")
    shot("revisits", "/revisits")
    shot("inspections", "/inspections")
    shot("companies", "/companies")
    estate = re.search(r'href="(/estates/[0-9a-f-]{36})"', page.goto(f"{base}/estates?open_only=1").text())
    if estate:
        shot("estate", estate.group(1))
    inspection = re.search(r'href="(/inspections/[0-9a-f-]{36})"', page.goto(f"{base}/inspections").text())
    if inspection:
        shot("inspection", inspection.group(1))
    notice = re.search(r'href="(/notices/[0-9a-f-]{36})"', page.goto(f"{base}/notices").text())
    if notice:
        shot("notice", notice.group(1))
    browser.close()
PY
say "web screenshots in $out"
