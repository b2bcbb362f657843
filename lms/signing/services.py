"""Signing identities of issuing units: PKCS#12 upload (the key sealed with LMS_SIGNING_KEY),
a remote signing service, the demo identity, and checking uploaded PDFs' signatures."""

import datetime as dt
import io
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..errors import FormErrors, ServiceError
from ..extensions import db
from ..issuers.models import Issuer
from ..text import one_line
from ..timeutil import utcnow
from . import crypto
from .models import SigningIdentity
from .signers import LocalSigner, RemoteSigner, Signer, SigningError, timestamper

PKCS12_MAX = 64 * 1024
DEMO_LABEL = "DEMO — tidak sah"
CHECK_MAX_BYTES = 5 * 1024 * 1024
CHECK_MAX_PAGES = 20
CHECK_SECONDS = 10
_checks = ThreadPoolExecutor(max_workers=2, thread_name_prefix="pdf-check")


def identity_of(issuer_id: int) -> SigningIdentity | None:
    return db.session.scalar(select(SigningIdentity).where(SigningIdentity.issuer_id == issuer_id))


def _naive_utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def _name(name: x509.Name) -> str:
    return name.rfc4514_string()[:300]


def _store(issuer: Issuer, actor, label: str, **values) -> SigningIdentity:
    identity = identity_of(issuer.id)
    if identity is None:
        identity = SigningIdentity(issuer_id=issuer.id)
        db.session.add(identity)
    defaults = {
        "sealed_pkcs12": None,
        "certificate_pem": "",
        "subject": "",
        "issuer_name": "",
        "fingerprint": "",
        "not_before": None,
        "not_after": None,
        "demo": False,
    }
    for key, value in {**defaults, **values}.items():
        setattr(identity, key, value)
    identity.label = label
    identity.created_at = utcnow()
    identity.created_by_id = actor.id if actor else None
    return identity


def _seal_key(issuer: Issuer, actor, label, key, cert, chain, demo=False) -> SigningIdentity:
    bundle = pkcs12.serialize_key_and_certificates(
        issuer.code.encode(), key, cert, chain or None, serialization.NoEncryption()
    )
    return _store(
        issuer,
        actor,
        label,
        kind="pkcs12",
        sealed_pkcs12=crypto.seal(bundle),
        certificate_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
        subject=_name(cert.subject),
        issuer_name=_name(cert.issuer),
        fingerprint=cert.fingerprint(hashes.SHA256()).hex(),
        not_before=_naive_utc(cert.not_valid_before_utc),
        not_after=_naive_utc(cert.not_valid_after_utc),
        demo=demo,
    )


def upload_pkcs12(
    actor, issuer: Issuer, data: bytes | None, password: str, label: str, now=None
) -> SigningIdentity:
    """Check a PKCS#12 file (password, key matches certificate, validity now) and keep its key
    sealed; the password is used once and not kept. One transaction."""
    now = now or utcnow()
    label = one_line(label)[:200]
    if not data:
        raise FormErrors({"pkcs12": _l("Choose the PKCS#12 file (.p12 or .pfx).")})
    if len(data) > PKCS12_MAX:
        raise FormErrors({"pkcs12": _l("A PKCS#12 file is at most 64 KB.")})
    try:
        key, cert, chain = pkcs12.load_key_and_certificates(data, (password or "").encode() or None)
    except (ValueError, TypeError):
        raise FormErrors(
            {"password": _l("Wrong password, or the file is not a PKCS#12 file.")}
        ) from None
    if key is None or cert is None:
        raise FormErrors({"pkcs12": _l("The file must hold a private key and its certificate.")})
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise FormErrors({"pkcs12": _l("Only RSA and ECDSA keys are supported.")})
    raw = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    if key.public_key().public_bytes(*raw) != cert.public_key().public_bytes(*raw):
        raise FormErrors({"pkcs12": _l("The private key does not match the certificate.")})
    if _naive_utc(cert.not_valid_before_utc) > now:
        raise FormErrors({"pkcs12": _l("The signing certificate is not valid yet.")})
    if _naive_utc(cert.not_valid_after_utc) < now:
        raise FormErrors({"pkcs12": _l("The signing certificate has expired.")})
    identity = _seal_key(issuer, actor, label or _name(cert.subject)[:200], key, cert, chain)
    db.session.commit()
    return identity


def use_remote(actor, issuer: Issuer, label: str) -> SigningIdentity:
    """The unit signs through the configured remote signing service."""
    if not current_app.config.get("SIGNING_REMOTE_URL"):
        raise ServiceError(
            _l("No remote signing service is configured (LMS_SIGNING_REMOTE_URL)."), 400
        )
    identity = _store(issuer, actor, one_line(label)[:200] or "PSrE", kind="remote")
    db.session.commit()
    return identity


