"""Issue 15's journeys on a 360 px phone: a question under a lesson answered by the trainer and
notified; an announcement that arrives in a local SMTP sink; `notify run-due` nudging an
inactive trainee exactly once; a phone-only trainee resetting the password with a WhatsApp code
through the Cloud API stand-in."""

import re
import shutil
import time
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lms.catalog.models import Enrolment, Lesson
from lms.extensions import db
from lms.timeutil import utcnow
from tests.stand_ins import SmtpSink, WhatsAppCloudAPI

from .helpers import make_cohort
from .test_tasks import no_sideways_scroll, person

pytestmark = pytest.mark.skipif(not shutil.which("chromium"), reason="needs Debian chromium")


@pytest.fixture
def sink(live_app):
    sink = SmtpSink().start()
    saved = {k: live_app.config[k] for k in ("SMTP_HOST", "SMTP_PORT", "SMTP_STARTTLS")}
    live_app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=sink.port, SMTP_STARTTLS=False)
    yield sink
    live_app.config.update(saved)
    sink.stop()


@pytest.fixture
def gateway(live_app):
    api = WhatsAppCloudAPI().start()
    saved = {k: live_app.config[k] for k in api.config()}
    live_app.config.update(api.config())
    yield api
    live_app.config.update(saved)
    api.stop()


def arrived(sink, address, live_app, seconds=3):
    """The messages for `address` once sent. The app sends after its response has closed;
    Werkzeug's development server skips that close when Chromium drops the connection right
    after a redirect (gunicorn always closes), and then cron's `notify run-due` sends what is
    left, as in production without Redis."""
    deadline = time.monotonic() + seconds
    while not sink.to(address) and time.monotonic() < deadline:
        time.sleep(0.05)
    if not sink.to(address):
        live_app.test_cli_runner().invoke(args=["notify", "run-due"])
    return sink.to(address)


def first_lesson(live_app) -> int:
    with live_app.app_context():
        return db.session.scalar(select(Lesson.id).order_by(Lesson.module_id, Lesson.position))


def test_a_question_under_a_lesson_is_answered_and_the_trainee_is_notified(visit, live_app, sink):
    code, _ = make_cohort(live_app, "Kelas Diskusi")
    person(live_app, "Cut Meutia", "cut.meutia@contoh.id", code)
    lesson = first_lesson(live_app)

    trainee = visit()
    page = trainee.page
    trainee.login("cut.meutia@contoh.id")
    trainee.goto(f"/kursus/kursus-contoh/pelajaran/{lesson}")
    page.get_by_role("link", name="Tanya jawab dan diskusi pelajaran ini").click()
    page.get_by_label("Judul pertanyaan atau topik Anda").fill("Apa beda jangkauan dan tayangan?")
    page.get_by_label("Pesan").fill("Saya masih bingung.\nMohon contohnya.")
    page.get_by_role("button", name="Kirim", exact=True).click()
    assert "Pertanyaan Anda terkirim." in page.content()
    assert no_sideways_scroll(page)
    thread_url = page.url

    trainer = visit()
    trainer.login("pelatih@contoh.id")
    trainer.goto(thread_url)
    trainer.page.get_by_label("Balasan Anda").fill("Jangkauan menghitung akun unik.")
    trainer.page.get_by_role("button", name="Kirim balasan").click()
    assert "Balasan Anda terkirim." in trainer.page.content()

    trainee.goto("/belajar")
    menu = page.get_by_role("link", name=re.compile(r"Pemberitahuan \(1"))
    menu.click()
    page.get_by_role("button", name=re.compile("Demo trainer membalas")).click()
    assert "Jangkauan menghitung akun unik." in page.content()
    assert page.get_by_role("link", name=re.compile(r"^Pemberitahuan$")).count() == 1
    trainee.shot("diskusi-pelajaran-360")
    assert no_sideways_scroll(page)
    [email] = arrived(sink, "cut.meutia@contoh.id", live_app)
    assert "membalas" in email["Subject"]


