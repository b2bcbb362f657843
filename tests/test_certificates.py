import hashlib
import io
import re
import shutil
import subprocess
import threading

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from lms.accounts.models import User
from lms.certificates.models import AuditEvent, Certificate
from lms.extensions import db
from lms.issuers.models import Issuer, StoredImage

from .conftest import PASSWORD, cohort_form, complete_course


def certificate(app, **where):
    with app.app_context():
        query = select(Certificate).order_by(Certificate.id)
        for key, value in where.items():
            query = query.where(getattr(Certificate, key) == value)
        found = db.session.scalars(query).all()
        for c in found:
            db.session.expunge(c)
        return found


def pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_claim_shows_the_name_and_gives_the_same_certificate_twice(app, client, graduate):
    course = client.get("/kursus/kursus-contoh").get_data(as_text=True)
    assert "Kursus selesai!" in course and "/kursus/kursus-contoh/sertifikat" in course
    page = client.get("/kursus/kursus-contoh/sertifikat").get_data(as_text=True)
    assert 'value="Siti Aminah"' in page
    response = client.post(
        "/kursus/kursus-contoh/sertifikat", data={"full_name": " Siti  Aminah Rahman "}
    )
    assert response.headers["Location"] == "/sertifikat"
    again = client.post("/kursus/kursus-contoh/sertifikat", data={"full_name": "Lain"})
    assert again.status_code == 302
    [cert] = certificate(app)
    assert cert.full_name == "Siti Aminah Rahman"
    assert re.fullmatch(r"0001/KOMDIGI/[IVX]+/20\d\d", cert.number)
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{16}", cert.code)
    mine = client.get("/sertifikat").get_data(as_text=True)
    assert cert.number in mine and f"/sertifikat/{cert.id}/unduh" in mine
    with app.app_context():
        assert [e.action for e in db.session.scalars(select(AuditEvent))] == ["issue"]


def test_claim_refuses_an_empty_or_long_name(app, client, graduate):
    for name, message in (("   ", "Masukkan nama lengkap"), ("x" * 121, "maksimal 120 karakter")):
        response = client.post("/kursus/kursus-contoh/sertifikat", data={"full_name": name})
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    assert certificate(app) == []


def test_no_certificate_before_the_course_is_complete(app, client, sample_course, trainee, issuer):
    client.post("/kursus/kursus-contoh/daftar")
    response = client.post(
        "/kursus/kursus-contoh/sertifikat", data={"full_name": "X"}, follow_redirects=True
    )
    assert "Selesaikan kursus terlebih dahulu" in response.get_data(as_text=True)
    assert certificate(app) == []


