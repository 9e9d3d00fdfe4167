"""Escalation (督办 → 约谈 → 行政处罚) of overdue findings, recorded against the company's credit."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa

from server.domain.audit import record_audit
from server.domain.finding_workflow import TRANSITIONS, TransitionRefused, transition_finding
from server.domain.models import (
    OFFICE_ROLES,
    Escalation,
    EscalationKind,
    Estate,
    Finding,
    FindingStatus,
    User,
)
from server.domain.rectification.access import can_see_estate
from server.domain.rectification.settings import EscalationRule, escalation_rules, setting
from server.extensions import db

ESCALATION_LABELS = {EscalationKind.URGE: "督办", EscalationKind.INTERVIEW: "约谈",
                     EscalationKind.PENALTY: "行政处罚"}


def next_rung(finding: Finding) -> EscalationRule | None:
    """The ladder's next rung for the finding (None once it is climbed)."""
    rules = escalation_rules()
    return rules[finding.escalation_step] if finding.escalation_step < len(rules) else None


def schedule_next_escalation(finding: Finding) -> datetime | None:
    """Set when the next rung of the ladder falls due (None once the ladder is climbed)."""
    rules = escalation_rules()
    if finding.due_at is None or finding.escalation_step >= len(rules):
        finding.next_escalation_at = None
    else:
        rule = rules[finding.escalation_step]
        finding.next_escalation_at = finding.due_at + timedelta(days=rule.days_overdue)
    return finding.next_escalation_at


def escalate_finding(
    finding: Finding,
    actor: User | None,
    *,
    now: datetime,
    kind: EscalationKind | str | None = None,
    credit_points: int | None = None,
    note: str = "",
) -> Escalation:
    """Take the next rung (or `kind`, chosen by a supervisor); actor None is the scheduler's rule.

    A person's decision (actor given) needs a note saying why: it goes on the company's record.
    """
    rules = escalation_rules()
    step = finding.escalation_step
    estate = finding.estate or db.session.get(Estate, finding.estate_id)
    if actor is not None and (actor.role not in OFFICE_ROLES or not can_see_estate(actor, estate)):
        raise TransitionRefused("forbidden", "只有本区域科室负责人可以升级督办")
    note = (note or "").strip()
    if actor is not None and not note:
        raise TransitionRefused("invalid_input", "请填写处理意见 (a note is required)")
    if kind is None:
        rule = next_rung(finding)
        if rule is None:
            raise TransitionRefused("invalid_transition", "已达到最高处理等级 (the ladder is climbed)")
        kind, points = rule.kind, rule.credit_points
    else:
        try:
            kind = EscalationKind(kind)
        except ValueError:
            raise TransitionRefused("invalid_input", f"未知的处理方式 {kind!r}") from None
        points = next((r.credit_points for r in rules if r.kind == kind), 0)
    if credit_points is not None:
        points = credit_points
    transition_finding(finding, "escalate", actor, at=now, note=f"{ESCALATION_LABELS[kind]} {note}".strip())
    escalation = Escalation(finding_id=finding.id, company_id=estate.company_id if estate else None,
                            kind=kind, decided_at=now, decided_by_id=actor.id if actor else None,
                            credit_points=points, note=note)
    db.session.add(escalation)
    kinds = [r.kind for r in rules]
    if kind in kinds:
        # A supervisor may jump the ladder; the rule then carries on from the rung taken.
        finding.escalation_step = max(step, kinds.index(kind) + 1)
    schedule_next_escalation(finding)
    db.session.flush()
    record_audit(actor, "escalate_finding", escalation,
                 {"finding_id": finding.id, "kind": kind.value, "credit_points": points, "at": now,
                  "note": note},
                 office_id=finding.office_id)
    return escalation


def mark_finding_overdue(finding: Finding, *, now: datetime) -> Finding:
    """The deadline passed unfixed: overdue, a revisit task to check on site, and the ladder's
    first rung scheduled. The overdue reminders were planned with the deadline."""
    from server.domain.rectification.revisits import ensure_revisit

    transition_finding(finding, "mark_overdue", None, at=now)
    schedule_next_escalation(finding)
    ensure_revisit(finding, now=now, trigger="deadline")
    db.session.flush()
    return finding


def due_overdue(now: datetime, limit: int) -> sa.Select:
    """Findings whose deadline passed while the fix is still owed, locked for this worker."""
    sources = TRANSITIONS["mark_overdue"].sources
    return (sa.select(Finding)
            .where(Finding.status.in_(sources), Finding.due_at < now)
            .order_by(Finding.due_at)
            .limit(limit)
            .with_for_update(skip_locked=True))


def due_escalations(now: datetime, limit: int) -> sa.Select:
    """Findings whose next rung is due, locked for this worker (others skip them)."""
    return (sa.select(Finding)
            .where(Finding.status.in_((FindingStatus.OVERDUE, FindingStatus.ESCALATED)),
                   Finding.next_escalation_at <= now)
            .order_by(Finding.next_escalation_at)
            .limit(limit)
            .with_for_update(skip_locked=True))


def company_credit(company_id: uuid.UUID) -> int:
    """The company's running credit: the base less every escalation's points."""
    deducted = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Escalation.credit_points), 0))
        .where(Escalation.company_id == company_id)
    )
    return int(setting("COMPANY_CREDIT_BASE")) - int(deducted or 0)
