"""Reminders (提醒): planned when a deadline is set, delivered by the scheduler exactly once.

Planning writes one Reminder row per (finding, recipient, channel, kind, scheduled time); the
table's unique key makes a second planner collide instead of duplicating. Delivery claims due
rows with one UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING, which on
PostgreSQL skips rows another worker holds and on SQLite runs under the single writer lock; the
claim is a lease (next_attempt_at pushed forward), so a worker that dies mid-send lets another
retry later. A row is marked sent only after the channel accepted it; a failure counts an
attempt, keeps the error and backs off; nothing is ever dropped.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from server.domain.models import (
    Channel,
    Estate,
    Finding,
    FindingStatus,
    Notice,
    Reminder,
    ReminderKind,
    Revisit,
    RevisitStatus,
    Role,
    User,
)
from server.domain.rectification.deadlines import local_date, utc_at
from server.domain.rectification.settings import setting
from server.extensions import db

S = FindingStatus
# Statuses in which the company still owes a fix: reminders about the deadline make sense.
AWAITING_FIX = frozenset({S.NOTIFIED, S.REOPENED, S.OVERDUE, S.ESCALATED})
K = ReminderKind
# The kinds about a finding's deadline; the others (回头看 reminders and loop events) belong to
# server.domain.rectification.notifications and are left alone by what follows a deadline.
DEADLINE_KINDS = frozenset({K.BEFORE, K.DUE, K.OVERDUE})
KIND_LABELS = {K.BEFORE: "即将到期", K.DUE: "今日到期", K.OVERDUE: "已逾期",
               K.REVISIT_BEFORE: "回头看即将到期", K.REVISIT_DUE: "回头看今日到期",
               K.REVISIT_OVERDUE: "回头看已逾期",
               K.REVISIT_LATE_SUPERVISOR: "回头看逾期未完成", K.NOTICE_ISSUED: "整改通知书",
               K.DEADLINE_CHANGED: "整改期限调整", K.FIX_REPORTED: "已报告整改", K.REVISIT_PASSED: "复查合格",
               K.REVISIT_FAILED: "复查未通过", K.ESCALATED: "升级督办"}


_IN_BATCH = 500  # ids per IN (...) list


def recipients_by_finding(finding_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[User]]:
    """finding id → who is reminded about it: the company's active users, the responsible
    inspector (the pending revisit's, else the one who found it) and the supervisor who issued
    the notice. Set-based (a few queries per 500 findings), so the demo city plans with the
    same rule as a single notice does."""
    inspector = (sa.select(Revisit.inspector_id)
                 .where(Revisit.finding_id == Finding.id, Revisit.status == RevisitStatus.PENDING)
                 .correlate(Finding).limit(1).scalar_subquery())
    facts: list[tuple[uuid.UUID, uuid.UUID | None, uuid.UUID | None, uuid.UUID | None]] = []
    ids = list(dict.fromkeys(finding_ids))
    for start in range(0, len(ids), _IN_BATCH):
        rows = db.session.execute(
            sa.select(Finding.id, Estate.company_id, inspector, Finding.reported_by_id, Notice.issued_by_id)
            .outerjoin(Estate, Estate.id == Finding.estate_id)
            .outerjoin(Notice, Notice.id == Finding.notice_id)
            .where(Finding.id.in_(ids[start:start + _IN_BATCH])))
        facts += [(fid, company_id, inspector_id or finder_id, issuer_id)
                  for fid, company_id, inspector_id, finder_id, issuer_id in rows]
    company_ids = sorted({company_id for _, company_id, _, _ in facts if company_id}, key=str)
    staff_ids = sorted({uid for _, _, a, b in facts for uid in (a, b) if uid}, key=str)
    by_company: dict[uuid.UUID, list[User]] = {}
    for start in range(0, len(company_ids), _IN_BATCH):
        for user in db.session.scalars(
            sa.select(User).where(User.company_id.in_(company_ids[start:start + _IN_BATCH]),
                                  User.role == Role.COMPANY, User.active.is_(True))
            .order_by(User.username)
        ):
            by_company.setdefault(user.company_id, []).append(user)
    staff: dict[uuid.UUID, User] = {}
    for start in range(0, len(staff_ids), _IN_BATCH):
        batch = staff_ids[start:start + _IN_BATCH]
        for user in db.session.scalars(sa.select(User).where(User.id.in_(batch))):
            if user.active and user.role != Role.COMPANY:
                staff[user.id] = user
    result: dict[uuid.UUID, list[User]] = {fid: [] for fid in ids}
    for fid, company_id, inspector_id, issuer_id in facts:
        people = {user.id: user for user in by_company.get(company_id, [])}
        for user_id in (inspector_id, issuer_id):
            if user_id in staff:
                people[user_id] = staff[user_id]
        result[fid] = list(people.values())
    return result


def reminder_recipients(finding: Finding) -> list[User]:
    """The company's users, the responsible inspector and the supervisor who issued the notice."""
    return recipients_by_finding([finding.id])[finding.id]


def channels_for(user: User) -> list[Channel]:
    channels = [Channel.INBOX]
    if user.email:
        channels.append(Channel.EMAIL)
    if setting("WEBHOOK_URL"):
        channels.append(Channel.WEBHOOK)
    return channels


def reminder_times(due_at: datetime, now: datetime) -> list[tuple[ReminderKind, datetime]]:
    """Before (each configured day), on the day and the first overdue reminder, all at the
    configured local hour; moments already past when the deadline is set are skipped."""
    hour = time(int(setting("REMINDER_HOUR")), 0)
    due_day = local_date(due_at)
    plan = [(ReminderKind.BEFORE, utc_at(due_day - timedelta(days=int(d)), hour))
            for d in sorted(setting("REMINDER_DAYS_BEFORE"), reverse=True) if int(d) > 0]
    plan.append((ReminderKind.DUE, utc_at(due_day, hour)))
    plan.append((ReminderKind.OVERDUE, utc_at(due_day + timedelta(days=1), hour)))
    return [(kind, at) for kind, at in plan if at > now or kind == ReminderKind.OVERDUE]


def add_reminder(finding_id: uuid.UUID, recipient_id: uuid.UUID, channel: Channel,
                  kind: ReminderKind, at: datetime) -> Reminder | None:
    """Insert one reminder unless the same one exists; a collision is not an error."""
    exists = db.session.scalar(sa.select(Reminder.id).where(
        Reminder.finding_id == finding_id, Reminder.recipient_id == recipient_id,
        Reminder.channel == channel, Reminder.kind == kind, Reminder.scheduled_at == at))
    if exists is not None:
        return None
    reminder = Reminder(finding_id=finding_id, recipient_id=recipient_id, channel=channel, kind=kind,
                        scheduled_at=at, next_attempt_at=at)
    try:
        with db.session.begin_nested():
            db.session.add(reminder)
    except IntegrityError:
        # Another process planned the very same reminder a moment ago: theirs stands.
        return None
    return reminder


@dataclass(frozen=True)
class PlannedReminder:
    finding_id: uuid.UUID
    recipient_id: uuid.UUID
    channel: Channel
    kind: ReminderKind
    scheduled_at: datetime


def planned_reminders(finding_ids: Sequence[uuid.UUID],
                      planned_at: datetime | Mapping[uuid.UUID, datetime]) -> list[PlannedReminder]:
    """The reminders the rule gives each finding still awaiting a fix, for its current
    deadline, as planned at `planned_at` (one moment, or one per finding): every recipient,
    every channel they have, every reminder time. Nothing is written."""
    ids = list(dict.fromkeys(finding_ids))
    deadlines: dict[uuid.UUID, datetime] = {}
    for start in range(0, len(ids), _IN_BATCH):
        deadlines.update(db.session.execute(
            sa.select(Finding.id, Finding.due_at)
            .where(Finding.id.in_(ids[start:start + _IN_BATCH]), Finding.due_at.is_not(None),
                   Finding.status.in_(AWAITING_FIX))).all())
    waiting = [fid for fid in ids if fid in deadlines]
    recipients = recipients_by_finding(waiting)
    plan = []
    for fid in waiting:
        at_moment = planned_at if isinstance(planned_at, datetime) else planned_at[fid]
        times = reminder_times(deadlines[fid], at_moment)
        for user in recipients[fid]:
            for channel in channels_for(user):
                plan += [PlannedReminder(fid, user.id, channel, kind, at) for kind, at in times]
    return plan


def plan_reminders(finding: Finding, now: datetime) -> list[Reminder]:
    """Plan the reminders for the finding's current deadline; earlier unsent ones are cancelled."""
    cancel_reminders(finding, now)
    if finding.due_at is None or finding.status not in AWAITING_FIX:
        return []
    planned = []
    for p in planned_reminders([finding.id], now):
        reminder = add_reminder(p.finding_id, p.recipient_id, p.channel, p.kind, p.scheduled_at)
        if reminder is not None:
            planned.append(reminder)
    db.session.flush()
    return planned


def hand_over_reminders(finding: Finding, old_id: uuid.UUID, new: User, now: datetime) -> int:
    """The responsible inspector changed: the reminders still to come for `old_id` about the
    finding are planned for `new` (on `new`'s channels) and the old ones cancelled, unless
    `old_id` is still a recipient in another right (say, issued the notice). Call after the
    change, so the rule already names `new`; returns how many reminder times moved."""
    if old_id == new.id:
        return 0
    now_named = {user.id for user in reminder_recipients(finding)}
    if new.id not in now_named:
        return 0
    pending = db.session.scalars(sa.select(Reminder).where(
        Reminder.finding_id == finding.id, Reminder.recipient_id == old_id, Reminder.sent_at.is_(None),
        Reminder.cancelled_at.is_(None), Reminder.kind.in_(DEADLINE_KINDS))).all()
    times = sorted({(r.kind, r.scheduled_at) for r in pending}, key=lambda t: (t[1], t[0].value))
    if old_id not in now_named:
        for reminder in pending:
            reminder.cancelled_at, reminder.claim_token = now, None
    for kind, at in times:
        for channel in channels_for(new):
            if add_reminder(finding.id, new.id, channel, kind, at) is None:
                # The same reminder was made for `new` once and cancelled (handed back and
                # forth): it is wanted again.
                db.session.execute(
                    sa.update(Reminder)
                    .where(Reminder.finding_id == finding.id, Reminder.recipient_id == new.id,
                           Reminder.channel == channel, Reminder.kind == kind, Reminder.scheduled_at == at,
                           Reminder.sent_at.is_(None))
                    .values(cancelled_at=None)
                    .execution_options(synchronize_session=False))
    db.session.flush()
    return len(times)


def cancel_reminders(finding: Finding, now: datetime) -> int:
    """Cancel the unsent reminders of a finding that no longer needs them (kept, not deleted)."""
    result = db.session.execute(
        sa.update(Reminder)
        .where(Reminder.finding_id == finding.id, Reminder.sent_at.is_(None),
               Reminder.cancelled_at.is_(None), Reminder.kind.in_(DEADLINE_KINDS))
        .values(cancelled_at=now, claim_token=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def next_overdue_time(sent_scheduled_at: datetime) -> datetime:
    """When the next overdue reminder falls, after one planned for `sent_scheduled_at` went out."""
    return sent_scheduled_at + timedelta(days=int(setting("REMINDER_OVERDUE_EVERY_DAYS")))


def plan_next_overdue(reminder: Reminder) -> Reminder | None:
    """After an overdue reminder went out, the next one a week (configurable) later."""
    return add_reminder(reminder.finding_id, reminder.recipient_id, reminder.channel,
                         ReminderKind.OVERDUE, next_overdue_time(reminder.scheduled_at))


# --- delivery bookkeeping (the scheduler sends; these functions keep the books) -------------

@dataclass(frozen=True)
class Claim:
    token: str
    reminder_ids: list[uuid.UUID]


def claim_due_reminders(now: datetime, limit: int = 50) -> Claim:
    """Take up to `limit` due reminders for this worker; the caller commits at once."""
    token = str(uuid.uuid4())
    table = Reminder.__table__
    due = (
        sa.select(table.c.id)
        .where(table.c.sent_at.is_(None), table.c.cancelled_at.is_(None), table.c.next_attempt_at <= now)
        .order_by(table.c.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    lease = now + timedelta(seconds=int(setting("REMINDER_LEASE_SECONDS")))
    rows = db.session.execute(
        sa.update(table).where(table.c.id.in_(due.scalar_subquery()))
        .values(claim_token=token, next_attempt_at=lease)
        .returning(table.c.id)
    ).scalars().all()
    return Claim(token, list(rows))


def mark_reminder_sent(reminder: Reminder, token: str, now: datetime, subject: str, body: str) -> bool:
    """Record the delivery, only if this worker still holds the claim."""
    if reminder.claim_token != token or reminder.sent_at is not None:
        return False
    reminder.sent_at = now
    reminder.attempts += 1
    reminder.claim_token = None
    reminder.subject, reminder.body = subject[:200], body
    reminder.last_error = ""
    if reminder.kind == ReminderKind.OVERDUE:
        plan_next_overdue(reminder)
    db.session.flush()
    return True


def retry_delay(attempts: int) -> timedelta:
    base = int(setting("REMINDER_RETRY_BASE_SECONDS"))
    cap = int(setting("REMINDER_RETRY_MAX_SECONDS"))
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


def mark_reminder_failed(reminder_id: uuid.UUID, token: str, now: datetime, error: str) -> None:
    """Count the attempt, keep the error, and put the reminder back in the queue later."""
    reminder = db.session.get(Reminder, reminder_id)
    if reminder is None or reminder.claim_token != token:
        return
    reminder.attempts += 1
    reminder.last_error = error[:2000]
    reminder.claim_token = None
    reminder.next_attempt_at = now + retry_delay(reminder.attempts)
    db.session.flush()


def cancel_claimed(reminder: Reminder, now: datetime) -> None:
    reminder.cancelled_at = now
    reminder.claim_token = None
    db.session.flush()


def still_needed(reminder: Reminder, finding: Finding) -> bool:
    """A reminder about a deadline only goes out while the company still owes the fix."""
    if reminder.kind not in DEADLINE_KINDS:
        from server.domain.rectification.notifications import still_wanted

        return still_wanted(reminder, finding)
    if finding.status not in AWAITING_FIX or finding.due_at is None:
        return False
    # A reminder planned for an earlier deadline (the finding was reopened since) is stale.
    return not (reminder.kind == ReminderKind.BEFORE and reminder.scheduled_at > finding.due_at)


# --- the in-app inbox --------------------------------------------------------------------------

def inbox_query(user: User) -> sa.Select:
    return (sa.select(Reminder)
            .where(Reminder.recipient_id == user.id, Reminder.channel == Channel.INBOX,
                   Reminder.sent_at.is_not(None))
            .order_by(Reminder.sent_at.desc()))


def unread_count(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Reminder)
        .where(Reminder.recipient_id == user.id, Reminder.channel == Channel.INBOX,
               Reminder.sent_at.is_not(None), Reminder.read_at.is_(None))
    ) or 0


def mark_reminders_read(user: User, reminder_ids: Iterable[uuid.UUID], now: datetime) -> int:
    """Mark the user's own reminders among `reminder_ids` read; returns how many.

    Another user's id is passed over exactly like an id that does not exist, so the answer
    never tells whether someone else's reminder is there.
    """
    ids = list(reminder_ids)
    if not ids:
        return 0
    owned = db.session.scalars(
        sa.select(Reminder).where(Reminder.id.in_(ids), Reminder.recipient_id == user.id)).all()
    for reminder in owned:
        reminder.read_at = reminder.read_at or now
    db.session.flush()
    return len(owned)
