"""Course authoring on a 360 px phone (issue 13): an admin makes a trainer an author for Dinas
Kominfo Bireuen; the author copies the hoax course, adds a local lesson with a photo and a quiz
question of each type, and publishes; a trainee of the unit's cohort reads the lesson and takes
the quiz; a trainee of another unit gets "not found"; the exported ZIP passes `courses check`."""

import io
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from lms.accounts import services as accounts
from lms.accounts.models import User
from lms.catalog.models import Course
from lms.cohorts import services as cohorts
from lms.content.loader import load_tree
from lms.content.sync import sync
from lms.extensions import db
from lms.issuers.models import Issuer
from tests.conftest import cohort_form, jpeg_bytes

from .conftest import PASSWORD
from .helpers import answer_quiz, attempt_paper

pytestmark = pytest.mark.skipif(not shutil.which("chromium"), reason="needs Debian chromium")

COURSES = Path(__file__).resolve().parents[2] / "courses"
HOAX = "cek-fakta-hoaks"
LESSON = "Hoaks banjir di grup WhatsApp Bireuen"
QUESTIONS = {
    "satu jawaban": "Langkah pertama saat menerima foto banjir yang mencurigakan?",
    "beberapa jawaban": "Mana saja tanda sebuah foto mungkin foto lama?",
    "benar atau salah": "Foto yang dibagikan banyak orang pasti benar.",
    "jawaban singkat": "Sebutkan layanan pencarian gambar terbalik milik Google.",
    "menjodohkan": "Pasangkan contoh dengan jenis hoaksnya.",
}


def no_sideways_scroll(page) -> bool:
    return page.evaluate("() => document.scrollingElement.scrollWidth <= window.innerWidth")


@pytest.fixture
def hoax_course(live_app):
    """The shipped hoax course imported from courses/ (read-only in the browser), and two units."""
    courses, problems = load_tree(COURSES)
    assert not problems
    original_dir = live_app.config["COURSES_DIR"]
    live_app.config["COURSES_DIR"] = str(COURSES)
    with live_app.app_context():
        sync([c for c in courses if c.slug == HOAX], hide_missing=False)
        for name, code in (
            ("Dinas Kominfo Bireuen", "DKBIR"),
            ("Dinas Kominfo Aceh Besar", "DKACB"),
        ):
            db.session.add(
                Issuer(
                    name=name,
                    code=code,
                    signatory_name="Teuku Ahmad, S.Kom.",
                    signatory_title="Kepala Dinas",
                    signatory_nip="197501012000031001",
                    city="Bireuen",
                )
            )
        db.session.commit()
        db.session.remove()
    yield next(c for c in courses if c.slug == HOAX)
    live_app.config["COURSES_DIR"] = original_dir
    with live_app.app_context():  # later tests see the catalogue they expect
        for course in db.session.scalars(select(Course).where(Course.slug.like("cek-fakta-%"))):
            course.hidden = True
        db.session.commit()
        db.session.remove()


def trainee_in_unit(live_app, name, login, unit_code, course_slug):
    """A trainee who joined a cohort of `unit_code` run by the demo trainer."""
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
        trainer = db.session.scalar(select(User).where(User.email == "pelatih@contoh.id"))
        course = db.session.scalar(select(Course).where(Course.slug == course_slug))
        unit = db.session.scalar(select(Issuer).where(Issuer.code == unit_code))
        cohort = cohorts.create_cohort(
            trainer,
            cohorts.CohortInput(
                **cohort_form(
                    course=str(course.id),
                    issuer=str(unit.id),
                    name=f"Kelas {name}",
                    ends_on="2027-01-31",
                )
            ),
        )
        cohorts.join(db.session.get(User, user_id), cohort.join_code)
        db.session.remove()
    return user_id


