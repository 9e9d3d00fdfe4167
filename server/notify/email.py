"""Email through the operator's SMTP server (host, port, STARTTLS, login from the config)."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app

from server.domain.rectification.settings import setting


def send_email(to: str, subject: str, body: str, headers: dict[str, str] | None = None,
               attachments: list[tuple[str, bytes]] | None = None) -> None:
    """Hand one message to the SMTP server; returns only once the server accepted it."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="xuncha")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    for filename, data in attachments or []:
        message.add_attachment(data, maintype="image", subtype="jpeg", filename=filename)
    # MAIL_USE_SSL: implicit TLS (port 465); MAIL_USE_TLS: STARTTLS on a plain port (587).
    connect = smtplib.SMTP_SSL if config.get("MAIL_USE_SSL") else smtplib.SMTP
    extra = {"context": ssl.create_default_context()} if config.get("MAIL_USE_SSL") else {}
    with connect(config["MAIL_HOST"], int(config["MAIL_PORT"]),
                 timeout=float(setting("SMTP_TIMEOUT_SECONDS")), **extra) as smtp:
        if config.get("MAIL_USE_TLS") and not config.get("MAIL_USE_SSL"):
            smtp.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD", ""))
        refused = smtp.send_message(message)
    if refused:
        raise smtplib.SMTPRecipientsRefused(refused)
