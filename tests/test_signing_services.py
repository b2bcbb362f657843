"""The remote signer and the timestamp server, against local stand-ins of their protocols."""

import base64
import io
import threading

import pytest
from sqlalchemy import select

from lms.certificates.models import Certificate
from lms.extensions import db
from lms.issuers.models import Issuer
from lms.signing import services as signing

from .conftest import PASSWORD, complete_course
from .signing_helpers import StandIn, make_pkcs12, needs_pdfsig, pdfsig, tsa_answer
from .test_signing import upload


@pytest.fixture
def admin_client(app, make_user):
    make_user(role="admin", login="admin@contoh.id")
    client = app.test_client()
    client.post("/masuk", data={"login": "admin@contoh.id", "password": PASSWORD})
    return client


@pytest.fixture
def graduate_client(app, make_user, sample_course, issuer):
    user_id = make_user(login="lulusan@contoh.id", full_name="Siti Aminah")
    complete_course(app, user_id)
    client = app.test_client()
    client.post("/masuk", data={"login": "lulusan@contoh.id", "password": PASSWORD})
    return client


def unit_id(app):
    with app.app_context():
        return db.session.scalar(select(Issuer.id).where(Issuer.code == "KOMDIGI"))


def claim(client):
    return client.post("/kursus/kursus-contoh/sertifikat", data={"full_name": "Siti Aminah"})


