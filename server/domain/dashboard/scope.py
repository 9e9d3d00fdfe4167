"""Which rows a dashboard user sees, and what "open" and "overdue" mean on the dashboard."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from server.domain.models import Estate, Finding, FindingStatus, Role, User
from server.domain.rectification.access import region_prefix
from server.domain.rectification.reminders import AWAITING_FIX

S = FindingStatus
OPEN_STATUSES = tuple(s for s in FindingStatus if s != S.CLOSED)
# A fix is still owed (the company has not reported one): past the deadline this is 逾期.
OWES_FIX = tuple(sorted(AWAITING_FIX))


def scope_prefix(user: User) -> str | None:
    """The region code every row the user sees starts with; None: the whole office."""
    return None if user.role == Role.ADMIN else region_prefix(user)


def scoped(model, user: User) -> list[sa.ColumnElement[bool]]:
    """WHERE clauses limiting a model with office_id and region_code (findings, inspections,
    notices, estates) to the user's office and region subtree, on the code copied onto every
    row, so no join to estates is needed. Company users see their company's estates."""
    clauses: list[sa.ColumnElement[bool]] = [model.office_id == user.office_id]
    if hasattr(model, "deleted_at"):
        clauses.append(model.deleted_at.is_(None))
    if user.role == Role.COMPANY:
        estate_ids = sa.select(Estate.id).where(Estate.company_id == user.company_id)
        clauses.append((model.id if model is Estate else model.estate_id).in_(estate_ids))
        return clauses
    prefix = scope_prefix(user)
    if prefix:
        clauses.append(model.region_code.startswith(prefix, autoescape=True))
    return clauses


def finding_scope(user: User) -> list[sa.ColumnElement[bool]]:
    return scoped(Finding, user)


def overdue_clause(now: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(Finding.status.in_(OWES_FIX), Finding.due_at < now)


def days_late(due_at: datetime | None, status: FindingStatus, now: datetime) -> int:
    """Whole days past the deadline while a fix is owed; 0 when not overdue."""
    if due_at is None or status not in OWES_FIX or due_at >= now:
        return 0
    return max(1, (now - due_at).days)
