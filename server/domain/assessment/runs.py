"""考核运行 Recording that a period was (re-)computed with one rule version, and publishing it.

A run pins a period to a version: later rule changes do not move it, and a deliberate re-run with
another version is itself a recorded run. Only a published run's lists reach the public pages."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.domain.assessment.rules import RulesError, latest_run
from server.domain.models import AssessmentRun, RuleSet, User
from server.domain.periods import Period

PUBLIC_KINDS = ("month", "quarter", "half", "year")


def record_run(session: Session, office_id: uuid.UUID, period: Period, rule_set: RuleSet, actor: User,
               published: bool = False, note: str = "") -> AssessmentRun:
    if rule_set.office_id != office_id or rule_set.status != "published":
        raise RulesError("只能用本单位已发布的考核细则版本 / only a published version of this office's rules")
    run = AssessmentRun(office_id=office_id, period_key=period.key, rule_set_id=rule_set.id,
                        run_by_id=actor.id, published=published, note=note)
    session.add(run)
    session.flush()
    return run


def set_published(session: Session, office_id: uuid.UUID, period: Period, published: bool) -> AssessmentRun:
    """Make the period's newest run public (or withdraw it)."""
    if period.kind not in PUBLIC_KINDS:
        raise RulesError("只公布月、季、半年或年度结果"
                         " / only a month, quarter, half-year or year is published")
    run = latest_run(session, office_id, period)
    if run is None:
        raise RulesError("该期尚未计算，请先计算 / the period has not been computed yet")
    run.published = published
    session.flush()
    return run


def published_periods(session: Session, office_id: uuid.UUID) -> list[Period]:
    """Periods whose newest run is public, newest first."""
    runs = session.scalars(sa.select(AssessmentRun).where(AssessmentRun.office_id == office_id)
                           .order_by(AssessmentRun.run_at.desc()))
    seen: dict[str, bool] = {}
    for run in runs:
        seen.setdefault(run.period_key, run.published)
    periods = [Period.parse(key) for key, published in seen.items() if published]
    return sorted(periods, key=lambda p: (p.start, p.end), reverse=True)


def public_run(session: Session, office_id: uuid.UUID, period: Period) -> AssessmentRun | None:
    run = latest_run(session, office_id, period)
    return run if run is not None and run.published else None


def runs_of(session: Session, office_id: uuid.UUID) -> list[AssessmentRun]:
    return list(session.scalars(sa.select(AssessmentRun).where(AssessmentRun.office_id == office_id)
                                .order_by(AssessmentRun.run_at.desc()).limit(50)))
