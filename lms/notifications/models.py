"""In-app notifications, per-kind delivery choices, announcements, sent reminders and
WhatsApp sign-in codes."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import utcnow

# Kinds a person receives, each with its own choice of channel.
REPLY, ANNOUNCEMENT, TASK_REVIEWED, CERTIFICATE = "reply", "announcement", "task", "certificate"
# Reminders (`notify run-due`) are sent by email or WhatsApp only; "app" stops them.
REMINDER = "reminder"
KINDS = (REPLY, ANNOUNCEMENT, TASK_REVIEWED, CERTIFICATE, REMINDER)
# Channels: only in the app, also by email (or WhatsApp for phone-only people), a daily digest.
APP, EMAIL, DIGEST = "app", "email", "digest"
CHANNELS = (APP, EMAIL, DIGEST)


class Notification(db.Model):
    """One line of a person's *Pemberitahuan*; its text is made in the reader's language from
    `kind` and `params` when shown."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    path: Mapped[str] = mapped_column(String(300), default="")  # where it leads, in the app
    announcement_id: Mapped[int | None] = mapped_column(
        ForeignKey("announcements.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    # Waiting for the person's daily digest (their choice for this kind is "digest").
    digest_pending: Mapped[bool] = mapped_column(default=False, index=True)


class Preference(db.Model):
    """A person's channel for one kind; without a row the default applies (email)."""

    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(10))


class Announcement(db.Model):
    """A trainer's message to a cohort: shown until read, emailed by the worker in batches."""

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set once every member's message is in the outbox (the fan-out is idempotent anyway).
    sent_at: Mapped[datetime | None]


class SentReminder(db.Model):
    """A reminder that went out; its key (kind, person, period) is unique, so `notify run-due`
    run twice sends nothing twice."""

    __tablename__ = "sent_reminders"
    __table_args__ = (Index("ix_sent_reminders_user_kind", "user_id", "kind", "sent_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


class SignInCode(db.Model):
    """A 6-digit code sent by WhatsApp to set a new password; only its hash is kept."""

    __tablename__ = "sign_in_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    tries: Mapped[int] = mapped_column(default=0)
    used_at: Mapped[datetime | None]


class WhatsAppMessage(db.Model):
    """A WhatsApp template message waiting to be sent or sent, like the email outbox: a unique
    key per message, retried with backoff by `notify run-due`."""

    __tablename__ = "whatsapp_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    to_phone: Mapped[str] = mapped_column(String(16))
    template: Mapped[str] = mapped_column(String(100))
    language: Mapped[str] = mapped_column(String(10))
    params: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
