"""Notifiers: one small interface over the ways a message reaches a person. Email goes to
people with an address (through the outbox); WhatsApp, when configured, to people who gave only
a phone number (through its own outbox). Both are queued in the caller's transaction under a
unique key and sent after commit, retried with backoff, never twice."""

from flask import current_app
from sqlalchemy import delete

from ..extensions import db
from ..mail import outbox
from ..signals import account_erasing
from . import whatsapp
from .models import WhatsAppMessage


class EmailNotifier:
    def can_reach(self, user) -> bool:
        return bool(user.email)

    def send(self, user, *, key, kind, subject, body, **_):
        outbox.queue(key=key, kind=kind, to=user.email, subject=subject, body=body, user_id=user.id)


class WhatsAppNotifier:
    def can_reach(self, user) -> bool:
        return bool(user.phone) and whatsapp.configured()

    def send(self, user, *, key, short, link, **_):
        queue_whatsapp(
            key=key,
            user=user,
            template=current_app.config["WHATSAPP_TEMPLATE_NOTIFICATION"],
            params=[user.full_name, short, link],
        )


NOTIFIERS = (EmailNotifier(), WhatsAppNotifier())


def deliver(user, **message) -> bool:
    """Send through the first notifier that reaches the person; False if none does."""
    for notifier in NOTIFIERS:
        if notifier.can_reach(user):
            notifier.send(user, **message)
            return True
    return False


def _send(message: WhatsAppMessage) -> None:
    whatsapp.send_template(
        message.to_phone,
        message.template,
        message.language,
        message.params,
        code_button=message.template == current_app.config["WHATSAPP_TEMPLATE_CODE"],
    )


MESSAGES = outbox.Outbox(
    WhatsAppMessage,
    "lms.notifications.notifiers.deliver_whatsapp",
    _send,
    (whatsapp.WhatsAppError,),
    "WhatsApp",
)


def queue_whatsapp(*, key: str, user, template: str, params: list, language=None) -> None:
    """Add a template message to the WhatsApp outbox in the caller's transaction."""
    if not whatsapp.configured():
        return
    MESSAGES.add(
        [
            {
                "key": key,
                "user_id": user.id,
                "to_phone": user.phone,
                "template": template,
                "language": language or _language(user),
                "params": params,
            }
        ]
    )


def _language(user) -> str:
    return (
        current_app.config["WHATSAPP_LANGUAGE_EN"]
        if user.locale == "en"
        else (current_app.config["WHATSAPP_LANGUAGE"])
    )


def deliver_whatsapp(ids: list[int]) -> int:
    """The worker's job: send these messages if still due."""
    return MESSAGES.deliver(ids)


def deliver_whatsapp_due(limit: int = 1000) -> int:
    return MESSAGES.deliver_due(limit)


@account_erasing.connect
def erase_whatsapp(user, **_) -> None:
    db.session.execute(delete(WhatsAppMessage).where(WhatsAppMessage.user_id == user.id))
