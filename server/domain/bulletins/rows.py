"""The rows behind one figure of a bulletin, from the very clauses that counted it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.domain.bulletins.figures import FIGURE_BY_KEY, Figure, row_ids, rows_model
from server.domain.finding_history import closed_at_as_of
from server.domain.models import Complaint, Escalation, Estate, Finding, Inspection, Notice, Revisit
from server.domain.periods import Period

ROWS_SHOWN = 500  # a page of rows; the count above it is always the whole figure


class UnknownFigure(LookupError):
    """A figure key no bulletin has (from a hand-edited URL)."""


@dataclass
class FigureRows:
    figure: Figure
    period: Period
    total: int
    rows: list  # Estate, Inspection, Notice, Finding, Revisit or Escalation rows, newest first
    estate_names: dict[uuid.UUID, str]
    findings: dict[uuid.UUID, Finding]  # the findings revisits and escalations are about


_NEWEST_FIRST = {Inspection: Inspection.finished_at, Notice: Notice.issued_at, Finding: Finding.found_at,
                 Revisit: Revisit.done_at, Escalation: Escalation.decided_at,
                 Complaint: Complaint.received_at}


def figure_rows(session: Session, office_id: uuid.UUID, period: Period, figure_key: str,
                region_prefix: str | None = None, category: str | None = None, channel: str | None = None,
                limit: int = ROWS_SHOWN) -> FigureRows:
    figure = FIGURE_BY_KEY.get(figure_key)
    if figure is None:
        raise UnknownFigure(figure_key)
    closed = closed_at_as_of(session, office_id, period.end_naive_utc)
    ids = row_ids(figure, office_id, period, region_prefix, category, channel, closed=closed).subquery()
    total = session.scalar(sa.select(sa.func.count()).select_from(ids)) or 0
    model = rows_model(figure)
    # Estates (检查小区数) in pinyin order of their names; other rows newest first.
    order = ([_NEWEST_FIRST[model].desc(), model.id] if model in _NEWEST_FIRST
             else [Estate.name_pinyin, Estate.id])
    rows = list(session.scalars(sa.select(model).where(model.id.in_(sa.select(ids.c[0])))
                                .order_by(*order).limit(limit)))
    finding_ids = {r.finding_id for r in rows if isinstance(r, Revisit | Escalation)}
    findings = {f.id: f for f in session.scalars(sa.select(Finding).where(Finding.id.in_(finding_ids)))}
    estate_ids = {getattr(r, "estate_id", None) for r in rows} | {f.estate_id for f in findings.values()}
    names = {i: n for i, n in session.execute(
        sa.select(Estate.id, Estate.name).where(Estate.id.in_(estate_ids - {None})))}
    return FigureRows(figure, period, total, rows, names, findings)
