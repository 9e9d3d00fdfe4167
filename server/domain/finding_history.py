"""A finding's close-out as it stood at a past moment, from the workflow's audit log.

A finding closed in October and reopened in November has no `closed_at` today, yet October's
figures counted it as closed; made again in December they must still. The only way out of
closed is the state machine's `reopen`, which logs the close-out it undoes (`was_closed_at`;
entries written before that field existed fall back to the closing entry before them). So the
findings whose close-out at a moment differs from their row today are exactly those reopened
after it, and those are few: their closing moments replace `closed_at` in the figures.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.domain.finding_workflow import TRANSITIONS
from server.domain.models import AuditEntry, Finding, FindingStatus

REOPEN = "reopen"
CLOSING_ACTIONS = tuple(a for a, t in TRANSITIONS.items() if t.target == FindingStatus.CLOSED)
# A reopen is an office user's action taken now (never a tablet's replayed time), so its log
# entry is written within moments of its `at`; a day's margin keeps the scan to recent entries.
_LOG_MARGIN = timedelta(days=1)


def _moment(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.removesuffix("Z"))
    except ValueError:
        return None
    return moment.replace(tzinfo=None)


def closures_undone_since(session: Session, office_id: uuid.UUID,
                          moment: datetime) -> dict[uuid.UUID, datetime]:
    """Findings closed at `moment` (naive UTC) and reopened since: id → when they were closed."""
    reopened: dict[uuid.UUID, tuple[datetime, datetime | None]] = {}  # earliest reopen after moment
    for entity_id, changes in session.execute(
            sa.select(AuditEntry.entity_id, AuditEntry.changes).where(
                AuditEntry.office_id == office_id, AuditEntry.entity == Finding.__tablename__,
                AuditEntry.action == REOPEN, AuditEntry.at >= moment - _LOG_MARGIN)):
        when = _moment(changes.get("at"))
        if when is None or when < moment:
            continue
        finding_id = uuid.UUID(entity_id)
        if finding_id not in reopened or when < reopened[finding_id][0]:
            reopened[finding_id] = (when, _moment(changes.get("was_closed_at")))
    missing = {finding_id: when for finding_id, (when, closed) in reopened.items() if closed is None}
    found = _closings_before(session, office_id, missing) if missing else {}
    closed_then = {}
    for finding_id, (_, closed) in reopened.items():
        closed = closed or found.get(finding_id)
        if closed is not None and closed < moment:
            closed_then[finding_id] = closed
    return closed_then


def _closings_before(session: Session, office_id: uuid.UUID,
                     reopens: dict[uuid.UUID, datetime]) -> dict[uuid.UUID, datetime]:
    """For reopens logged without `was_closed_at`: the last closing entry before each."""
    found: dict[uuid.UUID, datetime] = {}
    for entity_id, changes in session.execute(
            sa.select(AuditEntry.entity_id, AuditEntry.changes).where(
                AuditEntry.office_id == office_id, AuditEntry.entity == Finding.__tablename__,
                AuditEntry.action.in_(CLOSING_ACTIONS),
                AuditEntry.entity_id.in_([str(i) for i in reopens]))):
        finding_id, when = uuid.UUID(entity_id), _moment(changes.get("at"))
        if when is not None and when <= reopens[finding_id] and when > found.get(finding_id, datetime.min):
            found[finding_id] = when
    return found


def closed_at_as_of(session: Session, office_id: uuid.UUID, moment: datetime) -> sa.ColumnElement:
    """SQL for each finding's close-out time as it stood at `moment`: `closed_at`, except for the
    findings reopened since, whose earlier close-out it gives. Compared with the period's bounds
    like `closed_at` itself (a close-out at or after `moment` is later work)."""
    undone = closures_undone_since(session, office_id, moment)
    if not undone:
        return Finding.closed_at
    return sa.case(*((Finding.id == finding_id, sa.literal(closed, sa.DateTime()))
                     for finding_id, closed in undone.items()), else_=Finding.closed_at)
