from datetime import date, datetime

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    and_,
    false,
    or_,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow

DEFAULT_PATTERN = "{seq:04d}/{code}/{month_roman}/{year}"


class StoredImage(db.Model):
    """An uploaded image, checked and re-encoded, stored under a server-made key."""

    __tablename__ = "stored_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    content_type: Mapped[str] = mapped_column(String(20))
    width: Mapped[int]
    height: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Issuer(db.Model):
    """An issuing unit (unit penerbit) and its signatory."""

    __tablename__ = "issuers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(String(30), unique=True)
    number_pattern: Mapped[str] = mapped_column(String(100), default=DEFAULT_PATTERN)
    logo_id: Mapped[int | None] = mapped_column(ForeignKey("stored_images.id"))
    signatory_name: Mapped[str] = mapped_column(String(120))
    signatory_title: Mapped[str] = mapped_column(String(200))
    signatory_nip: Mapped[str] = mapped_column(String(30), default="")
    signature_id: Mapped[int | None] = mapped_column(ForeignKey("stored_images.id"))
    city: Mapped[str] = mapped_column(String(80), default="")
    is_default: Mapped[bool] = mapped_column(default=False)
    # The seeded national unit ships with a stand-in signatory: nothing is issued in its name
    # (outside demo mode) until an admin saves the unit's real details.
    placeholder_signatory: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IssuerSequence(db.Model):
    """The last certificate number used by an issuer in a year."""

    __tablename__ = "issuer_sequences"
    __table_args__ = (UniqueConstraint("issuer_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id", ondelete="CASCADE"))
    year: Mapped[int]
    last: Mapped[int] = mapped_column(default=0)


class Certificate(db.Model):
    __tablename__ = "certificates"
    __table_args__ = (
        UniqueConstraint("issuer_id", "number"),
        # One active (not revoked) certificate per person and course.
        Index(
            "uq_certificates_active",
            "user_id",
            "course_id",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    number: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id"))
    # What the paper says, fixed at issue so the PDF always renders to the same bytes.
    full_name: Mapped[str] = mapped_column(String(120))
    course_title: Mapped[str] = mapped_column(String(200))
    certificate_title: Mapped[str] = mapped_column(String(200))
    hours: Mapped[int]
    completed_on: Mapped[date]
    score: Mapped[float | None]
    issuer_snapshot: Mapped[dict] = mapped_column(JSON)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    pdf_sha256: Mapped[str] = mapped_column(String(64), default="")
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str] = mapped_column(Text, default="")
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
    # A revoked certificate blocks a new claim of the same course until an admin reissues it or
    # allows a new claim.
    claim_again: Mapped[bool] = mapped_column(default=False, server_default=false())

    @hybrid_property
    def valid(self) -> bool:
        """Not revoked: the one active certificate of a person and course."""
        return self.revoked_at is None

    @valid.inplace.expression
    @classmethod
    def _valid_expression(cls):
        return cls.revoked_at.is_(None)

    @hybrid_property
    def blocks_claim(self) -> bool:
        """Whether this record stops its holder from getting a new certificate of the course:
        it is active, or it was revoked and neither replaced nor released by an admin."""
        return self.revoked_at is None or (self.replaced_by_id is None and not self.claim_again)

    @blocks_claim.inplace.expression
    @classmethod
    def _blocks_claim_expression(cls):
        return or_(
            cls.revoked_at.is_(None),
            and_(cls.replaced_by_id.is_(None), cls.claim_again.is_(False)),
        )


class AuditEvent(db.Model):
    """Who issued, revoked or reissued which certificate, and when."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(30))
    certificate_id: Mapped[int | None] = mapped_column(
        ForeignKey("certificates.id", ondelete="CASCADE"), index=True
    )
    detail: Mapped[dict] = mapped_column(JSON, default=dict)

    certificate: Mapped[Certificate | None] = relationship()
