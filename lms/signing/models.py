from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import utcnow


class SigningIdentity(db.Model):
    """How an issuing unit signs its certificates' PDFs: its own PKCS#12 key (kept encrypted
    with a key derived from LMS_SIGNING_KEY) or a remote signing service (a PSrE's seal API,
    configured by LMS_SIGNING_REMOTE_*). A unit with one never issues unsigned certificates."""

    __tablename__ = "signing_identities"

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer_id: Mapped[int] = mapped_column(
        ForeignKey("issuers.id", ondelete="CASCADE"), unique=True
    )
    kind: Mapped[str] = mapped_column(String(10))  # "pkcs12" | "remote"
    label: Mapped[str] = mapped_column(String(200), default="")
    # The key and its chain as a password-less PKCS#12, encrypted (Fernet); None for remote.
    sealed_pkcs12: Mapped[bytes | None] = mapped_column(LargeBinary)
    certificate_pem: Mapped[str] = mapped_column(Text, default="")
    subject: Mapped[str] = mapped_column(String(300), default="")
    issuer_name: Mapped[str] = mapped_column(String(300), default="")
    fingerprint: Mapped[str] = mapped_column(String(64), default="")
    not_before: Mapped[datetime | None]
    not_after: Mapped[datetime | None]
    demo: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