def test_the_pdf_carries_the_record_and_is_deterministic(app, client, graduate):
    client.post("/kursus/kursus-contoh/sertifikat", data={"full_name": "Siti Aminah"})
    [cert] = certificate(app)
    first = client.get(f"/sertifikat/{cert.id}/unduh")
    assert first.content_type == "application/pdf"
    data = first.data
    assert data == client.get(f"/sertifikat/{cert.id}/unduh").data
    assert hashlib.sha256(data).hexdigest() == cert.pdf_sha256
    with app.app_context():  # the file kept at issue is what is served
        from lms import storage

        kept = storage.load(storage.get(cert.pdf_key))
    assert kept == data
    assert first.headers["ETag"].strip('"') == cert.pdf_sha256
    again = client.get(
        f"/sertifikat/{cert.id}/unduh", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304 and again.data == b""
    text = pdf_text(data)
    for expected in (
        "SERTIFIKAT",
        "Siti Aminah",
        "Kursus Contoh",
        cert.number,
        "2 jam pelajaran",
        "nilai akhir 90,0",  # Indonesian decimals, as on the verification page
        "Dr. Rina Wulandari",
        f"http://localhost/v/{cert.code}",
    ):
        assert expected in text, expected
    meta = PdfReader(io.BytesIO(data)).metadata
    assert meta.title.startswith("Sertifikat Kursus Contoh")
    assert meta.author == "Kementerian Komunikasi dan Digital Republik Indonesia"
    assert meta.subject == "Kursus Contoh"
    page = PdfReader(io.BytesIO(data)).pages[0]
    assert float(page.mediabox.width) > float(page.mediabox.height)  # landscape


@pytest.mark.parametrize(
    "name",
    [
        "Nur’aini Çelik Łukasz Ğül Đorđe Ōtomo",
        "Ni Luh Putu O'Neil",
        "<script>alert('x')</script> & <b>Budi</b>",
        " ".join(["Muhammad"] * 13)[:120],
    ],
)
def test_any_name_prints_correctly(app, client, graduate, name):
    client.post("/kursus/kursus-contoh/sertifikat", data={"full_name": name})
    [cert] = certificate(app)
    text = pdf_text(client.get(f"/sertifikat/{cert.id}/unduh").data)
    squashed = re.sub(r"\s+", "", text)
    assert re.sub(r"\s+", "", cert.full_name) in squashed


@pytest.mark.skipif(
    not (shutil.which("zbarimg") and shutil.which("pdftoppm")),
    reason="zbar-tools and poppler-utils are installed by `make test`",
)
def test_the_qr_code_decodes_to_the_verification_url(app, client, graduate, tmp_path):
    client.post("/kursus/kursus-contoh/sertifikat", data={"full_name": "Siti Aminah"})
    [cert] = certificate(app)
    (tmp_path / "c.pdf").write_bytes(client.get(f"/sertifikat/{cert.id}/unduh").data)
    subprocess.run(
        ["pdftoppm", "-r", "100", "-png", tmp_path / "c.pdf", tmp_path / "page"], check=True
    )
    png = next(tmp_path.glob("page*.png"))
    out = subprocess.run(
        ["zbarimg", "-q", "--raw", png], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == f"http://localhost/v/{cert.code}"


def test_verification_page_and_api(app, client, graduate):
    client.post("/kursus/kursus-contoh/sertifikat", data={"full_name": "Siti Aminah"})
    [cert] = certificate(app)
    anonymous = app.test_client()
    page = anonymous.get(f"/v/{cert.code}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Sertifikat sah" in html and "Siti Aminah" in html and cert.number in html
    assert cert.pdf_sha256 in html and "Kementerian Komunikasi dan Digital" in html
    unchanged = anonymous.get(f"/v/{cert.code}", headers={"If-None-Match": page.headers["ETag"]})
    assert unchanged.status_code == 304  # revalidated cheaply
    pretty = "-".join(cert.code[i : i + 4] for i in range(0, 16, 4))
    assert anonymous.get(f"/v/{pretty.lower()}").status_code == 200
    api = anonymous.get(f"/api/v1/certificates/{cert.code}").get_json()
    assert (
        api["status"] == "valid" and api["name"] == "Siti Aminah" and api["number"] == cert.number
    )
    assert api["pdf_sha256"] == cert.pdf_sha256

    # Issue 11, item 3: a printed number (they run in sequence) reveals only that it exists.
    by_number = anonymous.get("/v", query_string={"kode": cert.number})
    assert by_number.status_code == 200
    html = by_number.get_data(as_text=True)
    assert f"Sertifikat dengan nomor {cert.number} ada" in html and "Kementerian" in html
    assert "Siti" not in html and cert.code not in html and "Sertifikat sah" not in html
    assert (
        anonymous.get("/v", query_string={"kode": pretty}).headers["Location"] == f"/v/{cert.code}"
    )


def test_a_wrong_code_reveals_nothing(app, client, graduate):
    client.post("/kursus/kursus-contoh/sertifikat", data={"full_name": "Siti Aminah"})
    anonymous = app.test_client()
    for url in (
        "/v/AAAABBBBCCCCDDDD",
        "/v/x",
        "/v?kode=0001",
        "/api/v1/certificates/AAAABBBBCCCCDDDD",
    ):
        response = anonymous.get(url)
        assert response.status_code == 404, url
        body = response.get_data(as_text=True)
        assert "Siti" not in body and "KOMDIGI" not in body
    assert anonymous.get("/api/v1/certificates/x").get_json() == {"status": "not_found"}


def test_verification_is_rate_limited(limited_app):
    client = limited_app(VERIFY_RATE_LIMIT="3 per minute").test_client()
    codes = [client.get("/api/v1/certificates/AAAABBBBCCCCDDDD").status_code for _ in range(4)]
    assert codes == [404, 404, 404, 429]
    assert "Terlalu banyak permintaan" in client.get("/v/AAAABBBBCCCCDDDD").get_data(as_text=True)


def admin_client(app, make_user):
    make_user(role="admin", login="admin@komdigi.go.id", full_name="Admin Komdigi")
    client = app.test_client()
    client.post("/masuk", data={"login": "admin@komdigi.go.id", "password": PASSWORD})
    return client


def test_revoke_and_reissue_show_everywhere_and_are_audited(app, client, graduate, make_user):
    client.post("/kursus/kursus-contoh/sertifikat", data={"full_name": "Siti Aminah"})
    [old] = certificate(app)
    admin = admin_client(app, make_user)
    empty = admin.post(
        f"/admin/sertifikat/{old.id}/cabut", data={"revoke-reason": " "}, follow_redirects=True
    )
    assert "Tuliskan alasan pencabutan" in empty.get_data(as_text=True)
    assert certificate(app)[0].revoked_at is None

    with app.app_context():  # the person fixes their name before the reissue
        db.session.scalar(
            select(User).where(User.email == graduate)
        ).full_name = "Siti Aminah Rahman"
        db.session.commit()
    response = admin.post(
        f"/admin/sertifikat/{old.id}/terbitkan-ulang", data={"reissue-reason": "Nama salah ketik"}
    )
    old_row, new = certificate(app)
    assert response.headers["Location"] == f"/admin/sertifikat/{new.id}"
    assert old_row.revoked_reason == "Nama salah ketik" and old_row.replaced_by_id == new.id
    assert new.full_name == "Siti Aminah Rahman" and new.valid
    assert new.number.startswith("0002/") and new.code != old.code

    page = app.test_client().get(f"/v/{old.code}").get_data(as_text=True)
    assert (
        "Sertifikat ini sudah dicabut" in page
        and "Nama salah ketik" in page
        and f"/v/{new.code}" in page
    )
    api = app.test_client().get(f"/api/v1/certificates/{old.code}").get_json()
    assert api["status"] == "revoked" and api["revoked_reason"] == "Nama salah ketik"
    assert api["replaced_by"] == new.code

    admin.post(
        f"/admin/sertifikat/{new.id}/cabut", data={"revoke-reason": "Data pelatihan tidak sah"}
    )
    assert (
        app.test_client().get(f"/api/v1/certificates/{new.code}").get_json()["status"] == "revoked"
    )
    again = admin.post(
        f"/admin/sertifikat/{new.id}/cabut", data={"revoke-reason": "lagi"}, follow_redirects=True
    )
    assert "sudah dicabut" in again.get_data(as_text=True)

    with app.app_context():
        events = db.session.execute(
            select(AuditEvent.action, User.full_name)
            .join(User, User.id == AuditEvent.actor_id)
            .order_by(AuditEvent.id)
        ).all()
    assert [a for a, _ in events] == ["issue", "reissue", "revoke", "revoke"]
    assert [n for _, n in events][1:] == ["Admin Komdigi"] * 3
    detail = admin.get(f"/admin/sertifikat/{old.id}").get_data(as_text=True)
    assert "Riwayat" in detail and "Admin Komdigi" in detail


def test_trainee_sees_only_their_own_pdf(app, client, graduate, make_user):
    client.post("/kursus/kursus-contoh/sertifikat", data={"full_name": "Siti Aminah"})
    [cert] = certificate(app)
    make_user(login="lain@contoh.id")
    other = app.test_client()
    other.post("/masuk", data={"login": "lain@contoh.id", "password": PASSWORD})
    assert other.get(f"/sertifikat/{cert.id}/unduh").status_code == 404
    assert admin_client(app, make_user).get(f"/sertifikat/{cert.id}/unduh").status_code == 200


def png_bytes(size=(200, 100), fmt="PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 90, 170)).save(out, format=fmt)
    return out.getvalue()


def test_admin_manages_issuing_units_with_checked_images(app, make_user, issuer):
    admin = admin_client(app, make_user)
    form = {
        "name": "Dinas Komunikasi, Informatika dan Persandian Kabupaten Bireuen",
        "code": "diskominfo-bir",
        "number_pattern": "",
        "city": "Bireuen",
        "signatory_name": "Teuku Ahmad",
        "signatory_title": "Kepala Dinas",
        "signatory_nip": "197001012000031001",
    }
    jpeg = png_bytes(fmt="JPEG")
    response = admin.post(
        "/admin/penerbit/baru",
        data={
            **form,
            "logo": (io.BytesIO(jpeg), "logo asli.jpg"),
            "signature": (io.BytesIO(png_bytes((300, 80))), "ttd.png"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        unit = db.session.scalar(select(Issuer).where(Issuer.code == "DISKOMINFO-BIR"))
        logo = db.session.get(StoredImage, unit.logo_id)
        assert unit.number_pattern == "{seq:04d}/{code}/{month_roman}/{year}"
        assert logo.content_type == "image/png" and logo.data.startswith(b"\x89PNG")
        assert logo.data != jpeg and "logo" not in logo.key
        assert not unit.is_default

    bad_cases = [
        ({**form, "code": "DISKOMINFO-BIR"}, "Kode ini sudah dipakai unit lain"),
        ({**form, "code": "kode salah!"}, "huruf kapital"),
        ({**form, "code": "X2", "number_pattern": "{code}/{year}"}, "Gunakan pola"),
        ({**form, "code": "X3", "number_pattern": "{seq}/{rahasia}"}, "Gunakan pola"),
        ({**form, "code": "X4", "signatory_name": ""}, "Isian ini wajib diisi"),
        (
            {**form, "code": "X5", "logo": (io.BytesIO(b"<svg></svg>"), "logo.png")},
            "Unggah gambar PNG atau JPEG",
        ),
        (
            {**form, "code": "X6", "logo": (io.BytesIO(png_bytes((3000, 100))), "besar.png")},
            "piksel",
        ),
        (
            {**form, "code": "X7", "logo": (io.BytesIO(b"x" * (1024 * 1024 + 1)), "besar.png")},
            "lebih besar dari 1 MB",
        ),
    ]
    for data, message in bad_cases:
        response = admin.post("/admin/penerbit/baru", data=data, content_type="multipart/form-data")
        assert response.status_code == 400, message
        assert message in response.get_data(as_text=True), message
    with app.app_context():
        assert db.session.query(Issuer).count() == 2
        assert db.session.query(StoredImage).count() == 2

    with app.app_context():
        unit_id = db.session.scalar(select(Issuer.id).where(Issuer.code == "DISKOMINFO-BIR"))
    admin.post(f"/admin/penerbit/{unit_id}/utama")
    with app.app_context():
        assert (
            db.session.scalar(select(Issuer.code).where(Issuer.is_default.is_(True)))
            == "DISKOMINFO-BIR"
        )
    listing = admin.get("/admin/penerbit").get_data(as_text=True)
    assert "Teuku Ahmad" in listing


def test_numbers_follow_the_units_pattern_and_sequence(
    app, client, graduate, make_user, sample_course
):
    with app.app_context():
        unit = db.session.scalar(select(Issuer))
        unit.number_pattern = "SERT-{year}-{seq:05d}"
        db.session.commit()
    client.post("/kursus/kursus-contoh/sertifikat", data={"full_name": "Siti Aminah"})
    other_id = make_user(login="kedua@contoh.id")
    complete_course(app, other_id)
    second = app.test_client()
    second.post("/masuk", data={"login": "kedua@contoh.id", "password": PASSWORD})
    second.post("/kursus/kursus-contoh/sertifikat", data={"full_name": "Budi"})
    numbers = [c.number for c in certificate(app)]
    assert [n.split("-")[2] for n in numbers] == ["00001", "00002"]


def test_parallel_claims_get_distinct_consecutive_numbers(app, sample_course, make_user, issuer):
    n = 50 if db_is_postgres(app) else 20
    logins = []
    for i in range(n):
        login = f"peserta{i}@contoh.id"
        complete_course(app, make_user(login=login, full_name=f"Peserta {i}"))
        logins.append(login)
    clients = []
    for login in logins:
        c = app.test_client()
        c.post("/masuk", data={"login": login, "password": PASSWORD})
        clients.append(c)
    barrier = threading.Barrier(n)
    codes, errors = [], []

    def claim(c):
        try:
            barrier.wait()
            codes.append(
                c.post(
                    "/kursus/kursus-contoh/sertifikat", data={"full_name": "Peserta"}
                ).status_code
            )
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=claim, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and codes == [302] * n
    sequence = sorted(int(c.number.split("/")[0]) for c in certificate(app))
    assert sequence == list(range(1, n + 1))


def db_is_postgres(app) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")


def test_a_revoked_certificate_is_not_handed_out_again(app, client, graduate, make_user):
    """Issue 11, item 11: the PDF of a revoked certificate is refused with a page that explains
    and links to the verification page."""
    client.post("/kursus/kursus-contoh/sertifikat", data={"full_name": "Siti Aminah"})
    [cert] = certificate(app)
    admin = admin_client(app, make_user)
    admin.post(f"/admin/sertifikat/{cert.id}/cabut", data={"revoke-reason": "Data tidak sah"})
    for who in (client, admin):
        response = who.get(f"/sertifikat/{cert.id}/unduh")
        assert response.status_code == 410
        html = response.get_data(as_text=True)
        assert response.content_type.startswith("text/html")
        assert "sudah dicabut" in html and "Data tidak sah" in html and f"/v/{cert.code}" in html


def test_revocation_is_not_undone_by_claiming_again(app, client, graduate, make_user):
    """Issue 11, item 17: a revoked certificate blocks a new claim (page, form and bulk issue)
    until an admin allows it or reissues; /v shows when it was revoked."""
    client.post("/kursus/kursus-contoh/sertifikat", data={"full_name": "Siti Aminah"})
    [cert] = certificate(app)
    admin = admin_client(app, make_user)
    admin.post(f"/admin/sertifikat/{cert.id}/cabut", data={"revoke-reason": "Data tidak sah"})

    course_page = client.get("/kursus/kursus-contoh").get_data(as_text=True)
    assert "Klaim sertifikat" not in course_page
    page = client.get("/kursus/kursus-contoh/sertifikat", follow_redirects=True)
    assert "telah dicabut" in page.get_data(as_text=True)
    refused = client.post("/kursus/kursus-contoh/sertifikat", data={"full_name": "Siti Aminah"})
    assert refused.status_code in (302, 403)
    assert len(certificate(app)) == 1
    with app.app_context():
        from lms.certificates import services

        user = db.session.scalar(select(User).where(User.email == graduate))
        course = services.catalog.get_course("kursus-contoh")
        assert services.eligible_without_certificate(course, [user]) == []

    verify = app.test_client().get(f"/v/{cert.code}").get_data(as_text=True)
    assert "Dicabut" in verify and "pada " in verify and "2026" in verify

    # The admin allows a new claim: the trainee claims a fresh certificate.
    assert "Izinkan klaim baru" in admin.get(f"/admin/sertifikat/{cert.id}").get_data(as_text=True)
    admin.post(f"/admin/sertifikat/{cert.id}/izinkan-klaim")
    client.post("/kursus/kursus-contoh/sertifikat", data={"full_name": "Siti Aminah"})
    old, new = certificate(app)
    assert new.valid and new.code != old.code


def test_a_revoked_certificate_can_be_reissued(app, client, graduate, make_user):
    client.post("/kursus/kursus-contoh/sertifikat", data={"full_name": "Siti Aminah"})
    [cert] = certificate(app)
    admin = admin_client(app, make_user)
    admin.post(f"/admin/sertifikat/{cert.id}/cabut", data={"revoke-reason": "Nama salah"})
    detail = admin.get(f"/admin/sertifikat/{cert.id}").get_data(as_text=True)
    assert "Terbitkan ulang sertifikat" in detail
    response = admin.post(
        f"/admin/sertifikat/{cert.id}/terbitkan-ulang", data={"reissue-reason": "Nama diperbaiki"}
    )
    old, new = certificate(app)
    assert response.headers["Location"] == f"/admin/sertifikat/{new.id}"
    assert new.valid and old.replaced_by_id == new.id and old.revoked_reason == "Nama salah"
    again = admin.post(
        f"/admin/sertifikat/{cert.id}/terbitkan-ulang",
        data={"reissue-reason": "lagi"},
        follow_redirects=True,
    )
    assert "sudah diganti" in again.get_data(as_text=True) and len(certificate(app)) == 2
    api = app.test_client().get(f"/api/v1/certificates/{old.code}").get_json()
    assert api["replaced_by"] == new.code


def test_the_placeholder_signatory_is_refused_outside_demo_mode(
    app, client, sample_course, make_user, monkeypatch
):
    """Issue 11, item 21: the seeded unit's stand-in signatory issues nothing until an admin
    saves the real one (demo mode excepted)."""
    with app.app_context():
        unit = Issuer(
            name="Kementerian Komunikasi dan Digital Republik Indonesia",
            code="KOMDIGI",
            signatory_name="Pejabat Penandatangan",
            signatory_title="Penanggung Jawab Program Akademi KIM",
            city="Jakarta",
            is_default=True,
            placeholder_signatory=True,
        )
        db.session.add(unit)
        db.session.commit()
        unit_id = unit.id
    user = make_user(login="lulusan@contoh.id")
    complete_course(app, user)
    client.post("/masuk", data={"login": "lulusan@contoh.id", "password": PASSWORD})
    refused = client.post("/kursus/kursus-contoh/sertifikat", data={"full_name": "Siti"})
    assert refused.status_code == 409
    assert "penanda tangan contoh" in refused.get_data(as_text=True)
    assert certificate(app) == []

    admin = admin_client(app, make_user)
    assert "masih memakai penanda tangan contoh" in admin.get("/admin/penerbit").get_data(
        as_text=True
    )
    monkeypatch.setitem(app.config, "DEMO_MODE", True)
    assert (
        client.post("/kursus/kursus-contoh/sertifikat", data={"full_name": "Siti"}).status_code
        == 302
    )
    assert len(certificate(app)) == 1
    monkeypatch.setitem(app.config, "DEMO_MODE", False)
    admin.post(
        f"/admin/penerbit/{unit_id}",
        data={
            "name": "Kementerian Komunikasi dan Digital Republik Indonesia",
            "code": "KOMDIGI",
            "number_pattern": "{seq:04d}/{code}/{month_roman}/{year}",
            "city": "Jakarta",
            "signatory_name": "Dr. Rina Wulandari",
            "signatory_title": "Kepala Pusat",
        },
    )
    with app.app_context():
        assert db.session.get(Issuer, unit_id).placeholder_signatory is False


def png_with_big_text_chunk() -> bytes:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "a" * 5_000_000, zip=True)  # ~5 MB of text, a few KB compressed
    out = io.BytesIO()
    Image.new("RGB", (100, 50)).save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def test_issuer_inputs_that_used_to_fail_get_a_clear_message(app, make_user, issuer):
    """Issue 11, item 10: a PNG with a huge text chunk, a code longer than its column and a
    pattern making numbers over 100 characters get a 400 and a message, never a 500."""
    admin = admin_client(app, make_user)
    form = {
        "name": "Dinas Kominfo Kota Medan",
        "code": "DISKOMINFO-MDN",
        "number_pattern": "",
        "city": "Medan",
        "signatory_name": "Ahmad",
        "signatory_title": "Kepala Dinas",
    }
    cases = [
        ({**form, "logo": (io.BytesIO(png_with_big_text_chunk()), "teks.png")}, "PNG atau JPEG"),
        ({**form, "code": "-".join(["ABCDEFGHIJ"] * 4)}, "huruf kapital"),
        ({**form, "number_pattern": "{seq}/{code}/" + "X" * 80}, "lebih dari 100 karakter"),
        ({**form, "number_pattern": "{seq:0120d}"}, "lebih dari 100 karakter"),
    ]
    for data, message in cases:
        response = admin.post("/admin/penerbit/baru", data=data, content_type="multipart/form-data")
        assert response.status_code == 400, message
        assert message in response.get_data(as_text=True), message


def test_numbers_with_dashes_and_quotes_and_unusual_cohort_names_download(
    app, client, graduate, make_user
):
    """Issue 11, item 10: an en dash or a quote in a number, and a cohort name outside
    Latin-1, give downloads with an RFC 6266 filename*, not a 500."""
    with app.app_context():
        unit = db.session.scalar(select(Issuer))
        unit.number_pattern = '{seq:03d}–"{code}"/{year}'
        db.session.commit()
    client.post("/kursus/kursus-contoh/sertifikat", data={"full_name": "Siti Aminah"})
    [cert] = certificate(app)
    assert "–" in cert.number and '"' in cert.number
    response = client.get(f"/sertifikat/{cert.id}/unduh")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert (
        disposition.startswith("attachment;")
        and "filename*=UTF-8''sertifikat-001%E2%80%93" in disposition
    )
    assert '"' not in disposition.split("filename=", 1)[1].split(";")[0].strip('"')

    trainer_id = make_user(role="trainer", login="pelatih@contoh.id")
    with app.app_context():
        from lms.accounts.models import User as Account
        from lms.cohorts import services as cohorts

        trainer = db.session.get(Account, trainer_id)
        course_id = db.session.scalar(select(Certificate.course_id))
        group = cohorts.create_cohort(
            trainer,
            cohorts.CohortInput(
                **cohort_form(
                    name="Pelatihan ꦄꦕꦺꦃ ✓ 日本", course=str(course_id), issuer=str(cert.issuer_id)
                )
            ),
        )
        member = db.session.scalar(select(Account).where(Account.email == graduate))
        cohorts.join(member, group.join_code)
        group_id = group.id
    trainer_client = app.test_client()
    trainer_client.post("/masuk", data={"login": "pelatih@contoh.id", "password": PASSWORD})
    download = trainer_client.get(f"/kelas/{group_id}/sertifikat.zip")
    assert download.status_code == 200
    assert "filename*=UTF-8''sertifikat-Pelatihan" in download.headers["Content-Disposition"]


def test_a_certificate_issued_before_pdfs_were_kept_still_renders_to_its_bytes(
    app, client, graduate
):
    """Records from before files were kept (no pdf_key) render in the style of their time, so
    the SHA-256 on /v still matches the PDF their holder has."""
    from lms.certificates.pdf import render
    from lms.certificates.services import paper_for

    client.post("/kursus/kursus-contoh/sertifikat", data={"full_name": "Siti Aminah"})
    [cert] = certificate(app)
    with app.app_context():
        row = db.session.get(Certificate, cert.id)
        old = render(paper_for(row, kept=False))
        row.pdf_key, row.pdf_sha256 = None, hashlib.sha256(old).hexdigest()
        db.session.commit()
    data = client.get(f"/sertifikat/{cert.id}/unduh").data
    assert data == old and re.search(r"nilai akhir 90(?!,)", pdf_text(data))


def test_scores_read_the_indonesian_way_on_the_page_and_the_pdf(app, client, graduate):
    """Issue 11, item 20: decimal commas by locale, the same on /v and on the PDF."""
    with app.app_context():
        from lms.quizzes.models import Attempt

        db.session.execute(Attempt.__table__.update().values(percent=87.5))
        db.session.commit()
    client.post("/kursus/kursus-contoh/sertifikat", data={"full_name": "Siti Aminah"})
    [cert] = certificate(app)
    assert cert.score == 87.5
    page = app.test_client().get(f"/v/{cert.code}").get_data(as_text=True)
    assert "87,5" in page and "87.5" not in page
    assert "nilai akhir 87,5" in pdf_text(client.get(f"/sertifikat/{cert.id}/unduh").data)
    english = app.test_client()
    english.get("/bahasa/en")
    assert "87.5" in english.get(f"/v/{cert.code}").get_data(as_text=True)
