"""The SMTP transport (LMS_SMTP_*): one message at a time. Without SMTP_HOST nothing is sent."""

import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app


def configured() -> bool:
    return bool(current_app.config.get("SMTP_HOST"))


def send(to: str, subject: str, body: str, message_id: str | None = None) -> None:
    """Send one plain-text email; raises OSError/smtplib.SMTPException when it fails."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["SMTP_FROM"]
    message["To"] = to
    message["Subject"] = subject
    # The same Message-ID on a retry lets receiving servers drop a duplicate.
    message["Message-ID"] = message_id or make_msgid(domain="akademi-kim")
    message.set_content(body)
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=10) as smtp:
        if config.get("SMTP_STARTTLS"):
            smtp.starttls()
        if config.get("SMTP_USER"):
            smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
        smtp.send_message(message)
