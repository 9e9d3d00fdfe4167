"""The bulletin pages over HTTP: choose a period, read the page, follow a figure to its rows,
download the PDF and XLSX; a bad period or an area outside one's own is refused plainly."""

from __future__ import annotations

import io
import re
from datetime import datetime

import openpyxl
import pytest

from tests import bulletin_city as city
from tests.web_support import login

NOW = datetime(2026, 12, 2, 2, 0)  # 10:00 in China on 2 December


@pytest.fixture
def world(app):
    app.config["CLOCK"] = lambda: NOW
    with app.app_context():
        return city.build_city()


def _figure_link(html: str, figure: str) -> tuple[str, str]:
    """(href, text) of the first link to a figure's rows in the page."""
    match = re.search(r'<a data-figure="' + figure + r'" href="([^"]+)">([^<]+)</a>', html)
    assert match, figure
    return match.group(1).replace("&amp;", "&"), match.group(2)


def test_the_form_leads_to_the_bulletin_and_every_figure_to_its_rows(client, world):
    login(client, world["supervisor"])
    index = client.get("/bulletins").get_data(as_text=True)
    assert "统计通报" in index and "2026年11月" in index  # last month is offered first
    response = client.get("/bulletins?kind=month&period=2026-11")
    assert response.status_code == 302 and response.headers["Location"].endswith("/bulletins/2026-11")
    # A kind other than the typed period's: the period of that kind holding its first day.
    for kind, key in (("year", "2026"), ("week", "2026-W44"), ("quarter", "2026-Q4")):
        location = client.get(f"/bulletins?kind={kind}&period=2026-11").headers["Location"]
        assert location.endswith(f"/bulletins/{key}"), kind
    page = client.get("/bulletins/2026-11").get_data(as_text=True)
    assert "示例市住房和城乡建设局2026年11月物业监管月通报" in page
    assert page.count("<svg") >= 2
    for figure, (total, _, _) in city.NOVEMBER.items():
        href, text = _figure_link(page, figure)
        assert text == str(total), figure
        rows = client.get(href).get_data(as_text=True)
        assert f'<span id="figure-total">{total}</span>' in rows, figure
    # A district's cell lists that district's rows only.
    href = re.findall(r'<a data-figure="estates_inspected" href="([^"]+)">', page)[2].replace("&amp;", "&")
    rows = client.get(href).get_data(as_text=True)
    assert "远山小区" in rows and "阳光花园" not in rows


def test_every_linked_number_on_the_page_is_the_count_of_its_rows(client, world):
    """All links, district and category cells and complaint channels included (the complaint
    counts come from complaints.stats, their rows from figures.py: they must agree)."""
    login(client, world["supervisor"])
    for key in ("2026-11", "2026"):
        page = client.get(f"/bulletins/{key}").get_data(as_text=True)
        links = re.findall(r'<a data-figure="([a-z_]+)" href="([^"]+)">([^<]+)</a>', page)
        assert len(links) >= 14 * 3 + 5 * 3 + 6 * 2  # figures × areas, categories, channels
        assert {"complaints_received", "complaints_resolved", "complaints_on_time",
                "complaints_satisfied"} <= {f for f, _, _ in links}
        for figure, href, text in links:
            rows = client.get(href.replace("&amp;", "&")).get_data(as_text=True)
            assert f'<span id="figure-total">{text}</span>' in rows, (key, figure, href)
            assert "13900001111" not in rows and "周女士" not in rows  # no complainant details


def test_found_problems_open_in_the_ledger_with_the_same_rows(client, world):
    login(client, world["supervisor"])
    rows = client.get("/bulletins/2026-11/rows/findings_found").get_data(as_text=True)
    ledger = re.search(r'href="(/problems\?[^"]+)"', rows).group(1).replace("&amp;", "&")
    assert "found_from=2026-11-01" in ledger and "found_to=2026-11-30" in ledger
    listing = client.get(ledger).get_data(as_text=True)
    assert listing.count('name="finding_id"') == city.NOVEMBER["findings_found"][0]


def test_pdf_and_xlsx_download(client, world):
    login(client, world["supervisor"])
    pdf = client.get(f"/bulletins/2026/pdf?region={world['west_code']}")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data[:4] == b"%PDF"
    with client.get("/bulletins/2026-11/xlsx") as xlsx:  # closes the spooled file it streams
        assert xlsx.status_code == 200
        data = xlsx.data
    sheet = openpyxl.load_workbook(io.BytesIO(data))["主要指标（按区域）"]
    assert [c.value for c in sheet[3]] == ["检查小区数", 3, 2, 1]


def test_a_district_supervisor_sees_only_their_district(client, world):
    login(client, world["east_supervisor"])
    page = client.get("/bulletins/2026-11").get_data(as_text=True)
    assert "东城区2026年11月物业监管月通报" in page
    assert _figure_link(page, "findings_found")[1] == str(city.NOVEMBER["findings_found"][1])
    refused = client.get(f"/bulletins/2026-11?region={world['west_code']}")
    assert refused.status_code == 403 and "只能查看本人负责区域" in refused.get_data(as_text=True)


@pytest.mark.parametrize("path, message", [
    ("/bulletins/2026-13", "月份应为1到12"),
    ("/bulletins/november", "无法识别的统计周期"),
    ("/bulletins?kind=fortnight&period=2026-11", "未知的通报类型"),
    ("/bulletins/2026-11?region=12ab", "区域代码应为数字"),
    ("/bulletins/2026-11?region=999999", "没有代码为"),
])
def test_bad_input_is_a_readable_400(client, world, path, message):
    login(client, world["admin"])
    response = client.get(path)
    assert response.status_code == 400 and message in response.get_data(as_text=True)


def test_an_unknown_figure_is_a_404(client, world):
    login(client, world["admin"])
    assert client.get("/bulletins/2026-11/rows/made_up").status_code == 404
