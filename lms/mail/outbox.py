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
PENDING_KEY = "outbox_pending"


def queue(*, key: str, kind: str, to: str, subject: str, body: str, user_id=None) -> None:
    """Add one email to the outbox in the caller's transaction (the caller commits); the same
    key queued again is ignored. Delivery starts once the transaction commits."""
    if not transport.configured():
        return
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = (
        insert(OutboxEmail.__table__)
        .values(
            key=key[:200],
            kind=kind,
            user_id=user_id,
            to_address=to,
            subject=subject[:200],
            body=body,
            status="pending",
            attempts=0,
            next_attempt_at=utcnow(),
            last_error="",
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(OutboxEmail.__table__.c.id)
    )
    new_id = db.session.execute(stmt).scalar()
    if new_id is not None:
        db.session.info.setdefault(PENDING_KEY, []).append(new_id)


def queue_many(messages: list[dict]) -> int:
    """Add many emails (dicts of key, kind, to, subject, body, user_id) in one statement in the
    caller's transaction; keys already queued are ignored. Returns how many were new."""
    if not messages or not transport.configured():
        return 0
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    now = utcnow()
    rows = [
        {
            "key": m["key"][:200],
            "kind": m["kind"],
            "user_id": m.get("user_id"),
            "to_address": m["to"],
            "subject": m["subject"][:200],
            "body": m["body"],
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "last_error": "",
            "created_at": now,
        }
        for m in messages
    ]
    # One statement executed with many rows: SQLAlchemy batches it ("insertmanyvalues").
    stmt = (
        insert(OutboxEmail.__table__)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(OutboxEmail.__table__.c.id)
    )
    new_ids = list(db.session.execute(stmt, rows).scalars())
    db.session.info.setdefault(PENDING_KEY, []).extend(new_ids)
    return len(new_ids)


@event.listens_for(Session, "after_commit")
def _dispatch_after_commit(session) -> None:
    ids = session.info.pop(PENDING_KEY, None)
    if ids:
        dispatch(ids)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session) -> None:
    session.info.pop(PENDING_KEY, None)


def dispatch(ids: list[int]) -> None:
    """Hand committed messages to the worker (1,000 a job), or deliver them after the current
    response."""
    if connection() is not None:
        for start in range(0, len(ids), 1000):
            enqueue("lms.mail.outbox.deliver", ids[start : start + 1000])
        return
    if has_request_context():
        app = current_app._get_current_object()

        @after_this_request
        def deliver_after_response(response):
            def run():
                with app.app_context():
                    deliver(ids)

            response.call_on_close(run)
            return response
    # Elsewhere (CLI, jobs without Redis) the caller runs deliver_due().


def _backoff(attempts: int) -> timedelta:
    return timedelta(minutes=BACKOFF_MINUTES[min(attempts, len(BACKOFF_MINUTES)) - 1])


def _message_id(key: str) -> str:
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@akademi-kim>"


def deliver(ids: list[int]) -> int:
    """Send these messages if still due; returns how many were sent. Each message is claimed
    first, so two deliverers never send the same one."""
    sent = 0
    for outbox_id in ids:
        now = utcnow()
        claimed = db.session.execute(
            update(OutboxEmail)
            .where(
                OutboxEmail.id == outbox_id,
                OutboxEmail.next_attempt_at <= now,
                or_(
                    OutboxEmail.status == "pending",
                    (OutboxEmail.status == "sending")
                    & (OutboxEmail.next_attempt_at <= now - SENDING_TIMEOUT),
                ),
            )
            .values(status="sending", attempts=OutboxEmail.attempts + 1, next_attempt_at=now)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        if claimed.rowcount != 1:
            continue
        message = db.session.get(OutboxEmail, outbox_id)
        try:
            transport.send(
                message.to_address, message.subject, message.body, _message_id(message.key)
            )
        except (OSError, smtplib.SMTPException) as e:
            log.warning("email %s not sent (attempt %s): %s", outbox_id, message.attempts, e)
            failed = message.attempts >= MAX_ATTEMPTS
            message.status = "failed" if failed else "pending"
            message.next_attempt_at = utcnow() + _backoff(message.attempts)
            message.last_error = str(e)[:1000]
        else:
            message.status, message.sent_at = "sent", utcnow()
            sent += 1
        db.session.commit()
    return sent


def deliver_due(limit: int = 1000) -> int:
    """Send every message that is due (new, or waiting for its retry)."""
    now = utcnow()
    ids = list(
        db.session.scalars(
            select(OutboxEmail.id)
            .where(
                OutboxEmail.next_attempt_at <= now,
                OutboxEmail.status.in_(("pending", "sending")),
            )
            .order_by(OutboxEmail.next_attempt_at, OutboxEmail.id)
            .limit(limit)
        )
    )
    return deliver(ids)


@account_erasing.connect
def erase_emails(user, **_) -> None:
    """Emails not yet sent to a deleted person are dropped with the account."""
    db.session.execute(delete(OutboxEmail).where(OutboxEmail.user_id == user.id))
