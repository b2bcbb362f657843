"""Indonesian conventions on certificates: numbering styles, NIPs, signatories, validity."""

import io
import shutil
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from lms import signals
from lms.catalog.models import Course
from lms.certificates.models import Certificate
from lms.content.loader import load_tree
from lms.extensions import db
from lms.issuers import nip, numbering
from lms.issuers.models import Issuer

from .conftest import FIXTURES, PASSWORD, complete_course

UNIT = {
    "name": "Dinas Komunikasi dan Informatika Kabupaten Bireuen",
    "code": "DISKOMINFO-BIR",
    "number_pattern": "",
    "city": "Bireuen",
    "signatory_on_behalf": "Bupati Bireuen",
    "signatory_title": "Kepala Dinas Komunikasi dan Informatika",
    "signatory_name": "Teuku Ahmad, S.Kom.",
    "signatory_rank": "Pembina Tingkat I (IV/b)",
    "signatory_nip": "19850101 201001 1 001",
}


@pytest.fixture
def admin(app, make_user):
    make_user(role="admin", login="admin@contoh.id")
    client = app.test_client()
    client.post("/masuk", data={"login": "admin@contoh.id", "password": PASSWORD})
    return client


def pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.parametrize(
    ("key", "number"),
    [
        ("romawi", "0042/DISKOMINFO-BIR/XI/2026"),
        ("permendagri", "000.5.2.3/42/DISKOMINFO-BIR/2026"),
        ("kemenag", "B-42/DISKOMINFO-BIR/PP.00/11/2026"),
    ],
)
def test_numbering_presets_give_the_documented_examples(key, number):
    [preset] = [p for p in numbering.PRESETS if p.key == key]
    made = numbering.format_number(preset.pattern, 42, "DISKOMINFO-BIR", date(2026, 11, 4), "PP.00")
    assert made == number
    assert numbering.pattern_problem(preset.pattern) is None


def test_a_unit_picks_the_kemenag_style_previews_and_issues_with_it(
    app, admin, make_user, sample_course, issuer
):
    form = {**UNIT, "number_preset": "kemenag", "classification": ""}
    response = admin.post("/admin/penerbit/baru", data=form)
    assert response.status_code == 400
    assert "isi kode klasifikasinya" in response.get_data(as_text=True)
    preview = admin.post(
        "/admin/penerbit/baru", data={**form, "classification": "PP.00", "preview": "1"}
    )
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Nomor berikutnya" in page
    assert "B-1/DISKOMINFO-BIR/PP.00/" in page
    with app.app_context():
        assert db.session.scalar(select(Issuer).where(Issuer.code == "DISKOMINFO-BIR")) is None
    saved = admin.post("/admin/penerbit/baru", data={**form, "classification": "PP.00"})
    assert saved.status_code == 302
    with app.app_context():
        unit = db.session.scalar(select(Issuer).where(Issuer.code == "DISKOMINFO-BIR"))
        assert unit.number_pattern == "B-{seq}/{code}/{class}/{month:02d}/{year}"
        assert unit.signatory_nip == "198501012010011001"  # kept as digits
        unit_id = unit.id
    index = admin.get("/admin/penerbit").get_data(as_text=True)
    assert "NIP 19850101 201001 1 001" in index
    admin.post(f"/admin/penerbit/{unit_id}/utama")
    user_id = make_user(login="lulusan@contoh.id", full_name="Siti Aminah")
    complete_course(app, user_id)
    trainee = app.test_client()
    trainee.post("/masuk", data={"login": "lulusan@contoh.id", "password": PASSWORD})
    trainee.post("/kursus/kursus-contoh/sertifikat", data={"full_name": "Siti Aminah"})
    with app.app_context():
        cert = db.session.scalar(select(Certificate))
        number, cert_id = cert.number, cert.id
    today = date.today()
    assert number == f"B-1/DISKOMINFO-BIR/PP.00/{today.month:02d}/{today.year}"
    text = pdf_text(trainee.get(f"/sertifikat/{cert_id}/unduh").data)
    assert "a.n. Bupati Bireuen" in text
    assert "NIP 19850101 201001 1 001" in text
    assert "Pembina Tingkat I (IV/b)" in text


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("1985010120100110", "18 angka"),
        ("19851301 201001 1 001", "tanggal lahir"),
        ("19850101 201013 1 001", "bulan pengangkatan"),
        ("19850101 199001 1 001", "bulan pengangkatan"),  # appointed at 5
        ("19850101 201001 3 001", "1 (laki-laki) atau 2 (perempuan)"),
        ("19850101 201001 1 000", "nomor urut"),
        ("NIP 1985", "hanya berisi angka"),
        ("١٩٨٥٠١٠١٢٠١٠٠١١٠٠١", "hanya berisi angka"),  # Arabic-Indic digits
    ],
)
def test_a_nip_is_checked_for_its_structure(app, admin, issuer, typed, message):
    response = admin.post("/admin/penerbit/baru", data={**UNIT, "signatory_nip": typed})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_nip_printing():
    assert nip.pretty("198501012010011001") == "19850101 201001 1 001"
    assert nip.problem("19850101 201001 2 123") is None
    assert nip.pretty("123") == "123"


