"""Outgoing email through an outbox table: queued in the caller's transaction, delivered after
it commits (by the RQ worker when LMS_REDIS_URL is set; otherwise once the response has been
sent), retried with backoff by `flask --app lms notify run-due`. A failure never reaches the
person who caused the email, and a message is never stored twice."""

import hashlib
import logging
import smtplib
from datetime import timedelta

from flask import after_this_request, current_app, has_request_context
from sqlalchemy import delete, event, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ..extensions import db
from ..queue import connection, enqueue
from ..signals import account_erasing
from ..timeutil import utcnow
from . import transport
from .models import OutboxEmail

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
BACKOFF_MINUTES = (1, 5, 15, 60, 180, 360, 720)
SENDING_TIMEOUT = timedelta(minutes=15)  # a delivery that died half-way is tried again


class Outbox:
    """A table of messages (key, status, attempts, next_attempt_at, last_error, sent_at):
    rows are added under a unique key in the caller's transaction and handed on once it commits
    (to the RQ worker, 1,000 a job, or after the current response); each message is claimed
    before it is sent, so two senders never send it twice; failures are retried with backoff.
    `send(message)` delivers one message and raises one of `errors` when it could not."""

    def __init__(self, model, job: str, send, errors: tuple, label: str):
        self.model, self.job, self.send, self.errors, self.label = model, job, send, errors, label
        self.pending_key = f"outbox_pending:{model.__tablename__}"
        OUTBOXES.append(self)

    def add(self, rows: list[dict]) -> int:
        """Insert the rows in one statement (keys already queued are ignored); returns how many
        were new. Delivery starts once the caller's transaction commits."""
        if not rows:
            return 0
        dialect = db.session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        now = utcnow()
        values = [
            {
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "last_error": "",
                "created_at": now,
                **row,
                "key": row["key"][:200],
            }
            for row in rows
        ]
        # One statement executed with many rows: SQLAlchemy batches it ("insertmanyvalues").
        table = self.model.__table__
        stmt = insert(table).on_conflict_do_nothing(index_elements=["key"]).returning(table.c.id)
        new_ids = list(db.session.execute(stmt, values).scalars())
        db.session.info.setdefault(self.pending_key, []).extend(new_ids)
        return len(new_ids)

    def dispatch(self, ids: list[int]) -> None:
        """Hand committed messages to the worker (1,000 a job), or deliver them after the
        current response. Elsewhere (CLI, jobs without Redis) the caller runs deliver_due()."""
        if connection() is not None:
            for start in range(0, len(ids), 1000):
                enqueue(self.job, ids[start : start + 1000])
            return
        if has_request_context():
            app = current_app._get_current_object()

            @after_this_request
            def deliver_after_response(response):
                def run():
                    with app.app_context():
                        self.deliver(ids)

                response.call_on_close(run)
                return response

    def deliver(self, ids: list[int]) -> int:
        """Send these messages if still due; returns how many were sent."""
        model, sent = self.model, 0
        for message_id in ids:
            now = utcnow()
            claimed = db.session.execute(
                update(model)
                .where(
                    model.id == message_id,
                    model.next_attempt_at <= now,
                    or_(
                        model.status == "pending",
                        (model.status == "sending")
                        & (model.next_attempt_at <= now - SENDING_TIMEOUT),
                    ),
                )
                .values(status="sending", attempts=model.attempts + 1, next_attempt_at=now)
                .execution_options(synchronize_session=False)
            )
            db.session.commit()
            if claimed.rowcount != 1:
                continue
            message = db.session.get(model, message_id)
            try:
                self.send(message)
            except self.errors as e:
                log.warning(
                    "%s %s not sent (attempt %s): %s", self.label, message_id, message.attempts, e
                )
                failed = message.attempts >= MAX_ATTEMPTS
                message.status = "failed" if failed else "pending"
                message.next_attempt_at = utcnow() + _backoff(message.attempts)
                message.last_error = str(e)[:1000]
            else:
                message.status, message.sent_at = "sent", utcnow()
                sent += 1
            db.session.commit()
        return sent

    def deliver_due(self, limit: int = 1000) -> int:
        """Send every message that is due (new, or waiting for its retry)."""
        model = self.model
        ids = list(
            db.session.scalars(
                select(model.id)
                .where(model.next_attempt_at <= utcnow(), model.status.in_(("pending", "sending")))
                .order_by(model.next_attempt_at, model.id)
                .limit(limit)
            )
        )
        return self.deliver(ids)


OUTBOXES: list[Outbox] = []


@event.listens_for(Session, "after_commit")
def _dispatch_after_commit(session) -> None:
    for box in OUTBOXES:
        ids = session.info.pop(box.pending_key, None)
        if ids:
            box.dispatch(ids)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session) -> None:
    for box in OUTBOXES:
        session.info.pop(box.pending_key, None)


def _backoff(attempts: int) -> timedelta:
    return timedelta(minutes=BACKOFF_MINUTES[min(attempts, len(BACKOFF_MINUTES)) - 1])


def _message_id(key: str) -> str:
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@akademi-kim>"


def _send_email(message: OutboxEmail) -> None:
    transport.send(message.to_address, message.subject, message.body, _message_id(message.key))


EMAILS = Outbox(
    OutboxEmail, "lms.mail.outbox.deliver", _send_email, (OSError, smtplib.SMTPException), "email"
)


def _email(m: dict) -> dict:
    return {
        "key": m["key"],
        "kind": m["kind"],
        "user_id": m.get("user_id"),
        "to_address": m["to"],
        "subject": m["subject"][:200],
        "body": m["body"],
    }


def queue(*, key: str, kind: str, to: str, subject: str, body: str, user_id=None) -> None:
    """Add one email to the outbox in the caller's transaction (the caller commits); the same
    key queued again is ignored. Delivery starts once the transaction commits."""
    if transport.configured():
        EMAILS.add(
            [_email(dict(key=key, kind=kind, to=to, subject=subject, body=body, user_id=user_id))]
        )


def queue_many(messages: list[dict]) -> int:
    """Add many emails (dicts of key, kind, to, subject, body, user_id) in one statement in the
    caller's transaction; keys already queued are ignored. Returns how many were new."""
    if not messages or not transport.configured():
        return 0
    return EMAILS.add([_email(m) for m in messages])


def deliver(ids: list[int]) -> int:
    """The worker's job: send these emails if still due; returns how many were sent."""
    return EMAILS.deliver(ids)


def deliver_due(limit: int = 1000) -> int:
    """Send every email that is due (new, or waiting for its retry)."""
    return EMAILS.deliver_due(limit)


@account_erasing.connect
def erase_emails(user, **_) -> None:
    """Emails not yet sent to a deleted person are dropped with the account."""
    db.session.execute(delete(OutboxEmail).where(OutboxEmail.user_id == user.id))
