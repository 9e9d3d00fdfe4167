"""Delivery channels for reminders: email (SMTP), the in-app inbox, a signed webhook."""

from __future__ import annotations

from flask import current_app

from server.domain.models import Channel, Finding, Reminder, User
from server.domain.rectification.reminders import DEADLINE_KINDS
from server.notify.email import send_email
from server.notify.event_messages import attached_photos, render_event
from server.notify.messages import render_reminder
from server.notify.webhook import post_webhook
from server.storage import get_photo_store


class DeliveryError(RuntimeError):
    """The channel did not accept the message; the reminder will be retried."""


def deliver(reminder: Reminder, finding: Finding, recipient: User) -> tuple[str, str]:
    """Send one reminder on its channel; returns (subject, body) once the channel accepted it."""
    if reminder.kind in DEADLINE_KINDS:
        subject, body = render_reminder(reminder, finding, recipient)
    else:
        subject, body = render_event(reminder, finding, recipient)
    if reminder.channel == Channel.EMAIL:
        if not recipient.email:
            raise DeliveryError("收件人没有邮箱地址 (recipient has no email address)")
        headers = {"X-Xuncha-Reminder": str(reminder.id), "X-Xuncha-Kind": reminder.kind.value}
        send_email(recipient.email, subject, body, headers, attachments=_photo_files(reminder))
    elif reminder.channel == Channel.WEBHOOK:
        post_webhook({
            "type": "reminder",
            "reminder_id": str(reminder.id),
            "kind": reminder.kind.value,
            "finding_id": str(finding.id),
            "finding_status": finding.status.value,
            "due_at": finding.due_at.isoformat() + "Z" if finding.due_at else None,
            "recipient": {"id": str(recipient.id), "username": recipient.username,
                          "name": recipient.display_name, "phone": recipient.phone,
                          "email": recipient.email, "role": recipient.role.value},
            "subject": subject,
            "body": body,
        })
    # The inbox needs no transport: a sent inbox reminder is what the inbox page lists.
    return subject, body


def _photo_files(reminder: Reminder) -> list[tuple[str, bytes]]:
    store = get_photo_store(current_app)
    files = []
    for number, sha256 in enumerate(attached_photos(reminder), start=1):
        with store.open(sha256) as handle:
            files.append((f"复查照片{number}.jpg", handle.read()))
    return files


__all__ = ["DeliveryError", "deliver"]