def test_an_announcement_arrives_by_email_and_on_my_learning(visit, live_app, sink):
    code, cohort_id = make_cohort(live_app, "Kelas Pengumuman")
    person(live_app, "Teuku Cik", "teuku.cik@contoh.id", code)

    trainer = visit()
    trainer.login("pelatih@contoh.id")
    trainer.goto(f"/kelas/{cohort_id}/pengumuman")
    trainer.page.get_by_label("Judul").fill("Pertemuan kedua")
    trainer.page.get_by_label("Pengumuman").fill("Kamis pukul 09.00 di aula Diskominfo.")
    trainer.page.get_by_role("button", name="Kirim pengumuman").click()
    assert "Pengumuman terkirim" in trainer.page.content()
    assert no_sideways_scroll(trainer.page)

    [email] = arrived(sink, "teuku.cik@contoh.id", live_app)
    assert "Pertemuan kedua" in email["Subject"]
    assert "Kamis pukul 09.00 di aula Diskominfo." in SmtpSink.body(email)

    trainee = visit()
    trainee.login("teuku.cik@contoh.id")
    trainee.goto("/belajar")
    page = trainee.page
    assert "Kamis pukul 09.00 di aula Diskominfo." in page.content()
    page.get_by_role("button", name="Tandai sudah dibaca").click()
    assert "Kamis pukul 09.00" not in page.content()


def test_notify_run_due_nudges_an_inactive_trainee_exactly_once(visit, live_app, sink):
    code, _ = make_cohort(live_app, "Kelas Pengingat")
    trainee_id = person(live_app, "Pocut Baren", "pocut.baren@contoh.id", code)
    with live_app.app_context():
        enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == trainee_id))
        enrolment.last_activity_at = utcnow() - timedelta(days=9)  # nine idle days
        db.session.commit()
        db.session.remove()
    runner = live_app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["notify", "run-due"])
        assert result.exit_code == 0, result.output
    [nudge] = sink.to("pocut.baren@contoh.id")
    link = re.search(r"(http://127\.0\.0\.1:\d+/kursus/kursus-contoh/lanjut)", SmtpSink.body(nudge))

    trainee = visit()
    trainee.login("pocut.baren@contoh.id")
    trainee.goto(link.group(1).split(str(trainee.base_url))[-1] or "/")
    assert "/pelajaran/" in trainee.page.url  # straight back to the next lesson
    assert len(sink.to("pocut.baren@contoh.id")) == 1


def test_a_phone_only_trainee_resets_the_password_with_a_whatsapp_code(visit, live_app, gateway):
    person(live_app, "Teuku Rizal", "081377788899")
    trainee = visit()
    page = trainee.page
    trainee.goto("/masuk")
    page.get_by_role("link", name="Lupa kata sandi?").click()
    page.get_by_role("link", name="Mendaftar dengan nomor HP? Minta kode lewat WhatsApp").click()
    page.get_by_label("Nomor HP (WhatsApp)").fill("0813 7778 8899")
    page.get_by_role("button", name="Kirim kode").click()
    assert "kode sedang dikirim lewat WhatsApp" in page.content()
    assert gateway.problems == []
    [[code]] = gateway.texts("+6281377788899")
    page.get_by_label("Kode dari WhatsApp (6 angka)").fill(code)
    page.get_by_label("Kata sandi baru").fill("sandi-baru-rizal-7")
    page.get_by_role("button", name="Simpan kata sandi baru").click()
    assert "Kata sandi baru Anda tersimpan" in page.content()
    assert no_sideways_scroll(page)
    trainee.shot("kode-whatsapp-360")
    trainee.page.get_by_role("button", name="Keluar").click()
    # The page script clears saved copies before the sign-out goes through (issue 17).
    expect(page.get_by_text("Anda sudah keluar")).to_be_visible()
    page.wait_for_load_state()
    trainee.login("081377788899", "sandi-baru-rizal-7")
    assert "/masuk" not in page.url
