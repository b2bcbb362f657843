from datetime import datetime

from sqlalchemy import JSON, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import utcnow


class IssuerKey(db.Model):
    """An issuing unit's P-256 key for its Open Badges credentials (VC-JWT, ES256). The private key
    is sealed like the signing keys; the public JWK is published in the unit's JWK set."""

    __tablename__ = "issuer_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer_id: Mapped[int] = mapped_column(
        ForeignKey("issuers.id", ondelete="CASCADE"), unique=True
    )
    kid: Mapped[str] = mapped_column(String(64))
    sealed_private: Mapped[bytes] = mapped_column(LargeBinary)
    public_jwk: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
