"""Open Badges 3.0: every certificate is also an OpenBadgeCredential (W3C VC data model 2.0),
secured as a VC-JWT (ES256) with the issuing unit's key, with a Bitstring Status List entry
for revocation. The credential is made from the certificate's fixed record, so it says what
the paper says; the status list is made from the revocations when asked for."""

import base64
import gzip
import hashlib
from datetime import UTC, datetime
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.jwk import ECKey
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..catalog.models import Course
from ..certificates.models import Certificate
from ..extensions import db
from ..issuers.models import Issuer
from ..links import external_url
from ..signing import crypto
from ..timeutil import utcnow
from .models import IssuerKey

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
ALGORITHM = "ES256"
# The spec's minimum list length (16 KB uncompressed), for herd privacy; grows in steps of it.
STATUS_LIST_BITS = 131_072
# The completion rules (course.yaml certificate.requires) as the criteria say them.
CRITERIA = {
    "all_lessons": "menyelesaikan semua pelajaran",
    "module_quizzes": "lulus kuis setiap modul",
    "final_exam": "lulus ujian akhir",
    "tasks": "lulus semua tugas praktik",
}
STATUS_LIST = 1  # one list per unit (index = the certificate's id), numbered for the URL


def profile_url(issuer: Issuer) -> str:
    return external_url("badges.profile", code=issuer.code)


def jwks_url(issuer: Issuer) -> str:
    return external_url("badges.jwks", code=issuer.code)


def status_url(issuer: Issuer) -> str:
    return external_url("badges.status_list", code=issuer.code, number=STATUS_LIST)


def key_of(issuer: Issuer) -> tuple[IssuerKey, ECKey]:
    """The unit's credential key, made on first use (a parallel first use keeps one)."""
    record = db.session.scalar(select(IssuerKey).where(IssuerKey.issuer_id == issuer.id))
    if record is None:
        key = ECKey.generate_key("P-256", private=True)
        public = key.as_dict(private=False)
        record = IssuerKey(
            issuer_id=issuer.id,
            kid=key.thumbprint(),
            sealed_private=crypto.seal(key.as_pem(private=True)),
            public_jwk=public,
        )
        db.session.add(record)
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            record = db.session.scalar(select(IssuerKey).where(IssuerKey.issuer_id == issuer.id))
    return record, ECKey.import_key(crypto.unseal(record.sealed_private))


def kid_url(issuer: Issuer, record: IssuerKey) -> str:
    return f"{jwks_url(issuer)}#{record.kid}"


def profile(issuer: Issuer) -> dict:
    """The unit's public issuer profile (OB3 Profile)."""
    document = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": profile_url(issuer),
        "type": ["Profile"],
        "name": issuer.name,
        "url": external_url("catalog.index"),
    }
    if issuer.city:
        document["address"] = {"type": ["Address"], "addressLocality": issuer.city}
    return document


def jwks(issuer: Issuer) -> dict:
    record, _ = key_of(issuer)
    return {"keys": [{**record.public_jwk, "kid": record.kid, "alg": ALGORITHM, "use": "sig"}]}


def _iso(value: datetime) -> str:
    return value.replace(microsecond=0).isoformat() + "Z"


def _timestamp(value: datetime) -> int:
    return int(value.replace(tzinfo=UTC).timestamp())


