"""The office's rules for the rectification loop, with defaults an operator can override.

Each setting is read from the Flask config (instance `config.py`), so a deployment can change
how many days a severity gets, when reminders go out and how escalation climbs without code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, has_app_context

from server.domain.models import EscalationKind, Severity

DEFAULTS: dict[str, Any] = {
    # Days to rectify when the checklist item gives none (an ad-hoc finding), by severity.
    "RECTIFICATION_DAYS_BY_SEVERITY": {"minor": 15, "major": 7, "severe": 3},
    # "calendar" (自然日) or "working" (工作日): how a notice counts its days unless the
    # supervisor chooses otherwise on the form.
    "DEADLINE_DAY_KIND": "calendar",
    # Reminders: days before the deadline, the hour of day (local time) they go out, and the
    # interval of the repeated reminder once overdue.
    "REMINDER_DAYS_BEFORE": (3, 1),
    "REMINDER_HOUR": 9,
    "REMINDER_OVERDUE_EVERY_DAYS": 7,
    # A failed delivery is retried after 5 min, 10, 20 … capped at 6 hours; never given up.
    "REMINDER_RETRY_BASE_SECONDS": 300,
    "REMINDER_RETRY_MAX_SECONDS": 6 * 3600,
    # How long a worker's claim on a reminder holds before another worker may try it.
    "REMINDER_LEASE_SECONDS": 600,
    # Working days an inspector has to make the revisit (回头看), and the days before its due
    # day its inspector is reminded (also on the day, and the day after with the supervisors).
    "REVISIT_WORKING_DAYS": 3,
    "REVISIT_REMINDER_DAYS_BEFORE": (1,),
    # The ladder: (days overdue, step, credit points deducted from the company).
    "ESCALATION_RULES": ((7, "urge", 2), (14, "interview", 5), (28, "penalty", 10)),
    "COMPANY_CREDIT_BASE": 100,
    # The office's own messaging system: JSON POST signed with HMAC-SHA256.
    "WEBHOOK_URL": "",
    "WEBHOOK_SECRET": "",
    "WEBHOOK_TIMEOUT_SECONDS": 10,
    "SMTP_TIMEOUT_SECONDS": 30,
    # How often the scheduler wakes up, inside the server or in `xuncha jobs worker`.
    "SCHEDULER_INTERVAL_SECONDS": 60,
}


def setting(name: str) -> Any:
    if has_app_context():
        return current_app.config.get(name, DEFAULTS[name])
    return DEFAULTS[name]


@dataclass(frozen=True)
class EscalationRule:
    days_overdue: int
    kind: EscalationKind
    credit_points: int


def escalation_rules() -> list[EscalationRule]:
    rules = [EscalationRule(int(d), EscalationKind(k), int(p)) for d, k, p in setting("ESCALATION_RULES")]
    return sorted(rules, key=lambda r: r.days_overdue)


def days_for_severity(severity: Severity) -> int:
    table = setting("RECTIFICATION_DAYS_BY_SEVERITY")
    return int(table.get(severity.value, table.get(str(severity), 7)))
