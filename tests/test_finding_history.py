"""A finding closed in October and reopened in November still counts as closed in October: the
October bulletin and October's scores made again in December say what they said in November
(the close-out is taken as it stood at the period's end, from the workflow's log)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from server.domain.assessment import estate_scores
from server.domain.bulletins.report import build_bulletin
from server.domain.bulletins.rows import figure_rows
from server.domain.finding_history import closures_undone_since
from server.domain.finding_workflow import transition_finding
from server.domain.models import AuditEntry, FindingStatus, InspectionStatus, Role, Severity
from server.domain.periods import Period
from server.extensions import db

OCTOBER, NOVEMBER, DECEMBER = Period.month(2026, 10), Period.month(2026, 11), Period.month(2026, 12)
CLOSED_FIGURES = ("findings_rectified", "findings_on_time", "findings_closed")


def cst(month: int, day: int, hour: int = 10) -> datetime:
    """A moment given in China time, stored as naive UTC."""
    return datetime(2026, month, day, hour) - timedelta(hours=8)


@pytest.fixture
def world(make):
    office = make.office()
    tree = make.region_tree(office)
    estate = make.estate(tree["community"], make.company(office), name="阳光花园")
    inspector = make.user(office, Role.INSPECTOR, region_id=tree["district"].id)
    supervisor = make.user(office, Role.SUPERVISOR, region_id=tree["district"].id)
    make.publish_rules(office)
    make.inspection(estate, status=InspectionStatus.FINISHED, score=100, max_score=80,
                    finished_at=cst(10, 3))
    # Severe, found 1 October, due 10 October, closed on 20 October: ten days late.
    finding = make.finding(estate, severity=Severity.SEVERE, status=FindingStatus.NOTIFIED,
                           found_at=cst(10, 1), due_at=cst(10, 10), reported_by_id=inspector.id)
    transition_finding(finding, "verify_fixed", inspector, at=cst(10, 20))
    db.session.flush()
    return {"office": office, "finding": finding, "inspector": inspector, "supervisor": supervisor}


def _closed_figures(world, period: Period) -> tuple[int, ...]:
    totals = build_bulletin(db.session, world["office"].id, period).totals
    return tuple(totals[key] for key in CLOSED_FIGURES)


def _october_score(world):
    (score,) = estate_scores(db.session, world["office"].id, OCTOBER)
    return score.score, score.overdue_days, score.open_severe


def test_reopening_later_leaves_the_past_periods_figures_as_they_were(world):
    office_id = world["office"].id
    before = _closed_figures(world, OCTOBER), _october_score(world)
    assert before[0] == (1, 0, 1)  # found and closed in October, after its deadline
    assert before[1][1:] == (10, 0)  # ten days overdue, no severe one open at the end
    transition_finding(world["finding"], "reopen", world["supervisor"], at=cst(11, 10))
    db.session.flush()
    assert world["finding"].closed_at is None
    assert (_closed_figures(world, OCTOBER), _october_score(world)) == before
    rows = figure_rows(db.session, office_id, OCTOBER, "findings_closed")
    assert [r.id for r in rows.rows] == [world["finding"].id] and rows.total == 1
    assert _closed_figures(world, NOVEMBER) == (0, 0, 0)  # neither found, due nor closed in November
    transition_finding(world["finding"], "verify_fixed", world["inspector"], at=cst(12, 2))
    db.session.flush()
    assert _closed_figures(world, DECEMBER)[2] == 1
    assert (_closed_figures(world, OCTOBER), _october_score(world)) == before


def test_a_reopen_logged_before_the_close_out_was_kept_finds_the_closing_entry(world):
    transition_finding(world["finding"], "reopen", world["supervisor"], at=cst(11, 10))
    db.session.flush()
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "reopen"))
    entry.changes = {k: v for k, v in entry.changes.items() if k != "was_closed_at"}  # an older entry
    db.session.flush()
    assert closures_undone_since(db.session, world["office"].id, OCTOBER.end_naive_utc) == {
        world["finding"].id: cst(10, 20)}
    # Reopened in November: the close-out stood at the end of October, not at November's.
    assert closures_undone_since(db.session, world["office"].id, NOVEMBER.end_naive_utc) == {}