def seal_answer(user="segel", password="rahasia"):
    """A BSrE-style seal API: Basic credentials, multipart `file`; answers the signed PDF (here
    signed with a key of the stand-in's own, as the PSrE's would be)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    data, _ = make_pkcs12(password="")
    signer = signers.SimpleSigner.load_pkcs12_data(data, [], None)

    def answer(handler, body):
        expected = base64.b64encode(f"{user}:{password}".encode()).decode()
        if handler.headers.get("Authorization") != f"Basic {expected}":
            return 401, "application/json", b'{"error": "unauthorized"}'
        content_type = handler.headers.get("Content-Type", "")
        if not content_type.startswith("multipart/form-data; boundary="):
            return 400, "application/json", b'{"error": "multipart expected"}'
        boundary = content_type.split("boundary=")[1].encode()
        parts = body.split(b"--" + boundary)
        [pdf_part] = [p for p in parts if b'name="file"' in p]
        assert any(b'name="tampilan"' in p and b"invisible" in p for p in parts)
        pdf = pdf_part.split(b"\r\n\r\n", 1)[1].rsplit(b"\r\n", 1)[0]
        meta = signers.PdfSignatureMetadata(
            field_name="Segel", subfilter=fields.SigSeedSubFilter.PADES
        )
        out = signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), meta, signer=signer)
        return 200, "application/pdf", out.getvalue()

    return answer


@needs_pdfsig
def test_a_timestamp_server_makes_the_signature_pades_b_t(
    app, admin_client, graduate_client, monkeypatch
):
    data, _ = make_pkcs12()
    assert upload(admin_client, unit_id(app), data).status_code == 302
    with StandIn(tsa_answer()) as tsa:
        monkeypatch.setitem(app.config, "TSA_URL", tsa.url)
        assert claim(graduate_client).status_code == 302
    assert tsa.requests  # pyHanko also asks once to size the signature's room
    with app.app_context():
        cert = db.session.scalar(select(Certificate))
        assert cert.signature_level == "pades-b-t"
        cert_id = cert.id
    pdf = graduate_client.get(f"/sertifikat/{cert_id}/unduh").data
    assert "Signature is Valid" in pdfsig(pdf)
    from pyhanko.pdf_utils.reader import PdfFileReader

    [embedded] = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    unsigned = [a["type"].native for a in embedded.signer_info["unsigned_attrs"]]
    assert "signature_time_stamp_token" in unsigned  # the signature timestamp (B-T)


def test_a_timestamp_server_that_is_down_stops_issue(
    app, admin_client, graduate_client, monkeypatch
):
    data, _ = make_pkcs12()
    upload(admin_client, unit_id(app), data)
    with StandIn(lambda handler, body: (500, "text/plain", b"rusak")) as tsa:
        monkeypatch.setitem(app.config, "TSA_URL", tsa.url)
        response = claim(graduate_client)
    assert response.status_code == 503
    assert "Server cap waktu tidak menjawab dengan benar" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Certificate)) is None


@needs_pdfsig
def test_the_remote_seal_service_signs_at_issue(app, admin_client, graduate_client, monkeypatch):
    with StandIn(seal_answer()) as service:
        monkeypatch.setitem(app.config, "SIGNING_REMOTE_URL", service.url)
        monkeypatch.setitem(app.config, "SIGNING_REMOTE_USER", "segel")
        monkeypatch.setitem(app.config, "SIGNING_REMOTE_PASSWORD", "rahasia")
        page = admin_client.get(f"/admin/penerbit/{unit_id(app)}/tanda-tangan")
        assert "Tanda tangani melalui layanan jarak jauh" in page.get_data(as_text=True)
        response = admin_client.post(
            f"/admin/penerbit/{unit_id(app)}/tanda-tangan/jarak-jauh",
            data={"remote-label": "BSrE BSSN"},
        )
        assert response.status_code == 302
        assert claim(graduate_client).status_code == 302
    assert len(service.requests) == 1
    with app.app_context():
        cert = db.session.scalar(select(Certificate))
        assert cert.signature_level == "remote" and cert.signed_by == "BSrE BSSN"
        cert_id = cert.id
    assert "Signature is Valid" in pdfsig(graduate_client.get(f"/sertifikat/{cert_id}/unduh").data)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (lambda h, b: (401, "application/json", b"{}"), "menolak dokumen (HTTP 401)"),
        (lambda h, b: (200, "application/pdf", b"%PDF-1.4 lain"), "tidak ditandatangani"),
        (lambda h, b: (200, "text/html", b"<html>"), "tidak ditandatangani"),
    ],
)
def test_a_remote_service_that_refuses_or_cheats_stops_issue(
    app, admin_client, graduate_client, monkeypatch, answer, message
):
    with StandIn(answer) as service:
        monkeypatch.setitem(app.config, "SIGNING_REMOTE_URL", service.url)
        with app.app_context():
            signing.use_remote(None, db.session.get(Issuer, unit_id(app)), "BSrE")
        response = claim(graduate_client)
    assert response.status_code == 503
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Certificate)) is None


def test_a_remote_service_that_times_out_stops_issue(
    app, admin_client, graduate_client, monkeypatch
):
    release = threading.Event()

    def stuck(handler, body):
        release.wait(10)
        return 200, "application/pdf", b""

    with StandIn(stuck) as service:
        monkeypatch.setitem(app.config, "SIGNING_REMOTE_URL", service.url)
        monkeypatch.setitem(app.config, "SIGNING_TIMEOUT", 1)
        with app.app_context():
            signing.use_remote(None, db.session.get(Issuer, unit_id(app)), "BSrE")
        response = claim(graduate_client)
        release.set()
    assert response.status_code == 503
    assert "tidak menjawab tepat waktu" in response.get_data(as_text=True)


def test_bulk_issue_reports_a_signing_failure_and_can_be_started_again(
    app, make_user, make_cohort, sample_course, issuer
):
    trainer = make_user(role="trainer", login="pelatih@contoh.id")
    members = [make_user(login=f"anggota{i}@contoh.id") for i in range(3)]
    cohort_id, _ = make_cohort(trainer, members=members)
    for member in members:
        complete_course(app, member)
    data, _ = make_pkcs12()
    with app.app_context():
        from lms.cohorts.models import Cohort

        unit = db.session.get(Issuer, db.session.get(Cohort, cohort_id).issuer_id)
        unit_id = unit.id
        identity = signing.upload_pkcs12(None, unit, data, "sandi-p12", "Uji")
        identity.not_after = identity.not_before  # expired since
        db.session.commit()
    client = app.test_client()
    client.post("/masuk", data={"login": "pelatih@contoh.id", "password": PASSWORD})
    page = client.get(f"/kelas/{cohort_id}/sertifikat").get_data(as_text=True)
    assert "PDF-nya ditandatangani secara elektronik (Uji)" in page
    failed = client.post(f"/kelas/{cohort_id}/sertifikat", follow_redirects=True)
    assert "Sertifikat tanda tangan unit sudah kedaluwarsa" in failed.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Certificate)) is None  # nothing unsigned
        fresh, _ = make_pkcs12()
        signing.upload_pkcs12(None, db.session.get(Issuer, unit_id), fresh, "sandi-p12", "Baru")
    again = client.post(f"/kelas/{cohort_id}/sertifikat", follow_redirects=True)
    assert "3 sertifikat diterbitkan" in again.get_data(as_text=True)
    with app.app_context():
        levels = set(db.session.scalars(select(Certificate.signature_level)))
    assert levels == {"pades-b-b"}


def test_signing_works_where_an_event_loop_already_runs(app):
    """An async server or a test driver may run an asyncio loop in the signing thread."""
    import asyncio

    from cryptography.hazmat.primitives.serialization import NoEncryption, pkcs12
    from pyhanko.pdf_utils.reader import PdfFileReader
    from reportlab.pdfgen.canvas import Canvas

    from lms.signing.signers import LocalSigner

    data, key = make_pkcs12(password="")
    _, cert, _ = pkcs12.load_key_and_certificates(data, None)
    bundle = pkcs12.serialize_key_and_certificates(b"x", key, cert, None, NoEncryption())
    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    canvas.drawString(100, 100, "Sertifikat")
    canvas.showPage()
    canvas.save()

    async def inside_a_loop():
        return LocalSigner(bundle, "uji", "Bireuen").sign(buffer.getvalue())

    from concurrent.futures import ThreadPoolExecutor

    # In a thread of its own: the browser tests' driver may run a loop in this one.
    with ThreadPoolExecutor(1) as pool:
        signed = pool.submit(lambda: asyncio.run(inside_a_loop())).result()
    [signature] = PdfFileReader(io.BytesIO(signed)).embedded_signatures
    assert signature.field_name == "TandaTanganElektronik"


def test_bulk_issue_retries_a_signer_that_fails_for_a_moment_then_reports(
    app, make_user, make_cohort, sample_course, issuer, monkeypatch
):
    from lms.certificates import services as certificates

    trainer = make_user(role="trainer", login="pelatih@contoh.id")
    members = [make_user(login=f"anggota{i}@contoh.id") for i in range(4)]
    cohort_id, _ = make_cohort(trainer, members=members)
    for member in members:
        complete_course(app, member)
    monkeypatch.setattr(certificates, "BATCH", 2)
    seal = seal_answer()
    calls = []

    def flaky(handler, body):
        calls.append(1)
        if len(calls) == 2:  # the second document's first try fails
            return 502, "text/plain", b"bad gateway"
        if len(calls) > 5:  # later the service is down for good
            return 503, "text/plain", b"down"
        return seal(handler, body)

    with StandIn(flaky) as service:
        monkeypatch.setitem(app.config, "SIGNING_REMOTE_URL", service.url)
        monkeypatch.setitem(app.config, "SIGNING_REMOTE_USER", "segel")
        monkeypatch.setitem(app.config, "SIGNING_REMOTE_PASSWORD", "rahasia")
        with app.app_context():
            from lms.cohorts.models import Cohort

            cohort = db.session.get(Cohort, cohort_id)
            signing.use_remote(None, db.session.get(Issuer, cohort.issuer_id), "BSrE")
        client = app.test_client()
        client.post("/masuk", data={"login": "pelatih@contoh.id", "password": PASSWORD})
        page = client.post(f"/kelas/{cohort_id}/sertifikat", follow_redirects=True)
    text = page.get_data(as_text=True)
    # First batch: a retry got both signed; second batch: down, tried 3 times, reported.
    assert "2 sertifikat telah diterbitkan dan ditandatangani" in text
    assert "gagal 3 kali" in text and "HTTP 503" in text
    with app.app_context():
        certs = db.session.scalars(select(Certificate)).all()
        assert len(certs) == 2 and {c.signature_level for c in certs} == {"remote"}
        numbers = sorted(c.number.split("/")[0] for c in certs)
    assert numbers == ["0001", "0002"]  # the failed tries took no numbers
