"""Offline reading in Chromium at 360 px (issue 17): save a course, read and complete lessons
with no connection, the completion reaches the server exactly once, an updated course offers
the update, signing out removes the saved copy, a module downloads as a PDF."""

import io
import json
import re
import shutil
import subprocess
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lms.accounts import services as accounts
from lms.catalog import services as catalog
from lms.catalog.models import Course, Lesson, LessonProgress, Module
from lms.extensions import db

from .conftest import PASSWORD, PHONE

pytestmark = pytest.mark.skipif(not shutil.which("chromium"), reason="needs Debian chromium")
SLUG = "kursus-contoh"


class SyncLog:
    """Records every completion sent to the server from a device (a WSGI wrapper)."""

    def __init__(self, app):
        self.app, self.inner, self.bodies = app, app.wsgi_app, []

    def __call__(self, environ, start_response):
        if environ["PATH_INFO"] == "/offline/selesai" and environ["REQUEST_METHOD"] == "POST":
            size = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(size)
            self.bodies.append(json.loads(body or b"null"))
            environ["wsgi.input"] = io.BytesIO(body)
        return self.inner(environ, start_response)

    def sent(self, lesson_id) -> int:
        return sum(1 for b in self.bodies for c in b["completions"] if c["lesson"] == lesson_id)


@pytest.fixture
def sync_log(live_app):
    log = SyncLog(live_app)
    live_app.wsgi_app = log
    yield log
    live_app.wsgi_app = log.inner


def trainee(live_app, login):
    with live_app.app_context():
        user = accounts.create_user(
            full_name="Cut Nyak Dhien",
            login=login,
            password=PASSWORD,
            province_code="11",
            regency_code="11.11",
            require_consent=False,
        )
        course = db.session.scalar(select(Course).where(Course.slug == SLUG))
        catalog.enrol(user, course)
        lessons = db.session.execute(
            select(Lesson.id, Lesson.title)
            .join(Module, Module.id == Lesson.module_id)
            .where(Lesson.course_id == course.id)
            .order_by(Module.position, Lesson.position)
        ).all()
        user_id = user.id
        db.session.remove()
    return user_id, [tuple(r) for r in lessons]


@pytest.fixture
def phone(browser, live_server):
    """A phone-sized tab with service workers on (the browser's own cache left as it is)."""
    context = browser.new_context(viewport=PHONE, base_url=live_server, locale="id-ID")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield context, page
    context.close()
    assert errors == []


def sign_in(page, login):
    page.goto("/masuk")
    page.get_by_label("Email atau nomor HP").fill(login)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_load_state()


def save_course(page):
    page.goto(f"/kursus/{SLUG}")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # now under the service worker's control
    panel = page.locator("#offline-save")
    panel.wait_for(state="visible")
    assert re.search(r"± \d+ KB untuk 3 pelajaran", panel.inner_text())
    panel.get_by_role("button", name="Simpan untuk offline").click()
    panel.get_by_text("Tersimpan di perangkat ini").wait_for()
    return panel


def saved_caches(page) -> list[str]:
    return page.evaluate(
        "caches.keys().then(keys => keys.filter(k => k.startsWith('lms-course-')))"
    )


def progress_of(live_app, user_id) -> list:
    with live_app.app_context():
        rows = db.session.scalars(
            select(LessonProgress.lesson_id).where(LessonProgress.user_id == user_id)
        ).all()
        db.session.remove()
    return list(rows)


def test_a_course_saved_offline_is_read_and_completed_without_a_signal(live_app, phone, sync_log):
    context, page = phone
    user_id, lessons = trainee(live_app, "offline1@contoh.id")
    sign_in(page, "offline1@contoh.id")
    save_course(page)
    assert saved_caches(page) == [f"lms-course-{SLUG}"]
    # Installable to the home screen: Chromium finds nothing missing in the manifest.
    cdp = context.new_cdp_session(page)
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["errors"] == [] and '"Akademi KIM"' in manifest["data"]
    problems = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    assert [p["errorId"] for p in problems if p["errorId"] != "in-incognito"] == []

    context.set_offline(True)
    for lesson_id, title in lessons:  # three lessons, straight from a bookmarked address
        assert page.goto(f"/kursus/{SLUG}/pelajaran/{lesson_id}").from_service_worker
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        assert page.get_by_text("Anda sedang offline").is_visible()
    page.screenshot(path=str(shot("offline-01-lesson")), full_page=True)
    # The course page too, and its links lead to the saved lessons.
    page.goto(f"/kursus/{SLUG}")
    page.get_by_text("Tersimpan di perangkat ini").wait_for()  # the saved copy's panel
    link = page.get_by_role("link", name=lessons[1][1])
    assert link.get_attribute("href") == f"/kursus/{SLUG}/pelajaran/{lessons[1][0]}"
    page.goto(link.get_attribute("href"))
    page.get_by_role("button", name=re.compile("Tandai selesai")).click()
    page.wait_for_url(re.compile(rf"/pelajaran/{lessons[2][0]}$"))  # on to the next lesson
    waiting = page.locator("#offline-waiting")
    assert waiting.is_visible() and lessons[1][1] in waiting.inner_text()
    page.screenshot(path=str(shot("offline-02-waiting")), full_page=True)
    assert progress_of(live_app, user_id) == [] and sync_log.bodies == []
    # A page that was not saved: the offline page, which lists what is saved.
    page.goto("/sertifikat")
    assert "Halaman ini tidak tersimpan" in page.content()
    page.get_by_role("link", name="Kursus Contoh").wait_for()
    page.goto(f"/kursus/{SLUG}/pelajaran/{lessons[2][0]}")

    context.set_offline(False)  # the saved copy gives way to the live page, which sends
    page.wait_for_selector("body[data-user]")
    page.wait_for_function("() => !localStorage.getItem('lms-offline-queue')")
    page.get_by_text("Tanda selesai yang dibuat saat offline sudah terkirim: 1.").wait_for()
    assert progress_of(live_app, user_id) == [lessons[1][0]]
    assert sync_log.sent(lessons[1][0]) == 1
    page.goto(f"/kursus/{SLUG}")
    assert "Kemajuan Anda: 1 dari 3 pelajaran" in page.content()
    page.goto("/belajar")
    page.reload()
    assert sync_log.sent(lessons[1][0]) == 1  # exactly once
    assert progress_of(live_app, user_id) == [lessons[1][0]]