def remove_identity(issuer: Issuer) -> None:
    identity = identity_of(issuer.id)
    if identity is not None:
        db.session.delete(identity)
        db.session.commit()


def self_signed(common_name: str, organisation: str, years: int = 5, now=None):
    """A self-signed ECDSA P-256 key and certificate (the demo identity; tests)."""
    now = (now or utcnow()).replace(tzinfo=dt.UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64]),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365 * years))
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return key, cert


def ensure_demo_identity(issuer: Issuer) -> SigningIdentity:
    """The demo unit signs with a self-signed key clearly labelled as not legally valid."""
    identity = identity_of(issuer.id)
    if identity is not None:
        return identity
    key, cert = self_signed(DEMO_LABEL, f"{issuer.code} (demo Akademi KIM)")
    identity = _seal_key(issuer, None, DEMO_LABEL, key, cert, [], demo=True)
    db.session.commit()
    return identity


def signer_for(issuer_id: int, now=None) -> Signer | None:
    """How the unit signs now; None: it has no signing identity (certificates go unsigned).
    Raises SigningError when it has one that cannot sign (never falls back to unsigned)."""
    identity = identity_of(issuer_id)
    if identity is None:
        return None
    config = current_app.config
    if identity.kind == "remote":
        signer = RemoteSigner(
            config.get("SIGNING_REMOTE_URL", ""),
            config.get("SIGNING_REMOTE_USER", ""),
            config.get("SIGNING_REMOTE_PASSWORD", ""),
            config.get("SIGNING_TIMEOUT", 30),
        )
        signer.signed_by = signed_by(identity)
        return signer
    now = now or utcnow()
    if identity.not_after is not None and identity.not_after < now:
        raise SigningError(
            _l("The unit's signing certificate expired: an administrator must upload a new one.")
        )
    if identity.not_before is not None and identity.not_before > now:
        raise SigningError(_l("The unit's signing certificate is not valid yet."))
    try:
        bundle = crypto.unseal(identity.sealed_pkcs12 or b"")
    except crypto.InvalidToken as e:
        raise SigningError(
            _l("The unit's signing key cannot be unlocked: LMS_SIGNING_KEY has changed.")
        ) from e
    issuer = db.session.get(Issuer, issuer_id)
    signer = LocalSigner(
        bundle,
        reason=f"Sertifikat pelatihan {issuer.name}"[:200],
        location=issuer.city,
        tsa=timestamper(config.get("TSA_URL", ""), config.get("SIGNING_TIMEOUT", 30)),
        demo=identity.demo,
    )
    signer.signed_by = signed_by(identity)
    return signer


# ---------------------------------------------------------------- checking an uploaded PDF


def _inspect(data: bytes) -> dict:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    # Whether each signature is intact and cryptographically valid for these bytes; trust in
    # the signer (a PSrE chain) is not judged here and nothing is fetched.
    context = ValidationContext(trust_roots=[], allow_fetching=False)

    reader = PdfFileReader(io.BytesIO(data), strict=False)
    pages = int(reader.root["/Pages"]["/Count"])
    if pages > CHECK_MAX_PAGES:
        return {"readable": True, "pages": pages, "too_many_pages": True, "signatures": []}
    found = []
    for signature in reader.embedded_signatures[:5]:
        status = validate_pdf_signature(signature, signer_validation_context=context)
        found.append(
            {
                "signer": status.signing_cert.subject.native.get("common_name")
                or status.signing_cert.subject.human_friendly,
                "intact": bool(status.intact),
                "valid": bool(status.intact and status.valid),
                "whole_file": status.coverage.name == "ENTIRE_FILE",
            }
        )
    return {"readable": True, "pages": pages, "too_many_pages": False, "signatures": found}


def inspect_pdf(data: bytes) -> dict:
    """What an uploaded PDF's signatures say, within size, page and time limits; nothing is
    kept. {"readable": False} for anything that is not a readable PDF."""
    if not data.startswith(b"%PDF-") or len(data) > CHECK_MAX_BYTES:
        return {"readable": False}
    future = _checks.submit(_inspect, data)
    try:
        return future.result(timeout=CHECK_SECONDS)
    except FutureTimeout:
        future.cancel()
        return {"readable": False, "timed_out": True}
    except Exception:  # noqa: BLE001 - a malformed PDF in any of pyHanko's ways
        return {"readable": False}


__all__ = ["SigningError", "inspect_pdf", "signer_for"]


def signed_by(identity: SigningIdentity) -> str:
    """Who certificates signed with this identity are signed by, as recorded with them."""
    if identity.demo:
        return DEMO_LABEL
    return (identity.subject or identity.label)[:300]
