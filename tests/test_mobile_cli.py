"""The tablet's command line as an inspector reads it: every item with its text, China times,
a revisit with the company's reply (run in-process: the same `main` that `python -m mobile.cli` runs)."""

from __future__ import annotations

import json
import re

from mobile.cli import main
from mobile.fieldday import camera_jpeg
from tests import factories, mobile_helpers
from tests.mobile_helpers import company_reports_fix, seed_office

live_server = mobile_helpers.live_server  # fixture
UTC_WIRE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")
CHINA_TIME = re.compile(r"\d{1,2}月\d{1,2}日 \d\d:\d\d")


def run(capsys, home, *args: str) -> str:
    code = main(["--home", str(home), *args])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def test_the_cli_shows_every_item_with_its_text_and_revisits_with_the_companys_reply(
        live_server, tmp_path, capsys):
    seed = seed_office(live_server.app, estates=1, sections=2, items_per_section=30)
    home = tmp_path / "tablet"
    run(capsys, home, "pair", "--server", live_server.url, "--username", seed.username,
        "--password", factories.PASSWORD)
    run(capsys, home, "sync")
    photo = tmp_path / "p.jpg"
    photo.write_bytes(camera_jpeg(1, 640, 480))
    estate_id = seed.estate_ids[0]
    inspection = run(capsys, home, "inspect", "start", estate_id).strip()
    answered = run(capsys, home, "inspect", "answer", inspection, "1.1", "fail", "--note", "楼道堆放纸箱",
                   "--photo", str(photo))
    assert "不合格" in answered

    shown = run(capsys, home, "inspect", "show", inspection)
    item_lines = [line for line in shown.splitlines() if line.startswith("  ")]
    assert len(item_lines) == 60  # every item, not the first 50
    assert "[不合格 fail]" in item_lines[0] and "楼道堆放纸箱" in item_lines[0] and "照片 1" in item_lines[0]
    assert all("未检查" in line for line in item_lines[1:])
    assert CHINA_TIME.search(shown) and not UTC_WIRE.search(shown)
    items = json.loads(run(capsys, home, "--json", "inspect", "show", inspection))["items"]
    assert len(items) == 60 and all(item["text"] for item in items)

    again = run(capsys, home, "--json", "inspect", "answer", inspection, "1.1", "fail")
    finding_id = json.loads(again)["finding_id"]
    run(capsys, home, "sync")
    company_reports_fix(live_server.app, seed, finding_id, "纸箱已清走", camera_jpeg(5, 640, 480))
    run(capsys, home, "sync")

    listed = run(capsys, home, "revisit", "list")
    assert CHINA_TIME.search(listed) and not UTC_WIRE.search(listed)
    revisit_id = listed.split()[0]
    shown = run(capsys, home, "revisit", "show", revisit_id)
    assert "企业整改反馈" in shown and "纸箱已清走" in shown
    assert "整改照片 (after-photos): 1 张，本机已有 1 张" in shown
    assert "原始照片 (evidence): 1 张，本机已有 1 张" in shown
    assert not UTC_WIRE.search(shown)
    status = run(capsys, home, "status")
    assert "未读 0" in status and "待发送 (waiting): 0 条记录" in status
    [estate] = json.loads(run(capsys, home, "--json", "estates"))
    [hit] = json.loads(run(capsys, home, "--json", "estates", estate["name"][-3:]))
    assert hit["id"] == estate_id and hit["open_findings"] == 1
