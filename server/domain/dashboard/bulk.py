"""The ledger's bulk actions: each calls the rectification service once per finding (or per
estate for notices) inside the caller's one transaction, so a refusal of any of them leaves
nothing half done."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime

import sqlalchemy as sa

from server.domain.dashboard.scope import finding_scope
from server.domain.finding_workflow import TransitionRefused
from server.domain.models import Estate, Finding, Notice, Revisit, User
from server.domain.rectification import assign_revisit, ensure_revisit, issue_notice
from server.domain.rectification.deadline_extension import extend_deadline
from server.extensions import db

BULK_MAX = 500


def chosen_findings(user: User, ids: Sequence[uuid.UUID]) -> list[Finding]:
    """The chosen findings, all of them within the user's area, or a refusal."""
    if not ids:
        raise TransitionRefused("invalid_input", "请至少选择一个问题 (choose at least one finding)")
    if len(ids) > BULK_MAX:
        raise TransitionRefused("invalid_input", f"一次最多处理 {BULK_MAX} 个问题 (at most {BULK_MAX})")
    findings = list(db.session.scalars(
        sa.select(Finding).where(Finding.id.in_(set(ids)), *finding_scope(user))
        .order_by(Finding.found_at, Finding.id)))
    if len(findings) != len(set(ids)):
        raise TransitionRefused("forbidden", "所选问题中有不在您区域内的 (outside your area)")
    return findings


def issue_notices(findings: Sequence[Finding], actor: User, *, now: datetime) -> list[Notice]:
    """One notice per estate for the chosen findings, default deadlines."""
    by_estate: dict[uuid.UUID, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_estate[finding.estate_id].append(finding)
    notices = []
    for estate_id, group in by_estate.items():
        notices.append(issue_notice(db.session.get(Estate, estate_id), group, actor, now=now))
    return notices


def extend_deadlines(findings: Sequence[Finding], actor: User, new_due_on: date, reason: str,
                     *, now: datetime) -> int:
    for finding in findings:
        extend_deadline(finding, actor, new_due_on, reason, now=now)
    return len(findings)


def assign_revisits(findings: Sequence[Finding], inspector: User, actor: User, *,
                    now: datetime) -> list[Revisit]:
    """A pending revisit (回头看) for each finding, handed to `inspector`."""
    revisits = []
    for finding in findings:
        if finding.status.value == "closed":
            raise TransitionRefused("invalid_transition", "已销号的问题不需要回头看 (finding already closed)")
        revisit = ensure_revisit(finding, now=now, trigger="manual")
        revisits.append(assign_revisit(revisit, inspector, actor, now=now))
    return revisits
