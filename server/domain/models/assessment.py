"""Quantitative assessment (量化考核): the office's versioned rule sets, the recorded runs that pin a
period to one version, and the penalties and commendations an office enters for a company."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.domain.models.base import IdMixin, TimestampMixin, utcnow
from server.extensions import db


class RuleSet(IdMixin, TimestampMixin, db.Model):
    """One version of an office's scoring rules (考核细则).

    A draft is edited freely; publishing freezes it with the first local date it applies from.
    A published version is never changed again, so a past period always finds the rules it was
    scored with (see `server.domain.assessment.rules.rules_in_force`)."""

    __tablename__ = "assessment_rule_set"
    __table_args__ = (sa.UniqueConstraint("office_id", "version"),)
    office_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("office.id"), index=True)
    version: Mapped[int]
    status: Mapped[str] = mapped_column(sa.String(10), default="draft")  # draft / published
    rules: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    effective_from: Mapped[date | None]
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("user_account.id"))
    note: Mapped[str] = mapped_column(sa.Text, default="")


class AssessmentRun(IdMixin, db.Model):
    """A period explicitly computed (or re-run) with one rule version, and whether the office made
    its red and black lists and star ratings public. The newest run of a period decides which
    rules the period is shown with; without one, the rules in force at the period's start."""

    __tablename__ = "assessment_run"
    __table_args__ = (sa.Index("ix_assessment_run_office_period", "office_id", "period_key"),)
    office_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("office.id"), index=True)
    period_key: Mapped[str] = mapped_column(sa.String(10))
    rule_set_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("assessment_rule_set.id"))
    run_at: Mapped[datetime] = mapped_column(default=utcnow)
    run_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("user_account.id"))
    published: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(sa.Text, default="")

    rule_set: Mapped[RuleSet] = relationship()


class CreditRecord(IdMixin, TimestampMixin, db.Model):
    """A penalty (处罚/通报批评) or commendation (表彰) of a company, entered by the office; the rule
    set says how many credit points each kind is worth."""

    __tablename__ = "credit_record"
    office_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("office.id"), index=True)
    company_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("company.id"), index=True)
    estate_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("estate.id"))
    kind: Mapped[str] = mapped_column(sa.String(12))  # penalty / commendation
    occurred_on: Mapped[date]
    title: Mapped[str] = mapped_column(sa.String(200))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    # Left empty, the rule set's points for the kind apply; set, it overrides them for this record.
    points: Mapped[Decimal | None] = mapped_column(sa.Numeric(7, 2))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("user_account.id"))
    deleted_at: Mapped[datetime | None]

    company = relationship("Company")
    estate = relationship("Estate")
