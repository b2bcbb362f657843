"""Notifiers: one small interface over the ways a message reaches a person. Email goes to
people with an address (through the outbox); WhatsApp, when configured, to people who gave only
a phone number (through its own outbox). Both are queued in the caller's transaction under a
unique key and sent after commit, retried with backoff, never twice."""

import logging
from datetime import timedelta

from flask import after_this_request, current_app, has_request_context
from sqlalchemy import delete, event, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ..extensions import db
from ..mail import outbox
from ..queue import enqueue
from ..signals import account_erasing
from ..timeutil import utcnow
from . import whatsapp
from .models import WhatsAppMessage

log = logging.getLogger(__name__)
PENDING_KEY = "whatsapp_pending"
MAX_ATTEMPTS = outbox.MAX_ATTEMPTS
SENDING_TIMEOUT = timedelta(minutes=15)


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


def queue_whatsapp(*, key: str, user, template: str, params: list, language=None) -> None:
    """Add a template message to the WhatsApp outbox in the caller's transaction."""
    if not whatsapp.configured():
        return
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = (
        insert(WhatsAppMessage.__table__)
        .values(
            key=key[:200],
            user_id=user.id,
            to_phone=user.phone,
            template=template,
            language=language or _language(user),
            params=params,
            status="pending",
            attempts=0,
            next_attempt_at=utcnow(),
            last_error="",
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(WhatsAppMessage.__table__.c.id)
    )
    new_id = db.session.execute(stmt).scalar()
    if new_id is not None:
        db.session.info.setdefault(PENDING_KEY, []).append(new_id)


def _language(user) -> str:
    return (
        current_app.config["WHATSAPP_LANGUAGE_EN"]
        if user.locale == "en"
        else (current_app.config["WHATSAPP_LANGUAGE"])
    )


@event.listens_for(Session, "after_commit")
def _dispatch_after_commit(session) -> None:
    ids = session.info.pop(PENDING_KEY, None)
    if ids:
        dispatch(ids)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session) -> None:
    session.info.pop(PENDING_KEY, None)


def dispatch(ids: list[int]) -> None:
    if enqueue("lms.notifications.notifiers.deliver_whatsapp", ids):
        return
    if has_request_context():
        app = current_app._get_current_object()

        @after_this_request
        def later(response):
            def run():
                with app.app_context():
                    deliver_whatsapp(ids)

            response.call_on_close(run)
            return response


def deliver_whatsapp(ids: list[int]) -> int:
    """Send these messages if due; each is claimed first so two senders never both send it."""
    sent = 0
    code_template = current_app.config["WHATSAPP_TEMPLATE_CODE"]
    for message_id in ids:
        now = utcnow()
        claimed = db.session.execute(
            update(WhatsAppMessage)
            .where(
                WhatsAppMessage.id == message_id,
                WhatsAppMessage.next_attempt_at <= now,
                or_(
                    WhatsAppMessage.status == "pending",
                    (WhatsAppMessage.status == "sending")
                    & (WhatsAppMessage.next_attempt_at <= now - SENDING_TIMEOUT),
                ),
            )
            .values(status="sending", attempts=WhatsAppMessage.attempts + 1, next_attempt_at=now)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        if claimed.rowcount != 1:
            continue
        message = db.session.get(WhatsAppMessage, message_id)
        try:
            whatsapp.send_template(
                message.to_phone,
                message.template,
                message.language,
                message.params,
                code_button=message.template == code_template,
            )
        except whatsapp.WhatsAppError as e:
            log.warning("WhatsApp %s not sent (attempt %s): %s", message_id, message.attempts, e)
            message.status = "failed" if message.attempts >= MAX_ATTEMPTS else "pending"
            message.next_attempt_at = utcnow() + outbox._backoff(message.attempts)
            message.last_error = str(e)[:1000]
        else:
            message.status, message.sent_at = "sent", utcnow()
            sent += 1
        db.session.commit()
    return sent


def deliver_whatsapp_due(limit: int = 1000) -> int:
    now = utcnow()
    ids = list(
        db.session.scalars(
            select(WhatsAppMessage.id)
            .where(
                WhatsAppMessage.next_attempt_at <= now,
                WhatsAppMessage.status.in_(("pending", "sending")),
            )
            .order_by(WhatsAppMessage.next_attempt_at, WhatsAppMessage.id)
            .limit(limit)
        )
    )
    return deliver_whatsapp(ids)


@account_erasing.connect
def erase_whatsapp(user, **_) -> None:
    db.session.execute(delete(WhatsAppMessage).where(WhatsAppMessage.user_id == user.id))
