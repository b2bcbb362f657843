"""Journeys through the real app in a phone-sized Chromium window."""

import re
import shutil
import subprocess

import pytest
from sqlalchemy import select

from lms.accounts import services as accounts
from lms.accounts.models import User
from lms.catalog.models import Course
from lms.certificates import services as certificate_services
from lms.extensions import db
from tests.conftest import complete_course

from .helpers import answer_quiz, make_cohort

pytestmark = pytest.mark.skipif(not shutil.which("chromium"), reason="needs Debian chromium")


def register(v, name, login, navigate=True):
    page = v.page
    if navigate:
        v.goto("/daftar")
    page.get_by_label("Nama lengkap").fill(name)
    page.get_by_label("Email atau nomor HP").fill(login)
    page.get_by_label("Provinsi").select_option(label="Aceh")
    page.get_by_role("button", name="Tampilkan kabupaten/kota").click()
    page.get_by_label("Kabupaten/kota").select_option(label="Kabupaten Bireuen")
    page.get_by_label("Kata sandi").fill("kopi-gayo-2026")  # below the region: never lost
    page.get_by_label("Saya sudah membaca dan menyetujui pemberitahuan privasi").check()
    page.get_by_role("button", name="Daftar", exact=True).click()
    page.wait_for_load_state()