def add_question(page, kind, prompt):
    page.get_by_role("link", name=kind, exact=True).click()
    page.get_by_label("Soal", exact=True).fill(prompt)
    rows = page.locator(".option-row")
    if kind in ("satu jawaban", "beberapa jawaban"):
        texts = {
            "satu jawaban": ["Cari sumber aslinya dulu", "Langsung teruskan ke grup"],
            "beberapa jawaban": [
                "Cuaca di foto tidak cocok",
                "Papan nama toko sudah tidak ada",
                "Fotonya berwarna",
            ],
        }[kind]
        for i, text in enumerate(texts):
            page.get_by_label(f"Pilihan {i + 1}", exact=True).fill(text)
        for i in (0,) if kind == "satu jawaban" else (0, 1):
            rows.nth(i).get_by_label("benar", exact=True).check()
    elif kind == "benar atau salah":
        page.get_by_label("Salah", exact=True).check()
    elif kind == "jawaban singkat":
        page.get_by_label(re.compile("Jawaban yang diterima")).fill("Google Lens\nGoogle Gambar")
    else:
        pairs = [
            ("Foto banjir 2018 dibagikan sebagai banjir hari ini", "Konteks yang salah"),
            ("Akun palsu memakai foto bupati", "Konten tiruan"),
        ]
        for i, (left, right) in enumerate(pairs):
            page.get_by_label(f"Kiri {i + 1}", exact=True).fill(left)
            page.get_by_label(f"Kanan {i + 1}", exact=True).fill(right)
    page.get_by_label(re.compile("Penjelasan")).fill("Periksa dulu sebelum membagikan.")
    assert no_sideways_scroll(page)
    page.get_by_role("button", name="Simpan soal").click()
    page.wait_for_load_state()
    assert prompt in page.content(), page.content()


