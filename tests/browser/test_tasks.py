"""Practice tasks on a 360 px phone (issue 14): a cohort trainee hands in the news piece with a
photo, the trainer asks for a revision, the trainee resubmits, the trainer passes it, the
dashboard shows it and the certificate needs it; a self-paced trainee is reviewed by two peers."""

import re
import shutil

import pytest
from sqlalchemy import select

from lms.accounts import services as accounts
from lms.accounts.models import User
from lms.catalog import services as catalog
from lms.catalog.models import Course
from lms.extensions import db
from tests.conftest import complete_course, hand_in_task, jpeg_bytes

from .conftest import PASSWORD
from .helpers import make_cohort

pytestmark = pytest.mark.skipif(not shutil.which("chromium"), reason="needs Debian chromium")

NEWS = (
    "Warga Gampong Meunasah Baro bergotong royong membersihkan saluran air pada Minggu pagi "
    "(1/12). Kegiatan dipimpin Keuchik Ismail dan diikuti sekitar empat puluh warga. Saluran "
    "dibersihkan karena musim hujan tiba dan air sering meluap ke jalan desa. Menurut Ismail, "
    "kerja bakti akan diadakan setiap bulan."
)


def person(live_app, name, login, cohort_code=None):
    with live_app.app_context():
        user = accounts.create_user(
            full_name=name,
            login=login,
            password=PASSWORD,
            province_code="11",
            regency_code="11.11",
            require_consent=False,
        )
        user_id = user.id
        course = db.session.scalar(select(Course).where(Course.slug == "kursus-contoh"))
        catalog.enrol(user, course)
        if cohort_code:
            from lms.cohorts import services as cohorts

            cohorts.join(db.session.get(User, user_id), cohort_code)
        db.session.remove()
    return user_id


def no_sideways_scroll(page) -> bool:
    return page.evaluate("() => document.scrollingElement.scrollWidth <= window.innerWidth")


def test_a_cohort_trainee_hands_in_revises_and_passes(visit, live_app, tmp_path):
    code, cohort_id = make_cohort(live_app, "Kelas Jurnalisme Warga")
    trainee_id = person(live_app, "Teuku Umar", "teuku.umar@contoh.id", code)
    complete_course(live_app, trainee_id)  # lessons and quizzes: only the task is left
    with live_app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == "kursus-contoh"))
        course.certificate_requires = ["all_lessons", "module_quizzes", "final_exam", "tasks"]
        db.session.commit()
        enrolment = catalog.get_enrolment(db.session.get(User, trainee_id), course)
        enrolment.completed_at = None  # the task is now required
        db.session.commit()
        db.session.remove()
    photo = tmp_path / "kerja-bakti.jpg"
    photo.write_bytes(jpeg_bytes(size=(3000, 2000), gps=True))

    trainee = visit()
    page = trainee.page
    trainee.login("teuku.umar@contoh.id")
    trainee.goto("/kursus/kursus-contoh")
    assert (
        "Klaim sertifikat" not in page.content() and "lulus semua tugas praktik" in page.content()
    )
    page.get_by_role("link", name=re.compile("Tugas praktik: Tulis kabar desa")).click()
    page.get_by_label("Tulisan Anda").fill(NEWS)
    page.get_by_label(re.compile("Tambah foto")).set_input_files(str(photo))
    page.get_by_role("button", name="Simpan draf").click()
    page.wait_for_load_state()
    assert "Draf Anda sudah tersimpan" in page.content()
    assert page.locator("img[src*='/tugas/foto/']").count() == 1 and no_sideways_scroll(page)
    page.get_by_role("button", name="Kirim").click()
    page.wait_for_load_state()
    assert "Menunggu penilaian" in page.content()
    trainee.shot("task-01-handed-in")

    trainer = visit()
    tpage = trainer.page
    trainer.login("pelatih@contoh.id")
    trainer.goto(f"/kelas/{cohort_id}")
    tpage.get_by_role("link", name=re.compile("Tugas praktik \\(1 menunggu\\)")).click()
    tpage.get_by_role("link", name="Nilai").first.click()
    assert "Teuku Umar" in tpage.content() and no_sideways_scroll(tpage)
    trainer.shot("task-02-review-on-a-phone")
    tpage.get_by_label(re.compile("4 poin — Keenam unsur")).check()
    tpage.get_by_label(re.compile("0 poin — Foto tidak sesuai")).check()
    tpage.get_by_label("Komentar untuk kriteria ini (boleh dikosongkan)").last.fill(
        "Tambahkan keterangan foto: siapa, apa, di mana."
    )
    tpage.get_by_role("button", name="Perlu revisi").click()
    tpage.wait_for_load_state()
    assert "Penilaian sudah disimpan" in tpage.content()

    trainee.goto("/kursus/kursus-contoh")
    page.get_by_role("link", name=re.compile("Tugas praktik: Tulis kabar desa")).click()
    assert "Perlu revisi" in page.content()
    assert "Tambahkan keterangan foto: siapa, apa, di mana." in page.content()
    trainee.shot("task-03-revision")
    page.get_by_label("Tulisan Anda").fill(
        NEWS + " Foto: warga membersihkan saluran di depan meunasah."
    )
    page.get_by_role("button", name="Kirim").click()
    page.wait_for_load_state()
    assert "Menunggu penilaian" in page.content() and "Kiriman ke-1" in page.content()

    trainer.goto(f"/kelas/{cohort_id}/tugas")
    tpage.get_by_role("link", name="Nilai").first.click()
    assert "Kiriman sebelumnya" in tpage.content()
    tpage.get_by_label(re.compile("4 poin — Keenam unsur")).check()
    tpage.get_by_label(re.compile("2 poin — Foto sesuai")).check()
    tpage.get_by_role("button", name="Lulus").click()
    tpage.wait_for_load_state()
    trainer.goto(f"/kelas/{cohort_id}")
    row = tpage.locator("tr", has_text="Teuku Umar")
    assert "1/1" in row.inner_text()
    trainer.shot("task-04-dashboard")

    trainee.goto("/kursus/kursus-contoh")
    assert "Kursus selesai!" in page.content()
    page.get_by_role("link", name="Klaim sertifikat").click()
    page.get_by_role("button", name="Klaim sertifikat").click()
    page.wait_for_url(re.compile(r"/sertifikat$"))
    assert "Unduh PDF" in page.content()
    with live_app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == "kursus-contoh"))
        course.certificate_requires = ["all_lessons", "module_quizzes", "final_exam"]
        db.session.commit()
        db.session.remove()


