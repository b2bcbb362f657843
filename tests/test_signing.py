import hashlib
import io

import pytest
from sqlalchemy import select

from lms.certificates.models import Certificate
from lms.extensions import db
from lms.issuers.models import Issuer
from lms.signing.models import SigningIdentity

from .conftest import PASSWORD, complete_course
from .signing_helpers import P12_PASSWORD, make_pkcs12, needs_pdfsig, pdfsig


@pytest.fixture
def admin_client(app, make_user):
    make_user(role="admin", login="admin@contoh.id")
    client = app.test_client()
    client.post("/masuk", data={"login": "admin@contoh.id", "password": PASSWORD})
    return client


def unit_id(app, code="KOMDIGI"):
    with app.app_context():
        return db.session.scalar(select(Issuer.id).where(Issuer.code == code))


def upload(client, issuer_id, data, password=P12_PASSWORD, label="BSrE uji"):
    return client.post(
        f"/admin/penerbit/{issuer_id}/tanda-tangan",
        data={
            "p12-pkcs12": (io.BytesIO(data), "unit.p12"),
            "p12-password": password,
            "p12-label": label,
        },
        content_type="multipart/form-data",
    )


def the_certificate(app) -> Certificate:
    with app.app_context():
        found = db.session.scalars(select(Certificate).order_by(Certificate.id.desc())).first()
        db.session.expunge(found)
        return found


def test_an_admin_uploads_a_pkcs12_whose_key_is_kept_sealed(app, admin_client, issuer):
    data, key = make_pkcs12()
    issuer_id = unit_id(app)
    page = admin_client.get(f"/admin/penerbit/{issuer_id}/tanda-tangan").get_data(as_text=True)
    assert "tidak ditandatangani" in page
    response = upload(admin_client, issuer_id, data)
    assert response.status_code == 302
    page = admin_client.get(f"/admin/penerbit/{issuer_id}/tanda-tangan").get_data(as_text=True)
    assert "Kepala Dinas Kominfo Bireuen" in page and "BSrE uji" in page
    from cryptography.hazmat.primitives import serialization

    raw_key = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with app.app_context():
        identity = db.session.scalar(select(SigningIdentity))
        sealed = identity.sealed_pkcs12
        # Neither the key nor the password is in the database in clear.
        assert raw_key[-32:] not in sealed and P12_PASSWORD.encode() not in sealed
        assert identity.kind == "pkcs12" and identity.fingerprint


@pytest.mark.parametrize(
    ("kwargs", "password", "message"),
    [
        ({}, "salah", "Kata sandi salah"),
        ({"days_from": -400, "days_to": -1}, P12_PASSWORD, "sudah kedaluwarsa"),
        ({"days_from": 5, "days_to": 365}, P12_PASSWORD, "belum berlaku"),
    ],
)
def test_a_bad_pkcs12_is_refused_with_a_clear_message(
    app, admin_client, issuer, kwargs, password, message
):
    data, _ = make_pkcs12(**kwargs)
    response = upload(admin_client, unit_id(app), data, password=password)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(SigningIdentity)) is None


def test_a_key_that_does_not_match_its_certificate_is_refused(
    app, admin_client, issuer, monkeypatch
):
    from cryptography.hazmat.primitives.serialization import pkcs12

    from lms.signing import services

    # cryptography will not even write such a file: read one as if it held a stranger's key.
    data, _ = make_pkcs12()
    _, other_key = make_pkcs12()
    real = pkcs12.load_key_and_certificates

    def mismatched(blob, password):
        key, cert, chain = real(blob, password)
        return other_key, cert, chain

    monkeypatch.setattr(services.pkcs12, "load_key_and_certificates", mismatched)
    response = upload(admin_client, unit_id(app), data)
    assert response.status_code == 400
    assert "tidak cocok" in response.get_data(as_text=True)


def test_junk_instead_of_a_pkcs12_is_a_400(app, admin_client, issuer):
    for junk in (b"", b"\x00\xff" * 500, "Ωμέγα".encode() * 100):
        response = upload(admin_client, unit_id(app), junk)
        assert response.status_code == 400


