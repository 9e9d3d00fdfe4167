"""Reporting periods: China-time bounds, ISO weeks across year ends, keys that round-trip."""

from datetime import UTC, date, datetime

import pytest

from server.domain.periods import Period, PeriodError


def test_month_bounds_are_china_midnights_in_utc():
    november = Period.month(2026, 11)
    assert (november.start, november.end) == (date(2026, 11, 1), date(2026, 12, 1))
    assert november.start_utc == datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
    assert november.end_utc == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    assert november.start_naive_utc == datetime(2026, 10, 31, 16, 0)


def test_december_ends_at_the_next_new_year():
    december = Period.month(2026, 12)
    assert december.end == date(2027, 1, 1)
    assert december.next() == Period.month(2027, 1)
    assert Period.month(2027, 1).previous() == december


def test_iso_week_one_can_start_in_the_previous_year():
    # 2026-01-01 is a Thursday: week 1 of 2026 starts on Monday 2025-12-29.
    week = Period.week(2026, 1)
    assert (week.start, week.end) == (date(2025, 12, 29), date(2026, 1, 5))
    assert week.key == "2026-W01"
    assert week.label_zh == "2026年第1周"
    assert week.previous() == Period.week(2025, 52)


def test_a_year_with_53_iso_weeks():
    # 2026 begins on a Thursday, so it has a week 53, which ends in January 2027.
    week = Period.week(2026, 53)
    assert (week.start, week.end) == (date(2026, 12, 28), date(2027, 1, 4))
    assert week.next() == Period.week(2027, 1)
    with pytest.raises(PeriodError):
        Period.week(2027, 53)


def test_week_containing_new_years_day_belongs_to_the_iso_year():
    assert Period.containing("week", date(2027, 1, 1)).key == "2026-W53"
    assert Period.containing("week", date(2021, 1, 3)).key == "2020-W53"


@pytest.mark.parametrize(
    "key, kind, start, end, label_zh",
    [
        ("2026-W48", "week", date(2026, 11, 23), date(2026, 11, 30), "2026年第48周"),
        ("2026-11", "month", date(2026, 11, 1), date(2026, 12, 1), "2026年11月"),
        ("2026-Q4", "quarter", date(2026, 10, 1), date(2027, 1, 1), "2026年第四季度"),
        ("2026-Q1", "quarter", date(2026, 1, 1), date(2026, 4, 1), "2026年第一季度"),
        ("2026-H2", "half", date(2026, 7, 1), date(2027, 1, 1), "2026年下半年"),
        ("2026-H1", "half", date(2026, 1, 1), date(2026, 7, 1), "2026年上半年"),
        ("2026", "year", date(2026, 1, 1), date(2027, 1, 1), "2026年"),
    ],
)
def test_parse_and_key_round_trip(key, kind, start, end, label_zh):
    period = Period.parse(key)
    assert (period.kind, period.start, period.end) == (kind, start, end)
    assert period.key == key
    assert Period.parse(period.key) == period
    assert period.label_zh == label_zh


def test_parse_accepts_loose_spelling_and_gives_the_canonical_key():
    assert Period.parse(" 2026-w5 ").key == "2026-W05"
    assert Period.parse("2026-3").key == "2026-03"


@pytest.mark.parametrize("bad", ["", "2026-13", "2026-Q5", "2026-H3", "26-11", "2026-W60", "november"])
def test_parse_refuses_what_names_no_period_with_a_bilingual_message(bad):
    with pytest.raises(PeriodError) as refused:
        Period.parse(bad)
    assert "/" in str(refused.value)


def test_previous_steps_back_one_period_of_the_same_kind():
    assert Period.parse("2026-Q1").previous().key == "2025-Q4"
    assert Period.parse("2026-H1").previous().key == "2025-H2"
    assert Period.parse("2026").previous().key == "2025"
    assert Period.parse("2026-03").previous().key == "2026-02"


def test_english_labels_and_inclusive_range():
    assert Period.parse("2026-11").label_en == "November 2026"
    assert Period.parse("2026-H2").label_en == "second half of 2026"
    assert Period.parse("2026-W48").label_en == "week 48 of 2026"
    assert Period.parse("2026-11").range_zh == "2026年11月1日至2026年11月30日"


def test_months_inside_a_half_year():
    assert [m.key for m in Period.parse("2026-H2").months()] == [
        "2026-07", "2026-08", "2026-09", "2026-10", "2026-11", "2026-12",
    ]
