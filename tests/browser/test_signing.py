"""Signing at 360 px: an admin loads a PKCS#12 file, a trainee's certificate comes out signed,
and anyone checks the file under Periksa berkas PDF."""

import re
import shutil

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lms.accounts import services as accounts
from lms.accounts.models import User
from lms.catalog.models import Course
from lms.certificates import services as certificate_services
from lms.extensions import db
from lms.issuers.models import Issuer
from lms.signing.models import SigningIdentity
from tests.conftest import complete_course
from tests.signing_helpers import P12_PASSWORD, make_pkcs12, needs_pdfsig, pdfsig

from .test_phone_layout import NO_SIDEWAYS_SCROLL, problems

pytestmark = pytest.mark.skipif(not shutil.which("chromium"), reason="needs Debian chromium")


@needs_pdfsig
def test_admin_loads_a_signing_identity_and_a_visitor_checks_the_pdf(visit, live_app, tmp_path):
    p12 = tmp_path / "dinas.p12"
    p12.write_bytes(make_pkcs12()[0])
    v = visit()
    page = v.page
    v.login("admin@contoh.id")
    page.get_by_role("link", name="Unit penerbit").first.click()
    page.get_by_role("link", name="Tanda tangan elektronik").first.click()
    assert "tidak ditandatangani secara elektronik" in page.content()
    page.get_by_label("Berkas PKCS#12 (.p12 atau .pfx)").set_input_files(str(p12))
    page.get_by_label("Kata sandi berkas").fill("salah")
    page.get_by_role("button", name="Unggah dan periksa").click()
    page.wait_for_load_state()
    assert "Kata sandi salah" in page.content()
    page.get_by_label("Berkas PKCS#12 (.p12 atau .pfx)").set_input_files(str(p12))
    page.get_by_label("Kata sandi berkas").fill(P12_PASSWORD)
    page.get_by_label("Label (mis. PSrE dan pemegangnya)").fill("BSrE uji")
    page.get_by_role("button", name="Unggah dan periksa").click()
    page.wait_for_url(re.compile(r"/tanda-tangan$"))
    assert "Kepala Dinas Kominfo Bireuen" in page.content()
    v.shot("signing-01-identity")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    assert problems(page, tmp_path, "signing-identity") == []
    page.get_by_role("link", name="Unit penerbit").first.click()
    page.get_by_role("link", name="Kementerian Komunikasi dan Digital Republik Indonesia").click()
    page.wait_for_load_state("load")  # number-preview.js is attached
    page.get_by_label("Gaya penomoran").select_option(value="kemenag")
    page.get_by_label("Kode klasifikasi ({class})").fill("PP.00")
    live = page.locator("[data-number-preview] strong")
    # The number follows what is typed (number-preview.js), before any button is pressed.
    expect(live).to_have_text(re.compile(r"^B-\d+/KOMDIGI/PP\.00/\d\d/20\d\d$"))
    page.get_by_label("Kode klasifikasi ({class})").fill("HM.01")
    expect(live).to_have_text(re.compile(r"/KOMDIGI/HM\.01/"))
    page.get_by_label("Kode klasifikasi ({class})").fill("PP.00")
    page.get_by_role("button", name="Pratinjau nomor berikutnya").click()
    page.wait_for_load_state()
    assert re.search(r"B-\d+/KOMDIGI/PP\.00/\d\d/20\d\d", page.content())
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    assert problems(page, tmp_path, "issuer-form") == []
    v.shot("signing-02-numbering-preview")
    try:
        with live_app.app_context():
            user = accounts.create_user(
                full_name="Cut Meutia",
                login="meutia@contoh.id",
                password="kopi-gayo-2026",
                province_code="11",
                regency_code="11.11",
                require_consent=False,
            )
            course = db.session.scalar(select(Course).where(Course.slug == "kursus-contoh"))
            user_id, course_id = user.id, course.id
            db.session.remove()
        complete_course(live_app, user_id)
        with live_app.app_context():
            cert = certificate_services.claim(
                db.session.get(User, user_id), db.session.get(Course, course_id), "Cut Meutia"
            )
            cert_id, code = cert.id, cert.code
            assert cert.signature_level == "pades-b-b"
            db.session.remove()

        trainee = visit()
        trainee.login("meutia@contoh.id")
        trainee.goto("/sertifikat")
        with trainee.page.expect_download() as download:
            trainee.page.get_by_role("link", name="Unduh PDF").first.click()
        pdf_path = tmp_path / "sertifikat.pdf"
        download.value.save_as(pdf_path)
        assert "Signature is Valid" in pdfsig(pdf_path.read_bytes())
        assert trainee.page.get_by_role("link", name="Tambahkan ke LinkedIn").count() >= 1

        public = visit()
        public.goto("/v")
        public.page.get_by_label("PDF sertifikat (maksimal 5 MB)").set_input_files(str(pdf_path))
        public.page.get_by_role("button", name="Periksa berkas", exact=True).click()
        public.page.wait_for_load_state()
        content = public.page.content()
        assert "yang diterbitkan di sini, tidak berubah" in content
        assert "Tanda tangan elektroniknya sah" in content
        public.shot("signing-03-checked")
        assert public.page.evaluate(NO_SIDEWAYS_SCROLL)
        assert problems(public.page, tmp_path, "verify-check") == []
        public.goto(f"/v/{code}")
        assert "ditandatangani secara elektronik" in public.page.content()
        assert cert_id
    finally:
        with live_app.app_context():  # the other journeys expect an unsigned unit
            unit = db.session.scalar(select(Issuer).where(Issuer.code == "KOMDIGI"))
            db.session.execute(
                SigningIdentity.__table__.delete().where(SigningIdentity.issuer_id == unit.id)
            )
            db.session.commit()
            db.session.remove()