def test_two_signatories_print_side_by_side(app, admin, make_user, sample_course, issuer):
    second = {
        "signatory2_title": "Ketua Panitia Pelatihan",
        "signatory2_name": "Cut Nyak Dien",
        "signatory2_rank": "Penata (III/c)",
        "signatory2_nip": "199002022015032002",
    }
    missing = admin.post("/admin/penerbit/baru", data={**UNIT, "signatory2_name": "Cut"})
    assert missing.status_code == 400 and "wajib diisi" in missing.get_data(as_text=True)
    assert admin.post("/admin/penerbit/baru", data={**UNIT, **second}).status_code == 302
    with app.app_context():
        unit = db.session.scalar(select(Issuer).where(Issuer.code == "DISKOMINFO-BIR"))
        unit_id = unit.id
    admin.post(f"/admin/penerbit/{unit_id}/utama")
    user_id = make_user(login="lulusan@contoh.id", full_name="Siti Aminah")
    complete_course(app, user_id)
    trainee = app.test_client()
    trainee.post("/masuk", data={"login": "lulusan@contoh.id", "password": PASSWORD})
    trainee.post("/kursus/kursus-contoh/sertifikat", data={"full_name": "Siti Aminah"})
    with app.app_context():
        cert_id = db.session.scalar(select(Certificate.id))
    text = pdf_text(trainee.get(f"/sertifikat/{cert_id}/unduh").data)
    for printed in ("Ketua Panitia Pelatihan", "Cut Nyak Dien", "NIP 19900202 201503 2 002"):
        assert printed in text
    assert "Teuku Ahmad" in text


def test_valid_years_in_course_yaml(tmp_path):
    shutil.copytree(FIXTURES / "courses", tmp_path / "courses")
    course_yaml = tmp_path / "courses" / "kursus-contoh" / "course.yaml"
    original = course_yaml.read_text()
    course_yaml.write_text(original.replace("certificate:\n", "certificate:\n  valid_years: 3\n"))
    [course], problems = load_tree(tmp_path / "courses")
    assert not problems and course.certificate_valid_years == 3
    course_yaml.write_text(original.replace("certificate:\n", "certificate:\n  valid_years: 0\n"))
    _, problems = load_tree(tmp_path / "courses")
    assert any("valid_years" in str(p) for p in problems)


def test_an_expired_certificate_shows_expired_on_v(app, client, graduate, clock):
    with app.app_context():
        db.session.scalar(select(Course)).certificate_valid_years = 2
        db.session.commit()
    client.post("/kursus/kursus-contoh/sertifikat", data={"full_name": "Siti Aminah"})
    with app.app_context():
        cert = db.session.scalar(select(Certificate))
        code, cert_id, until = cert.code, cert.id, cert.valid_until
    assert until is not None and until.year == date.today().year + 2
    assert "Berlaku sampai" in pdf_text(client.get(f"/sertifikat/{cert_id}/unduh").data)
    page = client.get(f"/v/{code}").get_data(as_text=True)
    assert "Sertifikat sah" in page and "Berlaku sampai" in page
    clock.jump(days=366 * 2 + 2)
    response = client.get(f"/v/{code}")
    assert "Sertifikat ini sudah tidak berlaku" in response.get_data(as_text=True)
    assert client.get(f"/api/v1/certificates/{code}").get_json()["status"] == "expired"


def test_the_issued_signal_is_sent_once_per_issue(app, client, graduate, make_user):
    heard = []

    def listener(certificate, **_):
        heard.append(certificate.number)

    signals.certificate_issued.connect(listener)
    try:
        client.post("/kursus/kursus-contoh/sertifikat", data={"full_name": "Siti Aminah"})
        client.post("/kursus/kursus-contoh/sertifikat", data={"full_name": "Siti Aminah"})
        assert len(heard) == 1
        make_user(role="admin", login="admin@contoh.id")
        admin = app.test_client()
        admin.post("/masuk", data={"login": "admin@contoh.id", "password": PASSWORD})
        with app.app_context():
            cert_id = db.session.scalar(select(Certificate.id))
        admin.post(
            f"/admin/sertifikat/{cert_id}/terbitkan-ulang", data={"reissue-reason": "Nama salah"}
        )
        assert len(heard) == 2 and heard[0] != heard[1]
    finally:
        signals.certificate_issued.disconnect(listener)


def test_the_live_preview_answers_json(app, admin, issuer):
    response = admin.get(
        "/admin/penerbit/pratinjau-nomor?pattern=B-{seq}/{code}/{class}/{month:02d}/{year}"
        "&code=dk-bir&class=PP.00"
    )
    today = date.today()
    assert response.get_json() == {"number": f"B-1/DK-BIR/PP.00/{today.month:02d}/{today.year}"}
    bad = admin.get("/admin/penerbit/pratinjau-nomor?pattern={rahasia}&code=X")
    assert bad.status_code == 200 and bad.get_json() == {"number": None}
    page = admin.get("/admin/penerbit/baru").get_data(as_text=True)
    assert "number-preview.js" in page and "data-number-preview" in page