def test_an_updated_course_offers_the_update_and_signing_out_removes_the_copy(live_app, phone):
    context, page = phone
    _, lessons = trainee(live_app, "offline2@contoh.id")
    sign_in(page, "offline2@contoh.id")
    panel = save_course(page)
    # The course is published again with a changed lesson.
    with live_app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == SLUG))
        lesson = db.session.get(Lesson, lessons[0][0])
        lesson.title = "Apa itu KIM? (edisi baru)"
        course.updated_at = course.updated_at + timedelta(minutes=1)
        db.session.commit()
        db.session.remove()
    try:
        page.reload()
        panel.get_by_text("Versi baru kursus ini sudah terbit.").wait_for()
        assert not panel.get_by_text("Tersimpan di perangkat ini").is_visible()
        page.screenshot(path=str(shot("offline-03-update")), full_page=True)
        panel.get_by_role("button", name=re.compile("Perbarui salinan tersimpan")).click()
        panel.get_by_text("Tersimpan di perangkat ini").wait_for()
        context.set_offline(True)
        page.goto(f"/kursus/{SLUG}/pelajaran/{lessons[0][0]}")
        assert page.get_by_role("heading", level=1).inner_text() == "Apa itu KIM? (edisi baru)"
        context.set_offline(False)
        page.wait_for_selector("body[data-user]")
        page.goto(f"/kursus/{SLUG}")
    finally:
        with live_app.app_context():
            db.session.get(Lesson, lessons[0][0]).title = lessons[0][1]
            db.session.commit()
            db.session.remove()

    # "Hapus dari perangkat" frees the space; saved again, signing out removes it.
    panel.get_by_role("button", name="Hapus dari perangkat").click()
    panel.get_by_role("button", name="Simpan untuk offline").wait_for()
    assert saved_caches(page) == []
    panel.get_by_role("button", name="Simpan untuk offline").click()
    panel.get_by_text("Tersimpan di perangkat ini").wait_for()
    assert saved_caches(page) == [f"lms-course-{SLUG}"]
    page.get_by_role("button", name="Keluar").click()
    expect(page.get_by_text("Anda sudah keluar")).to_be_visible()
    page.wait_for_load_state()
    assert saved_caches(page) == []
    context.set_offline(True)
    try:
        page.goto(f"/kursus/{SLUG}/pelajaran/{lessons[1][0]}")
    except Exception:  # noqa: BLE001  (no service worker yet: the browser's own error page)
        pass
    page.wait_for_load_state()
    expect(page.locator("body")).not_to_contain_text(lessons[1][1])
    context.set_offline(False)


def test_someone_else_signing_in_on_the_phone_removes_the_previous_copy(live_app, phone):
    """A session that ran out (no sign-out) and another person signs in on the same phone."""
    context, page = phone
    trainee(live_app, "offline4@contoh.id")
    trainee(live_app, "offline5@contoh.id")
    sign_in(page, "offline4@contoh.id")
    save_course(page)
    context.clear_cookies()  # the first person's session is gone
    sign_in(page, "offline5@contoh.id")
    page.goto("/belajar")
    for _ in range(50):  # removed in the background, as the page opens
        if not saved_caches(page):
            break
        page.wait_for_timeout(100)
    assert saved_caches(page) == []


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils (make test)")
def test_a_module_downloads_as_a_pdf_with_its_lessons(live_app, browser, live_server, tmp_path):
    _, lessons = trainee(live_app, "offline3@contoh.id")
    context = browser.new_context(
        viewport=PHONE, base_url=live_server, locale="id-ID", accept_downloads=True
    )
    page = context.new_page()
    sign_in(page, "offline3@contoh.id")
    page.goto(f"/kursus/{SLUG}")
    with page.expect_download() as info:
        page.get_by_role("link", name="Unduh modul (PDF)").first.click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    context.close()
    assert path.name == "kursus-contoh-modul-1-pengenalan.pdf"
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    for _, title in lessons[:2]:
        assert title in text
    assert "Halaman 1" in text


def shot(name):
    from .conftest import SHOTS

    SHOTS.mkdir(exist_ok=True)
    return SHOTS / f"{name}.png"
