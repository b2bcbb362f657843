from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import utcnow

ROLES = ("trainee", "trainer", "admin")
# Accounts a trainer created have no password until their owner sets one through a link;
# check_password_hash never accepts this value.
NO_PASSWORD = "!"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(16), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(10), default="trainee", index=True)
    province_code: Mapped[str] = mapped_column(String(2))
    regency_code: Mapped[str] = mapped_column(String(5), index=True)
    timezone: Mapped[str] = mapped_column(String(4), default="WIB")
    locale: Mapped[str] = mapped_column(String(2), default="id")
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None]
    # Set while the person has withdrawn consent (the history is in consent_events).
    consent_withdrawn_at: Mapped[datetime | None]

    def get_id(self) -> str:
        # The session version lets a password change sign out every other session.
        return f"{self.id}:{self.session_version}"

    @property
    def login_name(self) -> str:
        return self.email or self.phone or ""

    @property
    def has_password(self) -> bool:
        """False until the person sets a password themselves (an account a trainer imported)."""
        return self.password_hash != NO_PASSWORD


class ConsentEvent(db.Model):
    """Each time a person gives (or withdraws) consent to the privacy notice: version and time."""

    __tablename__ = "consent_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    document: Mapped[str] = mapped_column(String(20), default="privacy")
    action: Mapped[str] = mapped_column(String(10), default="given", server_default="given")
    version: Mapped[str] = mapped_column(String(20))
    accepted_at: Mapped[datetime] = mapped_column(default=utcnow)


class PasswordToken(db.Model):
    """A one-time link to set a password (accounts a trainer created); only its hash is stored."""

    __tablename__ = "password_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(10), default="setup", server_default="setup")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
