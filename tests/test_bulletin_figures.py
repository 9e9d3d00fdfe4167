"""Bulletin figures counted on a city with known answers (tests/bulletin_city.py): a month and
a year, in total, by district and by category, and the rows behind a figure."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from server.domain.bulletins.figures import FIGURE_BY_KEY, FIGURES, percent, row_ids
from server.domain.bulletins.report import BulletinError, build_bulletin
from server.domain.models import Estate, Finding
from server.domain.periods import Period
from server.extensions import db
from tests import bulletin_city as city


@pytest.fixture
def world(app_ctx):
    return city.build_city()


def _figures(bulletin, expected, rates):
    east, west = bulletin.districts
    assert [d.region.name for d in bulletin.districts] == ["东城区", "西城区"]
    for key, (total, in_east, in_west) in expected.items():
        assert (bulletin.totals[key], east.counts[key], west.counts[key]) == (total, in_east, in_west), key
    for key, (total, in_east, in_west) in rates.items():
        got = tuple(percent(c.rate(key)) for c in (bulletin.totals, east.counts, west.counts))
        assert got == (total, in_east, in_west), key


def _categories(bulletin) -> list[tuple[str, tuple[int, ...]]]:
    keys = ("findings_found", "findings_rectified", "findings_due", "findings_on_time", "findings_closed")
    return [(c.category, tuple(c.counts[k] for k in keys)) for c in bulletin.categories]


def test_every_figure_of_the_november_bulletin(world):
    bulletin = build_bulletin(db.session, world["office_id"], Period.parse("2026-11"))
    assert set(city.NOVEMBER) == {f.key for f in FIGURES}
    _figures(bulletin, city.NOVEMBER, city.NOVEMBER_RATES)
    assert _categories(bulletin) == city.NOVEMBER_CATEGORIES
    assert bulletin.trend == []  # a month has no monthly trend
    assert bulletin.title_zh == "示例市住房和城乡建设局2026年11月物业监管月通报"


def test_every_figure_of_the_annual_report(world):
    bulletin = build_bulletin(db.session, world["office_id"], Period.parse("2026"))
    _figures(bulletin, city.YEAR, city.YEAR_RATES)
    assert _categories(bulletin) == city.YEAR_CATEGORIES
    trend = {p.month.key: (p.found, p.closed) for p in bulletin.trend if p.found or p.closed}
    assert trend == city.YEAR_TREND
    assert len(bulletin.trend) == 12


def test_a_district_bulletin_counts_only_that_district_and_breaks_down_by_street(world):
    bulletin = build_bulletin(db.session, world["office_id"], Period.parse("2026-11"), world["east_code"])
    assert bulletin.region.name == "东城区"
    assert [d.region.name for d in bulletin.districts] == ["东一街道"]
    for key, (_, in_east, _) in city.NOVEMBER.items():
        assert bulletin.totals[key] == in_east == bulletin.districts[0].counts[key], key


def test_the_rows_behind_a_figure_are_the_ones_it_counts(world):
    november = Period.parse("2026-11")
    rectified = FIGURE_BY_KEY["findings_rectified"]
    ids = db.session.scalars(row_ids(rectified, world["office_id"], november, None)).all()
    assert len(ids) == city.NOVEMBER["findings_rectified"][0]
    categories = db.session.scalars(sa.select(Finding.category).where(Finding.id.in_(ids))).all()
    assert sorted(categories) == [city.FIRE] * 3
    estates = db.session.scalars(sa.select(Estate.name).where(Estate.id.in_(
        row_ids(FIGURE_BY_KEY["estates_inspected"], world["office_id"], november, world["west_code"]))))
    assert list(estates) == ["远山小区"]
    wires_due = db.session.scalars(row_ids(FIGURE_BY_KEY["findings_due"], world["office_id"], november,
                                           None, category=city.WIRES)).all()
    assert len(wires_due) == 1


def test_a_week_straddling_the_month_end_counts_its_own_days(world):
    # ISO week 49 of 2026 is 30 November to 6 December: due are f6 (30 Nov) and f3 (4 Dec);
    # closed are f6 (1 Dec, local) and f8 (2 Dec).
    week = build_bulletin(db.session, world["office_id"], Period.parse("2026-W49"))
    assert (week.totals["findings_due"], week.totals["findings_closed"]) == (2, 2)
    assert week.totals["findings_found"] == 0


def test_an_unknown_region_is_refused_with_a_message(world):
    with pytest.raises(BulletinError, match="没有代码为"):
        build_bulletin(db.session, world["office_id"], Period.parse("2026-11"), "999999")


def test_each_complaint_figure_of_each_channel_is_the_count_of_its_rows(world):
    """The 投诉按渠道 table (complaints.stats) and the rows its cells link to (figures.py) read the
    same clauses: every one of the four figures, every channel, the month and the year."""
    from server.domain.complaints.stats import complaints_by_channel

    figures = {"received": "complaints_received", "resolved": "complaints_resolved",
               "on_time": "complaints_on_time", "satisfied": "complaints_satisfied"}
    for key, region in (("2026-11", None), ("2026", None), ("2026", world["east_code"])):
        period = Period.parse(key)
        for row in complaints_by_channel(db.session, world["office_id"], period, region):
            for attribute, figure in figures.items():
                ids = db.session.scalars(row_ids(FIGURE_BY_KEY[figure], world["office_id"], period, region,
                                                 channel=str(row.channel))).all()
                assert len(ids) == getattr(row, attribute), (key, region, row.channel, figure)
    hotline = next(r for r in complaints_by_channel(db.session, world["office_id"], Period.parse("2026-11")))
    assert (hotline.received, hotline.resolved, hotline.on_time, hotline.satisfied) == (3, 2, 1, 1)
