"""Periksa berkas PDF on /v: is an uploaded file a certificate issued here, unchanged and validly
signed? Nothing is stored."""

import io

import pytest
from sqlalchemy import func, select

from lms.certificates.models import Certificate
from lms.extensions import db
from lms.storage import StoredFile

from .conftest import PASSWORD
from .signing_helpers import make_pkcs12
from .test_signing import unit_id, upload


def check(client, data: bytes, name="sertifikat.pdf"):
    return client.post(
        "/v/periksa-berkas",
        data={"berkas": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


@pytest.fixture
def signed_pdf(app, client, graduate, make_user):
    make_user(role="admin", login="admin@contoh.id")
    admin = app.test_client()
    admin.post("/masuk", data={"login": "admin@contoh.id", "password": PASSWORD})
    data, _ = make_pkcs12()
    assert upload(admin, unit_id(app), data).status_code == 302
    client.post("/kursus/kursus-contoh/sertifikat", data={"full_name": "Siti Aminah"})
    with app.app_context():
        cert = db.session.scalar(select(Certificate))
        cert_id, number = cert.id, cert.number
    return client.get(f"/sertifikat/{cert_id}/unduh").data, number


def stored_files(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(StoredFile))


def test_the_verify_page_offers_the_check(client):
    page = client.get("/v").get_data(as_text=True)
    assert "Periksa berkas PDF" in page and 'enctype="multipart/form-data"' in page


def test_an_issued_signed_file_is_recognised_unchanged_and_valid(app, signed_pdf):
    pdf, number = signed_pdf
    before = stored_files(app)
    anonymous = app.test_client()
    response = check(anonymous, pdf)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"sertifikat {number} yang diterbitkan di sini, tidak berubah" in page
    assert "Tanda tangan elektroniknya sah dan mencakup seluruh berkas" in page
    assert stored_files(app) == before  # nothing kept
    assert response.headers["Cache-Control"] == "no-store"


def test_a_changed_file_is_not_recognised_and_its_signature_fails(app, signed_pdf):
    pdf, _ = signed_pdf
    at = len(pdf) // 3
    tampered = pdf[:at] + bytes([pdf[at] ^ 0x01]) + pdf[at + 1 :]
    page = check(app.test_client(), tampered).get_data(as_text=True)
    assert "Tidak ada sertifikat yang diterbitkan di sini yang sama persis" in page
    assert "yang diterbitkan di sini, tidak berubah" not in page


def test_an_unsigned_foreign_pdf_and_junk(app, client, issuer):
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    canvas.drawString(100, 100, "Sertifikat palsu")
    canvas.showPage()
    canvas.save()
    page = check(client, buffer.getvalue()).get_data(as_text=True)
    assert "Tidak ada sertifikat yang diterbitkan di sini" in page
    assert "tidak memiliki tanda tangan elektronik" in page
    for junk in (b"%PDF-1.7\n" + b"\x00" * 1000, b"MZ\x90\x00", "ππ".encode() * 50):
        response = check(client, junk)
        assert response.status_code == 200
        assert "Ini bukan berkas PDF yang dapat dibaca" in response.get_data(as_text=True)


def test_too_many_pages_and_too_large(app, client, issuer):
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    for _ in range(30):
        canvas.drawString(100, 100, "halaman")
        canvas.showPage()
    canvas.save()
    page = check(client, buffer.getvalue()).get_data(as_text=True)
    assert "terlalu banyak halaman" in page
    big = b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024)
    response = check(client, big)
    assert response.status_code in (400, 413)
    assert check(client, b"").status_code == 400
