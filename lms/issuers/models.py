from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import utcnow

# The number pattern of a new unit: 0042/DISKOMINFO-BIR/XI/2026.
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
    # {class} in number patterns: the unit's archive classification code (e.g. Kemenag PP.00).
    classification: Mapped[str] = mapped_column(String(30), default="", server_default="")
    logo_id: Mapped[int | None] = mapped_column(ForeignKey("stored_images.id"))
    signatory_name: Mapped[str] = mapped_column(String(120))
    signatory_title: Mapped[str] = mapped_column(String(200))
    signatory_nip: Mapped[str] = mapped_column(String(30), default="")
    signatory_rank: Mapped[str] = mapped_column(String(120), default="", server_default="")
    # "a.n." (atas nama): the line naming whom the signatory signs on behalf of.
    signatory_on_behalf: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # An optional second signatory (e.g. the head of the Dinas beside the training's head).
    signatory2_name: Mapped[str] = mapped_column(String(120), default="", server_default="")
    signatory2_title: Mapped[str] = mapped_column(String(200), default="", server_default="")
    signatory2_nip: Mapped[str] = mapped_column(String(30), default="", server_default="")
    signatory2_rank: Mapped[str] = mapped_column(String(120), default="", server_default="")
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


class UnitAuthor(db.Model):
    """A course author (penulis kursus) of an issuing unit: writes the unit's courses in the
    browser. Granted by an admin to a trainer or an admin."""

    __tablename__ = "unit_authors"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id", ondelete="CASCADE"), index=True)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