@needs_pdfsig
@pytest.mark.parametrize("rsa_key", [False, True])
def test_a_claimed_certificate_is_signed_once_and_poppler_validates_it(
    app, admin_client, make_user, issuer, sample_course, rsa_key
):
    data, _ = make_pkcs12(rsa_key=rsa_key)
    assert upload(admin_client, unit_id(app), data).status_code == 302
    user_id = make_user(login="lulusan@contoh.id", full_name="Siti Aminah")
    complete_course(app, user_id)
    client = app.test_client()
    client.post("/masuk", data={"login": "lulusan@contoh.id", "password": PASSWORD})
    client.post("/kursus/kursus-contoh/sertifikat", data={"full_name": "Siti Aminah"})
    cert = the_certificate(app)
    assert cert.signature_level == "pades-b-b"
    pdf = client.get(f"/sertifikat/{cert.id}/unduh").data
    # The same bytes every time (stored, not signed again), and their hash is shown on /v.
    assert pdf == client.get(f"/sertifikat/{cert.id}/unduh").data
    assert hashlib.sha256(pdf).hexdigest() == cert.pdf_sha256
    assert cert.pdf_sha256 in client.get(f"/v/{cert.code}").get_data(as_text=True)
    verdict = pdfsig(pdf)
    assert "Signature is Valid" in verdict, verdict
    assert "Total document signed" in verdict
    assert "ETSI.CAdES.detached" in verdict  # PAdES
    # One changed byte inside the signed range breaks it.
    at = pdf.index(b"Siti Aminah") if b"Siti Aminah" in pdf else len(pdf) // 4
    tampered = pdf[:at] + bytes([pdf[at] ^ 0x01]) + pdf[at + 1 :]
    assert "Signature is Valid" not in pdfsig(tampered)
    page = client.get(f"/v/{cert.code}").get_data(as_text=True)
    assert "ditandatangani secara elektronik" in page
    # Revocation leaves the kept file as it was; the reissued certificate is signed anew.
    response = admin_client.post(
        f"/admin/sertifikat/{cert.id}/terbitkan-ulang", data={"reissue-reason": "Nama salah"}
    )
    assert response.status_code == 302
    with app.app_context():
        old = db.session.get(Certificate, cert.id)
        assert old.revoked_at is not None and old.pdf_sha256 == cert.pdf_sha256
        from lms import storage

        assert hashlib.sha256(storage.load(storage.get(old.pdf_key))).hexdigest() == (
            cert.pdf_sha256
        )
    new = the_certificate(app)
    assert new.id != cert.id and new.signature_level == "pades-b-b"
    with app.app_context():
        from lms import storage

        reissued = storage.load(storage.get(new.pdf_key))
    assert "Signature is Valid" in pdfsig(reissued)


def test_without_an_identity_certificates_are_unsigned_and_the_page_says_so(app, client, graduate):
    client.post("/kursus/kursus-contoh/sertifikat", data={"full_name": "Siti Aminah"})
    cert = the_certificate(app)
    assert cert.signature_level == ""
    pdf = client.get(f"/sertifikat/{cert.id}/unduh").data
    assert b"/ByteRange" not in pdf
    page = client.get(f"/v/{cert.code}").get_data(as_text=True)
    assert "tidak ditandatangani secara elektronik" in page


def test_an_expired_identity_stops_issue_instead_of_issuing_unsigned(
    app, admin_client, make_user, issuer, sample_course
):
    import datetime as dt

    data, _ = make_pkcs12(days_to=30)
    assert upload(admin_client, unit_id(app), data).status_code == 302
    with app.app_context():  # the certificate's end has come since the upload
        db.session.scalar(select(SigningIdentity)).not_after = dt.datetime(2026, 1, 1)
        db.session.commit()
    user_id = make_user(login="lulusan@contoh.id", full_name="Siti Aminah")
    complete_course(app, user_id)
    client = app.test_client()
    client.post("/masuk", data={"login": "lulusan@contoh.id", "password": PASSWORD})
    response = client.post("/kursus/kursus-contoh/sertifikat", data={"full_name": "Siti Aminah"})
    assert response.status_code == 503
    assert "Sertifikat tanda tangan unit sudah kedaluwarsa" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Certificate)) is None


def test_removing_the_identity_goes_back_to_unsigned(app, admin_client, issuer):
    data, _ = make_pkcs12()
    issuer_id = unit_id(app)
    upload(admin_client, issuer_id, data)
    response = admin_client.post(f"/admin/penerbit/{issuer_id}/tanda-tangan/hapus")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(SigningIdentity)) is None


@needs_pdfsig
def test_demo_mode_gives_the_default_unit_a_demo_identity(
    app, runner, monkeypatch, make_user, issuer, sample_course
):
    monkeypatch.setitem(app.config, "DEMO_MODE", True)
    first = runner.invoke(args=["demo-accounts"])
    assert "DEMO — tidak sah" in first.output
    runner.invoke(args=["demo-accounts"])
    with app.app_context():
        [identity] = db.session.scalars(select(SigningIdentity)).all()
        assert identity.demo and identity.label == "DEMO — tidak sah"
    user_id = make_user(login="lulusan@contoh.id", full_name="Siti Aminah")
    complete_course(app, user_id)
    client = app.test_client()
    client.post("/masuk", data={"login": "lulusan@contoh.id", "password": PASSWORD})
    client.post("/kursus/kursus-contoh/sertifikat", data={"full_name": "Siti Aminah"})
    cert = the_certificate(app)
    assert cert.signed_by == "DEMO — tidak sah"
    pdf = client.get(f"/sertifikat/{cert.id}/unduh").data
    verdict = pdfsig(pdf)
    assert "Signature is Valid" in verdict and "DEMO" in verdict
    from pypdf import PdfReader

    assert "DEMO — tidak sah" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "DEMO — tidak sah" in client.get(f"/v/{cert.code}").get_data(as_text=True)


def test_outside_demo_mode_no_demo_identity_is_made(app, runner, issuer):
    runner.invoke(args=["demo-accounts"])
    with app.app_context():
        assert db.session.scalar(select(SigningIdentity)) is None