def credential(certificate: Certificate, issuer: Issuer) -> dict:
    """The certificate as an OpenBadgeCredential (unsecured form)."""
    credential_id = external_url("badges.credential", code=certificate.code)
    course = db.session.get(Course, certificate.course_id)
    requires = course.certificate_requires or ["all_lessons"]
    narrative = ", ".join(CRITERIA.get(name, name) for name in requires)
    achievement = {
        "id": external_url("catalog.course", slug=course.slug),
        "type": ["Achievement"],
        "achievementType": "Certificate",
        "name": certificate.course_title,
        "description": certificate.certificate_title,
        "criteria": {
            "narrative": f"Menyelesaikan kursus {certificate.course_title} "
            f"({certificate.hours} jam pelajaran/JP)" + (f": {narrative}." if narrative else ".")
        },
        "creditsAvailable": certificate.hours,
        "fieldOfStudy": "Literasi digital",
    }
    document = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": certificate.certificate_title,
        "issuer": {
            "id": profile_url(issuer),
            "type": ["Profile"],
            "name": certificate.issuer_snapshot["name"],
        },
        "validFrom": _iso(certificate.issued_at),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            # The name as printed: no email or phone number ever goes into a credential.
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "identityHash": certificate.full_name,
                    "hashed": False,
                }
            ],
            "achievement": achievement,
            "creditsEarned": certificate.hours,
            "activityEndDate": certificate.completed_on.isoformat() + "T00:00:00Z",
        },
        "credentialStatus": {
            "id": f"{status_url(issuer)}#{certificate.id}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(certificate.id),
            "statusListCredential": status_url(issuer),
        },
        "evidence": [
            {
                "id": external_url("certificates.verify", code=certificate.code),
                "type": ["Evidence"],
                "name": f"Sertifikat nomor {certificate.number}",
            }
        ],
    }
    if certificate.valid_until:
        document["validUntil"] = certificate.valid_until.isoformat() + "T23:59:59Z"
    return document


def _sign(issuer: Issuer, document: dict, not_before: datetime, expires=None) -> str:
    record, key = key_of(issuer)
    claims = {
        **document,
        "iss": document["issuer"]["id"]
        if isinstance(document["issuer"], dict)
        else document["issuer"],
        "jti": document["id"],
        "nbf": _timestamp(not_before),
        "iat": _timestamp(not_before),
    }
    if expires is not None:
        claims["exp"] = expires
    header = {"alg": ALGORITHM, "typ": "vc+jwt", "cty": "vc", "kid": kid_url(issuer, record)}
    return jwt.encode(header, claims, key, algorithms=[ALGORITHM])


def credential_jwt(certificate: Certificate) -> str:
    issuer = db.session.get(Issuer, certificate.issuer_id)
    document = credential(certificate, issuer)
    expires = None
    if certificate.valid_until:
        expires = _timestamp(datetime.fromisoformat(document["validUntil"][:-1]))
    return _sign(issuer, document, certificate.issued_at, expires)


def revoked_indexes(issuer: Issuer) -> list[int]:
    return list(
        db.session.scalars(
            select(Certificate.id).where(
                Certificate.issuer_id == issuer.id, Certificate.revoked_at.is_not(None)
            )
        )
    )


def encode_bits(indexes: list[int], length: int) -> str:
    """The Bitstring Status List encoding: bit i is the i-th bit from the left (the most
    significant bit of byte 0 first), GZIP-compressed, multibase base64url ("u", no padding)."""
    bits = bytearray(length // 8)
    for index in indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    raw = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def status_list_jwt(issuer: Issuer) -> tuple[str, str]:
    """The unit's revocation list as a BitstringStatusListCredential VC-JWT, with an ETag."""
    indexes = revoked_indexes(issuer)
    top = db.session.scalar(
        select(db.func.max(Certificate.id)).where(Certificate.issuer_id == issuer.id)
    )
    length = STATUS_LIST_BITS
    while top is not None and top >= length:
        length += STATUS_LIST_BITS
    encoded = encode_bits(indexes, length)
    url = status_url(issuer)
    now = utcnow()
    document = {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": profile_url(issuer),
        "validFrom": _iso(now),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded,
        },
    }
    etag = hashlib.sha256(f"{encoded}{issuer.name}".encode()).hexdigest()[:32]
    return _sign(issuer, document, now), etag


def linkedin_url(certificate: Certificate) -> str:
    """LinkedIn's documented add-to-profile link (a certification, prefilled)."""
    params = {
        "startTask": "CERTIFICATION_NAME",
        "name": certificate.certificate_title,
        "organizationName": certificate.issuer_snapshot["name"],
        "issueYear": certificate.issued_at.year,
        "issueMonth": certificate.issued_at.month,
        "certUrl": external_url("certificates.verify", code=certificate.code),
        "certId": certificate.number,
    }
    if certificate.valid_until:
        params["expirationYear"] = certificate.valid_until.year
        params["expirationMonth"] = certificate.valid_until.month
    return "https://www.linkedin.com/profile/add?" + urlencode(params)
