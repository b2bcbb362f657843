"""Issue 11 at 360 px: printed links, the dashboard after a trainer's own action, revocation as
the trainee sees it, and the small layout faults."""

import re
import shutil

import pytest
from sqlalchemy import select, update

from lms.accounts import services as accounts
from lms.accounts.models import User
from lms.catalog.models import Course
from lms.certificates import services as certificate_services
from lms.extensions import db
from lms.quizzes.models import Quiz
from tests.conftest import complete_course

from .conftest import PASSWORD
from .helpers import make_cohort

pytestmark = pytest.mark.skipif(not shutil.which("chromium"), reason="needs Debian chromium")


def no_sideways_scroll(page) -> bool:
    return page.evaluate("() => document.scrollingElement.scrollWidth <= window.innerWidth")


def test_printed_links_use_the_configured_address_and_admins_are_warned(visit, live_app):
    """Item 15: the poster prints LMS_BASE_URL; an admin on another address sees a warning."""
    code, cohort_id = make_cohort(live_app, "Kelas Alamat")
    served = live_app.config["BASE_URL"]
    live_app.config["BASE_URL"] = "https://akademi.kominfo.example"
    try:
        trainer = visit()
        trainer.login("pelatih@contoh.id")
        trainer.goto(f"/kelas/{cohort_id}/poster")
        assert f"https://akademi.kominfo.example/gabung/{code}" in trainer.page.content()
        assert served not in trainer.page.inner_text("main")
        admin = visit()
        admin.login("admin@contoh.id")
        warning = admin.page.get_by_role("alert").filter(has_text="LMS_BASE_URL")
        assert warning.count() == 1 and served in warning.inner_text()
        assert no_sideways_scroll(admin.page)
        admin.shot("fix-15-base-url-warning")
    finally:
        live_app.config["BASE_URL"] = served
    admin.goto("/admin")
    assert admin.page.get_by_role("alert").filter(has_text="LMS_BASE_URL").count() == 0


def test_a_trainers_import_shows_on_the_cached_dashboard_at_once(visit, live_app, tmp_path):
    """Item 16: with the dashboard cached, the imported trainees are there right away."""
    _, cohort_id = make_cohort(live_app, "Kelas Cache")
    live_app.config["DASHBOARD_CACHE_SECONDS"] = 60
    try:
        v = visit()
        page = v.page
        v.login("pelatih@contoh.id")
        v.goto(f"/kelas/{cohort_id}")
        assert "Belum ada peserta" in page.content()
        csv = tmp_path / "peserta.csv"
        csv.write_text("nama;email\nTeuku Umar;teuku@contoh.id\n", encoding="utf-8-sig")
        page.get_by_role("link", name="Impor peserta").click()
        page.locator("input[type=file]").set_input_files(str(csv))
        page.get_by_role("button", name="Periksa berkas").click()
        page.wait_for_load_state()
        page.get_by_role("button", name=re.compile("Impor")).last.click()
        page.wait_for_load_state()
        page.get_by_role("link", name="Dasbor", exact=True).click()
        page.wait_for_load_state()
        assert "Teuku Umar" in page.content() and "Belum ada peserta" not in page.content()
        assert "Angka diperbarui pukul" in page.content()
        v.shot("fix-16-dashboard-after-import")
    finally:
        live_app.config["DASHBOARD_CACHE_SECONDS"] = 0


def test_a_revoked_certificate_is_not_claimed_again_from_the_phone(visit, live_app):
    """Item 17: after revocation the trainee's course page says so and offers no new claim;
    /v shows the date."""
    with live_app.app_context():
        user = accounts.create_user(
            full_name="Cut Meutia",
            login="cutmeutia@contoh.id",
            password=PASSWORD,
            province_code="11",
            regency_code="11.11",
            require_consent=False,
        )
        user_id = user.id
        course_id = db.session.scalar(select(Course.id).where(Course.slug == "kursus-contoh"))
        db.session.remove()
    complete_course(live_app, user_id)
    with live_app.app_context():
        cert = certificate_services.claim(
            db.session.get(User, user_id), db.session.get(Course, course_id), "Cut Meutia"
        )
        admin = db.session.scalar(select(User).where(User.email == "admin@contoh.id"))
        certificate_services.revoke(admin, cert, "Data kehadiran tidak sah")
        code = cert.code
        db.session.remove()
    v = visit()
    v.login("cutmeutia@contoh.id")
    v.goto("/kursus/kursus-contoh")
    content = v.page.content()
    assert "dicabut" in content and "Klaim sertifikat" not in content
    assert no_sideways_scroll(v.page)
    v.shot("fix-17-revoked-course-page")
    v.goto(f"/v/{code}")
    assert "Dicabut" in v.page.content() and re.search(r"pada \d+ \w+ 20\d\d", v.page.content())


def test_small_layout_faults_at_360_px(visit, live_app):
    """Item 24: a long quiz title stays inside its box, Keluar uses the page's font, and the
    admin's menu fits in two rows."""
    with live_app.app_context():
        db.session.execute(
            update(Quiz)
            .where(Quiz.key == "module:pengenalan")
            .values(title="Kuis Modul 1: Mengenal Kelompok Informasi Masyarakat dan ADINDA Lengkap")
        )
        quiz_id = db.session.scalar(select(Quiz.id).where(Quiz.key == "module:pengenalan"))
        db.session.commit()
        db.session.remove()
    admin = visit()
    admin.login("admin@contoh.id")
    page = admin.page
    admin.goto(f"/kursus/kursus-contoh/kuis/{quiz_id}")
    assert no_sideways_scroll(page)
    title = page.get_by_role("heading", level=1)
    box = title.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    fonts = page.evaluate(
        """() => [getComputedStyle(document.querySelector('header form button')).fontFamily,
                  getComputedStyle(document.querySelector('header nav a')).fontFamily]"""
    )
    assert fonts[0] == fonts[1]
    tops = page.evaluate(
        """() => [...document.querySelectorAll('header nav a, header nav button')]
                  .map(e => e.getBoundingClientRect().top)"""
    )
    rows = [t for i, t in enumerate(sorted(tops)) if i == 0 or t - sorted(tops)[i - 1] > 10]
    assert len(rows) <= 2, tops
    admin.shot("fix-24-admin-menu-and-quiz-title")
