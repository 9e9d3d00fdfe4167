"""The finding state machine: one table, used by the web, the sync API and the jobs.

    open --issue_notice--> notified --report_rectified--> rectified_reported --verify_fixed--> closed
      ^                       |                                  |
      |                 mark_overdue                      verify_not_fixed
      |                       v                                  v
      +------ reopened <--- overdue --escalate--> escalated     reopened

    notified / overdue / escalated / reopened / rectified_reported --withdraw_notice--> open
    (the notice was cancelled, 撤销整改通知书: the deadline goes with it)

Each action says which states it leaves from, where it goes, and who may take it. Workflow
fields (status, due date, close-out) change only here; a refusal says why in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from server.domain.audit import record_audit
from server.domain.models import FIELD_ROLES, OFFICE_ROLES, Finding, FindingStatus, Role, User
from server.domain.models.base import utcnow

S = FindingStatus
SYSTEM = "system"  # the scheduler acts without a user


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[FindingStatus]
    target: FindingStatus
    roles: frozenset[Role | str]
    label: str  # zh_CN, for audit views and refusals
    clears_due: bool = False  # the finding leaves the action with no deadline


def _t(action: str, sources: set, target: FindingStatus, roles: set, label: str,
       clears_due: bool = False) -> Transition:
    return Transition(action, frozenset(sources), target, frozenset(roles), label, clears_due)


_OPEN_WORK = {S.NOTIFIED, S.OVERDUE, S.ESCALATED, S.REOPENED}
_OFFICE_STAFF = OFFICE_ROLES
_FIELD_STAFF = FIELD_ROLES

TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        _t("issue_notice", {S.OPEN, S.REOPENED}, S.NOTIFIED, _OFFICE_STAFF, "下发整改通知"),
        _t("report_rectified", _OPEN_WORK, S.RECTIFIED_REPORTED, {Role.COMPANY, *_FIELD_STAFF},
           "报告已整改"),
        _t("verify_fixed", {S.RECTIFIED_REPORTED, *_OPEN_WORK}, S.CLOSED, _FIELD_STAFF, "复查合格，销号"),
        _t("verify_not_fixed", {S.RECTIFIED_REPORTED, *_OPEN_WORK}, S.REOPENED, _FIELD_STAFF,
           "复查不合格，重新整改"),
        # Fixed on the spot while the inspector watched (当场整改): closes without a notice.
        _t("close_on_site", {S.OPEN}, S.CLOSED, _FIELD_STAFF, "当场整改，销号"),
        _t("mark_overdue", {S.NOTIFIED, S.REOPENED}, S.OVERDUE, {SYSTEM, *_OFFICE_STAFF}, "逾期未整改"),
        _t("escalate", {S.OVERDUE, S.ESCALATED}, S.ESCALATED, {SYSTEM, *_OFFICE_STAFF}, "升级督办"),
        _t("reopen", {S.CLOSED}, S.REOPENED, _OFFICE_STAFF, "重新打开"),
        # A later deadline, with a reason (延期): an overdue finding is owed again, not late.
        _t("extend_deadline", {S.NOTIFIED, S.REOPENED, S.OVERDUE}, S.NOTIFIED, _OFFICE_STAFF,
           "延长整改期限"),
        # The notice was withdrawn (撤销整改通知书): back on the open ledger, ready for a new one.
        _t("withdraw_notice", {S.RECTIFIED_REPORTED, *_OPEN_WORK}, S.OPEN, _OFFICE_STAFF, "撤销整改通知",
           clears_due=True),
    )
}


class TransitionRefused(ValueError):
    """The action is not allowed now or not by this actor; the message says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def allowed_actions(finding: Finding, actor: User | None) -> list[str]:
    return [a for a in TRANSITIONS if _refusal(TRANSITIONS[a], finding, actor) is None]


def _role_of(actor: User | None) -> Role | str:
    return actor.role if actor is not None else SYSTEM


def _refusal(rule: Transition, finding: Finding, actor: User | None) -> TransitionRefused | None:
    if finding.status not in rule.sources:
        return TransitionRefused(
            "invalid_transition",
            f"问题当前状态为「{STATUS_LABELS[finding.status]}」，不能「{rule.label}」",
        )
    if _role_of(actor) not in rule.roles:
        return TransitionRefused("forbidden", f"当前账号无权「{rule.label}」")
    if actor is not None and actor.role == Role.COMPANY:
        estate = finding.estate
        if estate is None or estate.company_id != actor.company_id:
            return TransitionRefused("forbidden", "只能处理本企业的问题")
    return None


def transition_finding(
    finding: Finding,
    action: str,
    actor: User | None,
    *,
    at: datetime | None = None,
    due_at: datetime | None = None,
    note: str = "",
) -> Finding:
    """Apply `action` to the finding or raise TransitionRefused. The caller commits."""
    rule = TRANSITIONS.get(action)
    if rule is None:
        raise TransitionRefused("unknown_action", f"未知操作 {action!r}")
    refusal = _refusal(rule, finding, actor)
    if refusal is not None:
        raise refusal
    when = at or utcnow()
    before = finding.status
    changes = {"from": before.value, "to": rule.target.value, "at": when, "due_at": due_at, "note": note}
    if before == S.CLOSED:
        # The close-out this undoes, kept in the log: a past period's figures still count the
        # finding as closed when it was (server.domain.finding_history).
        changes["was_closed_at"] = finding.closed_at
    finding.status = rule.target
    if rule.target == S.CLOSED:
        finding.closed_at = when
    elif before == S.CLOSED:
        finding.closed_at = None
    if rule.clears_due:
        finding.due_at = None
    elif due_at is not None:
        finding.due_at = due_at
    record_audit(actor, action, finding, changes)
    return finding


STATUS_LABELS: dict[FindingStatus, str] = {
    S.OPEN: "待处理",
    S.NOTIFIED: "已下发整改通知",
    S.RECTIFIED_REPORTED: "企业已报整改",
    S.OVERDUE: "逾期",
    S.REOPENED: "重新整改",
    S.ESCALATED: "已升级督办",
    S.CLOSED: "已销号",
}