def test_trainee_from_registration_to_a_verified_certificate(visit, live_app, tmp_path):
    code, _ = make_cohort(live_app)
    v = visit()
    page = v.page
    v.goto(f"/gabung/{code}")
    page.get_by_role("link", name="Daftar").last.click()
    page.wait_for_url(re.compile(r"/daftar"))
    register(v, "Cut Nyak Meutia", "0813 1111 2222", navigate=False)
    v.shot("trainee-01-after-register")
    # Registering from the join link comes back to it: one button joins and enrols.
    page.wait_for_url(re.compile(r"/gabung/"))
    page.get_by_role("button", name="Gabung kelas pelatihan ini").click()
    page.wait_for_load_state()
    v.goto("/kursus/kursus-contoh")
    page.get_by_role("link", name=re.compile("Mulai pelajaran pertama")).click()
    page.wait_for_url(re.compile(r"/pelajaran/"))
    v.shot("trainee-02-lesson")
    for _ in range(3):
        page.get_by_role("button", name=re.compile("Tandai selesai")).click()
        page.wait_for_load_state()
    assert "Anda sudah menyelesaikan semua pelajaran" in page.content()

    page.get_by_role("link", name="Kuis Modul 1").click()
    page.get_by_role("button", name=re.compile("Mulai percobaan")).click()
    page.wait_for_url(re.compile(r"/percobaan/\d+"))
    v.shot("trainee-03-quiz")
    answer_quiz(live_app, page, correct=True)
    assert "Lulus" in page.content()
    v.shot("trainee-04-quiz-result")

    v.goto("/kursus/kursus-contoh")
    page.get_by_role("link", name="Ujian Akhir Kursus Contoh").click()
    page.get_by_role("button", name="Mulai percobaan 1").click()
    answer_quiz(live_app, page, correct=False)
    assert "Tidak lulus" in page.content()
    page.get_by_role("link", name="Kembali ke kuis").click()
    assert "Sisa percobaan: 2 dari 3" in page.content()
    page.get_by_role("button", name="Mulai percobaan 2").click()
    answer_quiz(live_app, page, correct=True)
    assert "Lulus" in page.content()

    v.goto("/kursus/kursus-contoh")
    assert "Kursus selesai!" in page.content()
    page.get_by_role("link", name="Klaim sertifikat").click()
    assert page.get_by_label("Nama yang dicetak di sertifikat").input_value() == "Cut Nyak Meutia"
    page.get_by_role("button", name="Klaim sertifikat").click()
    page.wait_for_url(re.compile(r"/sertifikat$"))
    v.shot("trainee-05-certificates")

    with page.expect_download() as download:
        page.get_by_role("link", name="Unduh PDF").click()
    pdf = tmp_path / "sertifikat.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    if not (shutil.which("pdftoppm") and shutil.which("zbarimg")):
        pytest.skip("poppler-utils and zbar-tools are installed by `make test`")
    subprocess.run(["pdftoppm", "-r", "100", "-png", pdf, tmp_path / "p"], check=True)
    decoded = subprocess.run(
        ["zbarimg", "-q", "--raw", next(tmp_path.glob("p*.png"))],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert decoded.startswith(v.base_url + "/v/")
    anonymous = visit()
    anonymous.goto(decoded)
    assert "Sertifikat sah" in anonymous.page.content()
    assert "Cut Nyak Meutia" in anonymous.page.content()
    anonymous.shot("public-verification-valid")


def test_keyboard_only_quiz(visit, live_app):
    v = visit()
    page = v.page
    register(v, "Teuku Umar", "0813 3333 4444")
    v.goto("/kursus/kursus-contoh")
    page.get_by_role("button", name="Ikuti kursus ini").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/pelajaran/"))
    v.goto("/kursus/kursus-contoh")
    page.get_by_role("link", name="Kuis Modul 1").focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    page.get_by_role("button", name=re.compile("Mulai percobaan")).focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/percobaan/\d+"))
    # Tab through the whole form: every control must be reachable, in order.
    reached = []
    for _ in range(60):
        page.keyboard.press("Tab")
        label = page.evaluate(
            "() => { const e = document.activeElement; if (!e) return '';"
            " return (['BUTTON', 'A'].includes(e.tagName) ? e.textContent : e.name || '').trim() }"
        )
        reached.append(label)
        if label == "Kumpulkan jawaban":
            break
    assert "Kumpulkan jawaban" in reached
    assert any(name.startswith("q-") for name in reached)
    # Answer with the keyboard only: Space on radios and checkboxes, typing, arrow keys in selects.
    from .helpers import attempt_paper

    paper = attempt_paper(live_app, page)
    for q in paper:
        group = page.get_by_role("group", name=re.compile(re.escape(q["prompt"][:30])))
        if q["type"] == "short_answer":
            group.get_by_label("Jawaban Anda").focus()
            page.keyboard.type(q["answers"][0])
        elif q["type"] == "matching":
            for i, key in enumerate(q["key"]):
                select = group.get_by_label(q["left"][i], exact=True)
                select.focus()
                options = [o.get_attribute("value") for o in select.locator("option").all()]
                for _ in range(options.index(key)):
                    page.keyboard.press("ArrowDown")
        else:
            if q["type"] == "true_false":
                targets = ["Benar" if q["answer"] else "Salah"]
            else:
                targets = [o["text"] for o in q["options"] if o["correct"]]
            for text in targets:
                group.get_by_label(text, exact=True).focus()
                page.keyboard.press("Space")
    page.get_by_role("button", name="Kumpulkan jawaban").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/hasil$"))
    assert "Nilai: 5,0 dari 5 (100%)" in page.content()


def test_admin_adds_an_issuer_and_revokes_a_certificate(visit, live_app):
    with live_app.app_context():
        user = accounts.create_user(
            full_name="Pocut Baren",
            login="pocut@contoh.id",
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
        user = db.session.get(User, user_id)
        cert = certificate_services.claim(user, db.session.get(Course, course_id), "Pocut Baren")
        code, number = cert.code, cert.number
        db.session.remove()

    v = visit()
    page = v.page
    v.login("admin@contoh.id")
    page.get_by_role("link", name="Unit penerbit").first.click()
    page.get_by_role("link", name="Unit penerbit baru").click()
    page.get_by_label("Nama unit").fill(
        "Dinas Komunikasi, Informatika dan Persandian Kabupaten Bireuen"
    )
    page.get_by_label("Kode singkat").fill("DISKOMINFO-BIR")
    page.get_by_label("Kota (dicetak sebelum tanggal)").fill("Bireuen")
    page.get_by_label("Nama penanda tangan").fill("Teuku Ahmad")
    page.get_by_label("Jabatan penanda tangan").fill("Kepala Dinas")
    page.get_by_label("NIP penanda tangan").fill("197001012000031001")
    page.get_by_role("button", name="Simpan").click()
    page.wait_for_url(re.compile(r"/admin/penerbit$"))
    assert "Teuku Ahmad" in page.content()
    v.shot("admin-01-issuers")

    page.get_by_role("link", name="Admin", exact=True).click()
    page.get_by_role("link", name="Sertifikat", exact=True).first.click()
    page.get_by_label("Cari berdasarkan nama, nomor, atau kode").fill("Pocut")
    page.get_by_role("button", name="Cari").click()
    page.get_by_role("link", name=number).click()
    page.locator("form", has=page.get_by_role("button", name="Cabut sertifikat")).get_by_label(
        "Alasan"
    ).fill("Peserta tidak mengikuti pelatihan tatap muka")
    page.get_by_role("button", name="Cabut sertifikat").click()
    page.wait_for_load_state()
    assert "sudah dicabut" in page.content()
    v.shot("admin-02-revoked")

    public = visit()
    public.goto(f"/v/{code}")
    assert "Sertifikat ini sudah dicabut" in public.page.content()
    assert "Peserta tidak mengikuti pelatihan tatap muka" in public.page.content()


def test_trainer_runs_a_cohort(visit, live_app, tmp_path):
    v = visit()
    page = v.page
    v.login("pelatih@contoh.id")
    page.get_by_role("link", name="Kelas pelatihan").first.click()
    page.get_by_role("link", name="Buat kelas pelatihan").click()
    page.get_by_label("Nama kelas pelatihan").fill("Pemasaran Digital UMKM Bireuen")
    page.get_by_label("Kursus").select_option(label="Kursus Contoh")
    page.get_by_label("Tanggal mulai").fill("2026-11-02")
    page.get_by_label("Tanggal selesai").fill("2026-11-30")
    page.get_by_label("Tempat").fill("Aula Diskominfo Bireuen")
    page.get_by_label("Unit penyelenggara").fill("Dinas Kominfo Kabupaten Bireuen")
    page.get_by_label("Provinsi").select_option(label="Aceh")
    page.get_by_role("button", name="Tampilkan kabupaten/kota").click()
    page.get_by_label("Kabupaten/kota").select_option(label="Kabupaten Bireuen")
    page.get_by_role("button", name="Simpan").click()
    page.wait_for_load_state()
    assert "Pemasaran Digital UMKM Bireuen" in page.content()

    page.get_by_role("link", name="Poster").click()
    v.shot("trainer-01-poster")
    assert page.locator("svg").count() >= 1

    csv = tmp_path / "peserta.csv"
    rows = ["nama;email;telepon"] + [f"Peserta {i};peserta{i}@contoh.id;" for i in range(30)]
    csv.write_text("\n".join(rows) + "\n", encoding="utf-8-sig")
    page.get_by_role("link", name="Impor peserta").click()
    page.get_by_label("Berkas CSV atau XLSX daftar peserta").set_input_files(str(csv))
    page.get_by_role("button", name="Periksa berkas").click()
    page.wait_for_load_state()
    v.shot("trainer-02-import-preview")
    page.get_by_role("button", name="Impor peserta ini").click()
    page.wait_for_load_state()
    assert page.content().count("/atur-kata-sandi/") >= 30
    v.shot("trainer-03-links")

    page.get_by_role("link", name="Dasbor", exact=True).click()
    assert "Peserta 29" in page.content()
    v.shot("trainer-04-dashboard")
    page.get_by_label("Status").select_option(index=1)
    page.get_by_role("button", name="Tampilkan").click()
    page.wait_for_load_state()
    # Semicolons by default in Indonesian (what Excel Indonesia opens); commas on request.
    assert page.get_by_label("Pemisah").input_value() == "titik-koma"
    with page.expect_download() as download:
        page.get_by_role("button", name="Unduh CSV").click()
    exported = tmp_path / "ekspor.csv"
    download.value.save_as(exported)
    text = exported.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("Nama;Email;")
    page.get_by_label("Pemisah").select_option(label="koma")
    with page.expect_download() as download:
        page.get_by_role("button", name="Unduh CSV").click()
    download.value.save_as(exported)
    assert exported.read_text(encoding="utf-8-sig").splitlines()[0].startswith("Nama,Email,")