def test_a_self_paced_trainee_is_reviewed_by_two_peers(visit, live_app, tmp_path):
    ani = person(live_app, "Ani Mandiri", "ani.mandiri@contoh.id")
    budi = person(live_app, "Budi Mandiri", "budi.mandiri@contoh.id")
    cici = person(live_app, "Cici Mandiri", "cici.mandiri@contoh.id")
    photo = tmp_path / "warung.png"
    photo.write_bytes(jpeg_bytes(size=(1200, 900), fmt="PNG"))

    v = visit()
    page = v.page
    v.login("ani.mandiri@contoh.id")
    v.goto("/kursus/kursus-contoh")
    page.get_by_role("link", name=re.compile("Tugas praktik: Tulis kabar desa")).click()
    page.get_by_label("Tulisan Anda").fill(NEWS)
    page.get_by_label(re.compile("Tambah foto")).set_input_files(str(photo))
    page.get_by_role("button", name="Kirim").click()
    page.wait_for_load_state()
    assert "Menunggu penilaian" in page.content()
    for user_id in (budi, cici):
        hand_in_task(live_app, user_id, words=40)

    for login in ("budi.mandiri@contoh.id", "cici.mandiri@contoh.id"):
        reviewer = visit()
        rpage = reviewer.page
        reviewer.login(login)
        reviewer.goto("/belajar")
        rpage.get_by_role("link", name=re.compile("menunggu penilaian Anda")).click()
        links = rpage.get_by_role("link", name=re.compile("Nilai karya"))
        for _ in range(links.count()):
            rpage.get_by_role("link", name=re.compile("Nilai karya")).first.click()
            content = rpage.content()
            assert "Ani" not in content and "ani.mandiri" not in content  # anonymous
            rpage.get_by_label(re.compile("4 poin — Keenam unsur")).check()
            rpage.get_by_label(re.compile("2 poin — Foto sesuai")).check()
            rpage.get_by_label("Komentar umum").fill("Sudah lengkap dan jelas.")
            assert no_sideways_scroll(rpage)
            rpage.get_by_role("button", name="Kirim penilaian saya").click()
            rpage.wait_for_load_state()
        reviewer.shot(f"task-peer-{login.split('.')[0]}")

    v.goto("/kursus/kursus-contoh")
    page.get_by_role("link", name=re.compile("Tugas praktik: Tulis kabar desa")).click()
    if "Nilailah dulu" in page.content():  # Ani was asked to review too: she does so first
        while page.get_by_role("link", name=re.compile("Nilai karya")).count():
            page.get_by_role("link", name=re.compile("Nilai karya")).first.click()
            page.get_by_label(re.compile("2 poin — Satu atau dua")).check()
            page.get_by_label(re.compile("2 poin — Foto sesuai")).check()
            page.get_by_role("button", name="Kirim penilaian saya").click()
            page.wait_for_load_state()
            v.goto("/kursus/kursus-contoh")
            page.get_by_role("link", name=re.compile("Tugas praktik: Tulis kabar desa")).click()
    assert "Lulus" in page.content() and "Penilaian dari sesama peserta" in page.content()
    assert "Budi" not in page.content() and "Cici" not in page.content()
    v.shot("task-peer-result")
    assert ani and cici
