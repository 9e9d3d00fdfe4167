"""Delivery channels for reminders: email (SMTP), the in-app inbox, a signed webhook."""

from __future__ import annotations

from server.domain.models import Channel, Finding, Reminder, User
from server.notify.email import send_email
from server.notify.messages import render_reminder
from server.notify.webhook import post_webhook


class DeliveryError(RuntimeError):
    """The channel did not accept the message; the reminder will be retried."""


def deliver(reminder: Reminder, finding: Finding, recipient: User) -> tuple[str, str]:
    """Send one reminder on its channel; returns (subject, body) once the channel accepted it."""
    subject, body = render_reminder(reminder, finding, recipient)
    if reminder.channel == Channel.EMAIL:
        if not recipient.email:
            raise DeliveryError("收件人没有邮箱地址 (recipient has no email address)")
        send_email(recipient.email, subject, body, {"X-Xuncha-Reminder": str(reminder.id)})
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


__all__ = ["DeliveryError", "deliver"]
