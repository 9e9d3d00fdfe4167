"""The monthly bulletin and the annual report as PDF and XLSX, parsed back (pypdf, openpyxl):
every figure of the known city (tests/bulletin_city.py) is where it should be, exactly."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from server.documents.bulletin_pdf import render_bulletin_pdf
from server.domain.bulletins.figures import FIGURE_BY_KEY, RATE_BY_KEY
from server.domain.bulletins.report import build_bulletin
from server.domain.bulletins.sources import NO_SOURCE_ZH
from server.domain.bulletins.workbook import write_bulletin_xlsx
from server.domain.periods import Period
from server.extensions import db
from tests import bulletin_city as city

CASES = {"2026-11": (city.NOVEMBER, city.NOVEMBER_RATES, city.NOVEMBER_CATEGORIES),
         "2026": (city.YEAR, city.YEAR_RATES, city.YEAR_CATEGORIES)}
COMPLAINTS = {"2026-11": city.NOVEMBER_COMPLAINTS, "2026": city.YEAR_COMPLAINTS}


@pytest.fixture
def bulletins(app_ctx):
    world = city.build_city()
    return {key: build_bulletin(db.session, world["office_id"], Period.parse(key)) for key in CASES}


def _pdf_lines(pdf: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(pdf))
    return [line.strip() for page in reader.pages for line in page.extract_text().splitlines()]


def _row(lines: list[str], label: str) -> list[str]:
    """The cells after `label` on its table line (the first line that starts with it and a figure)."""
    for line in lines:
        match = re.match(re.escape(label) + r"\s+((?:[\d.]+%?|—)(?:\s+(?:[\d.]+%?|—))*)\s*$", line)
        if match:
            return match.group(1).split()
    raise AssertionError(f"no table line for {label}: {lines[:60]}")


@pytest.mark.parametrize("key", CASES)
def test_every_figure_parsed_back_from_the_pdf(bulletins, key):
    figures, rates, categories = CASES[key]
    pdf = render_bulletin_pdf(bulletins[key])
    if os.environ.get("XUNCHA_KEEP_PDF"):
        Path(os.environ["XUNCHA_KEEP_PDF"]).joinpath(f"bulletin-{key}.pdf").write_bytes(pdf)
    lines = _pdf_lines(pdf)
    text = "".join(lines).replace(" ", "")
    assert bulletins[key].title_zh in text
    for figure_key, expected in figures.items():
        assert _row(lines, FIGURE_BY_KEY[figure_key].label_zh) == [str(n) for n in expected], figure_key
    for rate_key, expected in rates.items():
        assert _row(lines, RATE_BY_KEY[rate_key].label_zh) == list(expected), rate_key
    for category, counts in categories:
        cells = _row(lines, category)
        assert [cells[0], cells[1], cells[3], cells[4], cells[6]] == [str(n) for n in counts], category
    for channel, expected in COMPLAINTS[key]:
        assert _row(lines, channel) == [str(v) for v in expected], channel
    # No scoring rules in the city: the lists say so rather than print nothing.
    assert "本期没有生效的考核规则" in text and NO_SOURCE_ZH not in text


@pytest.mark.parametrize("key", CASES)
def test_every_figure_parsed_back_from_the_xlsx(bulletins, key):
    figures, rates, categories = CASES[key]
    out = io.BytesIO()
    write_bulletin_xlsx(out, bulletins[key])
    book = openpyxl.load_workbook(io.BytesIO(out.getvalue()), read_only=True)
    main = {row[0]: row[1:] for row in book["主要指标（按区域）"].iter_rows(min_row=3, values_only=True)}
    header = next(book["主要指标（按区域）"].iter_rows(min_row=2, max_row=2, values_only=True))
    assert header[1:] == ("合计 Total", "东城区", "西城区")
    for figure_key, expected in figures.items():
        assert main[FIGURE_BY_KEY[figure_key].label_zh] == expected, figure_key
    for rate_key, expected in rates.items():
        assert tuple(f"{v * 100:.1f}%" for v in main[RATE_BY_KEY[rate_key].label_zh]) == expected, rate_key
    rows = list(book["问题按类别"].iter_rows(min_row=3, values_only=True))
    assert [(r[0], (r[1], r[2], r[4], r[5], r[7])) for r in rows] == categories
    if key == "2026":
        trend = {r[0]: (r[1], r[2]) for r in book["逐月发现与销号"].iter_rows(min_row=3, values_only=True)}
        assert {Period.parse(k).label_zh: v for k, v in city.YEAR_TREND.items()}.items() <= trend.items()
        assert sum(found for found, _ in trend.values()) == figures["findings_found"][0]
    complaints = [(r[0], r[1:]) for r in book["投诉按渠道"].iter_rows(min_row=3, values_only=True)]
    assert [(channel, (a, b, "—" if rate == "—" else f"{rate * 100:.1f}%", c, d))
            for channel, (a, b, rate, c, d) in complaints] == COMPLAINTS[key]
    assert "指标口径" in book.sheetnames
