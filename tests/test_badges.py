"""Open Badges 3.0: verified with PyJWT (the app signs with joserfc) and the standard library
(the Bitstring Status List is decoded here as its spec says, not with the app's code)."""

import base64
import gzip
import json
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from sqlalchemy import select

from lms.certificates.models import Certificate
from lms.extensions import db

from .conftest import PASSWORD

VC2 = "https://www.w3.org/ns/credentials/v2"
OB3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
# Terms the VC 2.0 and OB 3.0 contexts define, per class (from the published contexts).
TERMS = {
    "credential": {
        "@context", "id", "type", "name", "issuer", "validFrom", "validUntil",
        "credentialSubject", "credentialStatus", "evidence", "description",
    },
    "subject": {
        "id", "type", "identifier", "achievement", "creditsEarned", "activityEndDate", "result",
    },
    "achievement": {
        "id", "type", "achievementType", "name", "description", "criteria",
        "creditsAvailable", "fieldOfStudy", "humanCode", "tag",
    },
    "identity": {"type", "identityType", "identityHash", "hashed", "salt"},
    "status": {"id", "type", "statusPurpose", "statusListIndex", "statusListCredential"},
}  # fmt: skip


@pytest.fixture
def claimed(app, client, graduate):
    client.post("/kursus/kursus-contoh/sertifikat", data={"full_name": "Siti Aminah"})
    with app.app_context():
        cert = db.session.scalar(select(Certificate))
        db.session.expunge(cert)
    return cert


def path(url: str) -> str:
    assert url.startswith("http://localhost/"), url  # built from LMS_BASE_URL
    return url[len("http://localhost") :]


def verify_jwt(client, token: str) -> dict:
    """Verify a VC-JWT the way an outside verifier does: the key from the published JWK set
    named by the header's kid."""
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "ES256" and header["typ"] == "vc+jwt"
    jwks_url, kid = header["kid"].split("#")
    response = client.get(path(jwks_url))
    assert "public" in response.headers["Cache-Control"]
    [key] = [k for k in response.get_json()["keys"] if k["kid"] == kid]
    assert "d" not in key  # only the public part is published
    return jwt.decode(
        token, jwt.PyJWK(key).key, algorithms=["ES256"], options={"verify_aud": False}
    )


def status_bit(client, entry: dict) -> int:
    response = client.get(path(entry["statusListCredential"]))
    assert response.content_type.startswith("application/vc+jwt")
    assert "public" in response.headers["Cache-Control"]
    status = verify_jwt(client, response.get_data(as_text=True))
    assert status["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    subject = status["credentialSubject"]
    assert subject["type"] == "BitstringStatusList" and subject["statusPurpose"] == "revocation"
    encoded = subject["encodedList"]
    assert encoded[0] == "u"  # multibase base64url, no padding
    raw = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(raw) * 8 >= 131_072  # the spec's minimum length
    index = int(entry["statusListIndex"])
    return (raw[index // 8] >> (7 - index % 8)) & 1


def test_the_credential_verifies_independently_and_has_the_ob3_shape(app, client, claimed):
    response = client.get(f"/v/{claimed.code}/ob3.jwt?unduh=1")
    assert response.status_code == 200
    assert response.content_type.startswith("application/vc+jwt")
    assert "attachment" in response.headers["Content-Disposition"]
    token = response.get_data(as_text=True)
    vc = verify_jwt(client, token)
    assert vc["@context"] == [VC2, OB3]
    assert vc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert vc["iss"] == vc["issuer"]["id"] and vc["jti"] == vc["id"]
    assert vc["validFrom"].endswith("Z") and "validUntil" not in vc
    for name, node in (
        ("credential", vc),
        ("subject", vc["credentialSubject"]),
        ("achievement", vc["credentialSubject"]["achievement"]),
        ("identity", vc["credentialSubject"]["identifier"][0]),
        ("status", vc["credentialStatus"]),
    ):
        claims = set(node) - {"iss", "jti", "nbf", "iat", "exp"}
        assert claims <= TERMS[name], (name, claims - TERMS[name])
    subject = vc["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["identifier"][0]["identityHash"] == "Siti Aminah"
    achievement = subject["achievement"]
    assert achievement["type"] == ["Achievement"] and achievement["name"] == "Kursus Contoh"
    assert f"{claimed.hours} jam pelajaran/JP" in achievement["criteria"]["narrative"]
    assert "semua pelajaran" in achievement["criteria"]["narrative"]
    # The issuer profile is public, and no email or phone is in the credential.
    profile = client.get(path(vc["issuer"]["id"])).get_json()
    assert profile["type"] == ["Profile"] and profile["id"] == vc["issuer"]["id"]
    text = json.dumps(vc)
    assert "@" not in text.replace("@context", "") and "+62" not in text
    # A changed payload no longer verifies.
    head, body, signature = token.split(".")
    forged = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    forged["credentialSubject"]["identifier"][0]["identityHash"] = "Orang Lain"
    forged_body = base64.urlsafe_b64encode(json.dumps(forged).encode()).decode().rstrip("=")
    with pytest.raises(jwt.InvalidSignatureError):
        verify_jwt(client, f"{head}.{forged_body}.{signature}")


def test_the_status_bit_flips_on_revocation(app, client, claimed, make_user):
    vc = verify_jwt(client, client.get(f"/v/{claimed.code}/ob3.jwt").get_data(as_text=True))
    entry = vc["credentialStatus"]
    assert entry["type"] == "BitstringStatusListEntry" and entry["statusPurpose"] == "revocation"
    assert status_bit(client, entry) == 0
    make_user(role="admin", login="admin@contoh.id")
    admin = app.test_client()
    admin.post("/masuk", data={"login": "admin@contoh.id", "password": PASSWORD})
    response = admin.post(
        f"/admin/sertifikat/{claimed.id}/cabut", data={"revoke-reason": "Data salah"}
    )
    assert response.status_code == 302
    assert status_bit(client, entry) == 1


def test_my_certificates_link_the_credential_and_linkedin(app, client, claimed):
    page = client.get("/sertifikat").get_data(as_text=True)
    assert f"/v/{claimed.code}/ob3.jwt" in page
    [link] = [part.split('"')[0] for part in page.split('href="')[1:] if "linkedin.com" in part]
    url = urlsplit(link.replace("&amp;", "&"))
    assert url.netloc == "www.linkedin.com" and url.path == "/profile/add"
    params = parse_qs(url.query)
    assert params["startTask"] == ["CERTIFICATION_NAME"]
    assert params["certId"] == [claimed.number]
    assert params["certUrl"] == [f"http://localhost/v/{claimed.code}"]
    assert params["organizationName"] == ["Kementerian Komunikasi dan Digital Republik Indonesia"]
    assert params["issueYear"] == [str(claimed.issued_at.year)]
    verify_page = client.get(f"/v/{claimed.code}").get_data(as_text=True)
    assert f"/v/{claimed.code}/ob3.jwt" in verify_page


def test_unknown_codes_and_units_are_404(client, issuer):
    assert client.get("/v/AAAAAAAAAAAAAAAA/ob3.jwt").status_code == 404
    assert client.get("/ob/penerbit/TIDAK-ADA").status_code == 404
    assert client.get("/ob/penerbit/KOMDIGI/status/2").status_code == 404
    assert client.get("/ob/penerbit/KOMDIGI/jwks.json").status_code == 200
