from datetime import date, datetime

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
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

from .. import codes
from ..extensions import db
from ..timeutil import utcnow

# Verification codes: no 0/O or 1/I, so a code read off paper cannot be mistyped between them.
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 16  # 16 symbols of 5 bits: 80 bits


def new_code() -> str:
    return codes.random_code(CODE_ALPHABET, CODE_LENGTH)


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
    pdf_sha256: Mapped[str] = mapped_column(String(64), default="", index=True)
    # The PDF made at issue, kept in storage: served as is ever after. Certificates issued
    # before files were kept have none and are rendered again (to the same bytes).
    pdf_key: Mapped[str | None] = mapped_column(String(40))
    # How the kept PDF is signed: "" (unsigned), "pades-b-b", "pades-b-t" or "remote"; and who
    # signed it (the signing certificate's subject, "DEMO — tidak sah" for the demo identity).
    signature_level: Mapped[str] = mapped_column(String(20), default="", server_default="")
    signed_by: Mapped[str] = mapped_column(String(300), default="", server_default="")
    # The end of its validity when the course sets certificate.valid_years; None: no end.
    valid_until: Mapped[date | None]
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