def test_an_author_copies_adapts_and_publishes_for_the_unit(visit, live_app, hoax_course, tmp_path):
    # The admin makes the demo trainer a course author for Dinas Kominfo Bireuen.
    admin = visit()
    admin.login("admin@contoh.id")
    admin.goto("/admin/pengguna?q=pelatih")
    admin.page.get_by_label("Unit tempat Demo trainer menulis kursus").select_option(
        label="Dinas Kominfo Bireuen"
    )
    admin.page.locator("form[action$='/penulis']").get_by_role("button", name="Simpan").click()
    admin.page.wait_for_load_state()
    assert "Dinas Kominfo Bireuen" in admin.page.content()

    author = visit()
    page = author.page
    author.login("pelatih@contoh.id")
    author.goto("/kelas")
    page.get_by_role("link", name="Penulisan kursus").click()
    assert "Dinas Kominfo Bireuen" in page.content() and no_sideways_scroll(page)
    copy = page.locator("form", has=page.get_by_role("button", name="Salin ke unit saya"))
    copy.get_by_label("Kursus yang disalin").select_option(label=hoax_course.title)
    copy.get_by_label("Judul").fill("Cek Fakta Bireuen")
    copy.get_by_label(re.compile("Alamat")).fill("cek-fakta-bireuen")
    copy.get_by_role("button", name="Salin ke unit saya").click()
    page.wait_for_url(re.compile(r"/penulis/kursus/\d+$"))
    course_url = page.url
    author.shot("authoring-01-draft")
    assert no_sideways_scroll(page)

    # A local lesson with a photo, in the first module.
    first = hoax_course.modules[0]
    page.get_by_role("link", name=first.title).click()
    photo = tmp_path / "banjir-bireuen.jpg"
    photo.write_bytes(jpeg_bytes(size=(2400, 1800), gps=True))
    page.get_by_label("Gambar", exact=True).set_input_files(str(photo))
    page.get_by_role("button", name="Unggah").click()
    page.wait_for_load_state()
    markdown = page.get_by_label("Markdown gambar").input_value()
    assert markdown.startswith("![") and ".jpg)" in markdown
    page.get_by_label("Judul pelajaran baru").fill(LESSON)
    page.get_by_role("button", name="Tambah pelajaran").click()
    page.wait_for_url(re.compile(r"/pelajaran/"))
    body = (
        "Pekan lalu sebuah foto banjir beredar di grup WhatsApp warga Bireuen.\n\n"
        f"{markdown}\n\n"
        "## Praktik\n\nCari foto itu dengan pencarian gambar terbalik, catat tanggal aslinya.\n\n"
        "## Rangkuman\n\nFoto lama sering dibagikan ulang sebagai kejadian baru.\n"
    )
    page.get_by_label(re.compile("Teks \\(Markdown")).fill(body)
    page.get_by_role("button", name="Pratinjau").click()
    page.wait_for_load_state()
    preview = page.locator(".preview-box")
    assert "Foto lama sering dibagikan ulang" in preview.inner_text()
    assert preview.locator("img").evaluate("i => i.complete && i.naturalWidth > 0")
    assert no_sideways_scroll(page)
    author.shot("authoring-02-preview")
    page.get_by_role("button", name="Simpan di draf").click()
    page.wait_for_load_state()

    # One question of each type in the first module's quiz, every question on every paper.
    page.goto(course_url)
    page.get_by_role("link", name=first.title).click()
    page.get_by_role("link", name="Kuis modul", exact=True).click()
    page.get_by_label(re.compile("Soal per percobaan")).fill("")
    page.get_by_role("button", name="Simpan pengaturan").click()
    page.wait_for_load_state()
    for kind, prompt in QUESTIONS.items():
        add_question(page, kind, prompt)
    author.shot("authoring-03-quiz")

    page.goto(course_url)
    page.get_by_role("link", name="Terbitkan", exact=True).click()
    summary = page.content()
    assert "Pelajaran" in summary and LESSON in summary
    author.shot("authoring-04-publish")
    page.get_by_role("button", name="Terbitkan").click()
    page.wait_for_load_state()
    with live_app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == "cek-fakta-bireuen"))
        assert not course.hidden and course.visibility == "unit"
        assert db.session.get(Issuer, course.issuer_id).code == "DKBIR"
        db.session.remove()

    # A trainee of the unit's cohort reads the lesson and takes the quiz.
    trainee_in_unit(live_app, "Cut Nyak Dhien", "cut.nyak@contoh.id", "DKBIR", "cek-fakta-bireuen")
    trainee = visit()
    tpage = trainee.page
    trainee.login("cut.nyak@contoh.id")
    trainee.goto("/kursus/cek-fakta-bireuen")
    tpage.get_by_role("link", name=LESSON).click()
    assert "beredar di grup WhatsApp warga Bireuen" in tpage.content()
    assert tpage.locator("article img, main img").first.evaluate(
        "i => i.complete && i.naturalWidth > 0"
    )
    assert no_sideways_scroll(tpage)
    trainee.shot("authoring-05-trainee-lesson")
    trainee.goto("/kursus/cek-fakta-bireuen")
    quiz_title = next(q for q in [first.quiz] if q).title
    tpage.get_by_role("link", name=quiz_title).click()
    tpage.get_by_role("button", name=re.compile("Mulai percobaan")).click()
    tpage.wait_for_url(re.compile(r"/percobaan/\d+"))
    prompts = {q["prompt"] for q in attempt_paper(live_app, tpage)}
    assert set(QUESTIONS.values()) <= prompts
    answer_quiz(live_app, tpage)
    assert "Lulus" in tpage.content()
    trainee.shot("authoring-06-quiz-result")

    # Another unit's trainee is told the course does not exist.
    trainee_in_unit(live_app, "Ali Hasjmy", "ali.hasjmy@contoh.id", "DKACB", HOAX)
    other = visit()
    other.login("ali.hasjmy@contoh.id")
    assert other.page.goto("/kursus/cek-fakta-bireuen").status == 404
    assert "Cek Fakta Bireuen" not in other.page.goto("/kursus").text()

    # The export passes the loader's checks (what `courses check` runs).
    author.goto(course_url)
    with page.expect_download() as download:
        page.get_by_role("link", name="Ekspor ZIP").click()
    target = tmp_path / "export"
    zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes())).extractall(target)
    exported, problems = load_tree(target)
    assert problems == [] and [c.slug for c in exported] == ["cek-fakta-bireuen"]
    assert LESSON in [lesson.title for lesson in exported[0].modules[0].lessons]
