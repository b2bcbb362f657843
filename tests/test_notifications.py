"""Notifications: the in-app list and its count, per-kind channels, email through the outbox
(to a local SMTP sink), announcements, unsubscribe links, digests, privacy."""

import re

import pytest
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.extensions import db
from lms.mail.models import OutboxEmail
from lms.notifications.models import Notification

from .conftest import PASSWORD, complete_course, hand_in_task
from .test_catalog import lesson_ids


def login(client, who):
    client.post("/keluar")
    return client.post("/masuk", data={"login": who, "password": PASSWORD})


@pytest.fixture
def world(app, make_user, make_cohort, sample_course):
    ids = {
        "trainee": make_user(login="siti@contoh.id", full_name="Siti Aminah"),
        "phone_only": make_user(login="081234567801", full_name="Teuku Rizal"),
        "outsider": make_user(login="luar@contoh.id"),
        "trainer": make_user(role="trainer", login="pelatih@contoh.id", full_name="Pak Pelatih"),
        "other_trainer": make_user(role="trainer", login="pelatih2@contoh.id"),
    }
    ids["cohort"], _ = make_cohort(ids["trainer"], members=[ids["trainee"], ids["phone_only"]])
    ids["lesson"] = lesson_ids(app)[0]
    return ids


def ask_and_answer(client, world, answer="Pakai rumus 5W+1H."):
    login(client, "siti@contoh.id")
    board = f"/kursus/kursus-contoh/pelajaran/{world['lesson']}/diskusi"
    made = client.post(board, data={"title": "Cara menulis judul?", "body": "Mohon bantu."})
    thread = int(made.headers["Location"].rsplit("/", 1)[1])
    login(client, "pelatih@contoh.id")
    assert client.post(f"/diskusi/{thread}", data={"body": answer}).status_code == 302
    return thread


def test_a_reply_notifies_the_asker_in_the_app_and_by_email(app, client, world, smtp_sink):
    thread = ask_and_answer(client, world)
    [email] = smtp_sink.to("siti@contoh.id")
    body = smtp_sink.body(email)
    assert "Pak Pelatih membalas" in email["Subject"] and "Halo Siti Aminah" in body
    assert re.search(r"http://localhost/pemberitahuan/\d+", body)  # from LMS_BASE_URL
    assert "http://localhost/berhenti/" in body
    assert smtp_sink.to("pelatih@contoh.id") == []  # nobody is told of their own reply
    login(client, "siti@contoh.id")
    home = client.get("/belajar").text
    assert re.search(r"Pemberitahuan</span> <span class=\"count\">\(1", home)
    listing = client.get("/pemberitahuan").text
    assert "Pak Pelatih membalas di &#34;Cara menulis judul?&#34;." in listing
    note = re.search(r'action="(/pemberitahuan/\d+)/baca"', listing).group(1)
    email_link = client.get(note)  # the email's link leads there and changes nothing
    assert email_link.headers["Location"].startswith(f"/diskusi/{thread}")
    assert 'class="count"' in client.get("/belajar").text
    opened = client.post(note + "/baca", data={"buka": "1"})  # the list's button
    assert opened.status_code == 302 and opened.headers["Location"].startswith(f"/diskusi/{thread}")
    assert 'class="count"' not in client.get("/belajar").text  # read: the count is gone
    login(client, "luar@contoh.id")
    assert client.get(note).status_code == 404  # someone else's notification
    assert client.post(note + "/baca", data={"buka": "1"}).status_code == 404


def test_emails_go_in_the_persons_language(app, client, world, smtp_sink):
    with app.app_context():
        db.session.get(User, world["trainee"]).locale = "en"
        db.session.commit()
    ask_and_answer(client, world)
    [email] = smtp_sink.to("siti@contoh.id")
    assert "Pak Pelatih replied" in email["Subject"] and "Hello Siti Aminah" in smtp_sink.body(
        email
    )


def test_each_kind_has_its_channel_app_only_or_daily_digest(app, client, world, smtp_sink, runner):
    login(client, "siti@contoh.id")
    page = client.get("/pemberitahuan/pengaturan")
    assert page.status_code == 200 and "Balasan untuk pesan saya" in page.text
    bad = client.post("/pemberitahuan/pengaturan", data={"kind_reply": "sms"})
    assert bad.status_code == 400 and "Pilih salah satu pilihan." in bad.text
    saved = client.post("/pemberitahuan/pengaturan", data={"kind_reply": "digest"})
    assert saved.status_code == 302
    ask_and_answer(client, world, answer="Jawaban pertama")
    ask_and_answer(client, world, answer="Jawaban kedua")
    assert smtp_sink.to("siti@contoh.id") == []  # waits for the digest
    output = runner.invoke(args=["notify", "run-due"]).output
    assert "Daily digests: 1." in output
    [digest] = smtp_sink.to("siti@contoh.id")
    assert digest["Subject"] == "Ringkasan harian Anda dari Akademi KIM"
    assert smtp_sink.body(digest).count("Pak Pelatih membalas") == 2
    runner.invoke(args=["notify", "run-due"])
    assert len(smtp_sink.to("siti@contoh.id")) == 1  # never twice
    login(client, "siti@contoh.id")
    client.post("/pemberitahuan/pengaturan", data={"kind_reply": "app"})
    ask_and_answer(client, world, answer="Jawaban ketiga")
    runner.invoke(args=["notify", "run-due"])
    assert len(smtp_sink.to("siti@contoh.id")) == 1
    login(client, "siti@contoh.id")
    assert client.get("/pemberitahuan").text.count("Pak Pelatih membalas") == 3


def test_the_unsubscribe_link_stops_that_kind_only(app, client, world, smtp_sink):
    ask_and_answer(client, world)
    body = smtp_sink.body(smtp_sink.to("siti@contoh.id")[0])
    link = re.search(r"http://localhost(/berhenti/\S+)", body).group(1)
    client.post("/keluar")  # works without signing in
    confirm = client.get(link)
    assert confirm.status_code == 200 and "Hentikan email untuk" in confirm.text
    assert "Balasan untuk pesan saya" in client.post(link).text
    ask_and_answer(client, world, answer="lagi")
    assert len(smtp_sink.to("siti@contoh.id")) == 1
    with app.app_context():
        from lms.notifications import services

        prefs = services.preferences(world["trainee"])
    assert prefs["reply"] == "app" and prefs["announcement"] == "email"
    assert client.get("/berhenti/palsu").status_code == 404
    assert client.get(link[:-3] + "abc").status_code == 404


def test_an_announcement_reaches_the_cohort_in_the_app_and_by_email(app, client, world, smtp_sink):
    url = f"/kelas/{world['cohort']}/pengumuman"
    login(client, "pelatih2@contoh.id")
    assert client.get(url).status_code == 404
    login(client, "siti@contoh.id")
    assert client.get(url).status_code == 403
    login(client, "pelatih@contoh.id")
    empty = client.post(url, data={"title": "", "body": ""})
    assert empty.status_code == 400 and "Beri judul pengumuman." in empty.text
    sent = client.post(url, data={"title": "Pertemuan kedua", "body": "Kamis jam 09.00 di aula."})
    assert sent.status_code == 302
    [email] = smtp_sink.to("siti@contoh.id")
    assert "Pertemuan kedua" in email["Subject"]
    assert "Kamis jam 09.00 di aula." in smtp_sink.body(email)
    assert len(smtp_sink.messages) == 1  # the phone-only member has no email (no gateway)
    for who in ("siti@contoh.id", "081234567801"):
        login(client, who)
        assert "Kamis jam 09.00 di aula." in client.get("/belajar").text
        board = client.get(f"/kelas/{world['cohort']}/diskusi").text
        assert "Kamis jam 09.00 di aula." in board
    note = re.search(r'action="(/pemberitahuan/\d+/baca)\?next=[^"]*kelas', board).group(1)
    assert client.post(note, data={"next": "/belajar"}).status_code == 302
    assert "Kamis jam 09.00" not in client.get("/belajar").text  # read: the panel is gone
    login(client, "luar@contoh.id")
    assert "Kamis jam 09.00" not in client.get("/belajar").text


def test_an_smtp_failure_is_retried_later_never_lost_or_doubled(
    app, client, world, smtp_sink, runner, clock
):
    smtp_sink.fail = True
    ask_and_answer(client, world)
    assert smtp_sink.messages == []
    with app.app_context():
        assert db.session.scalar(select(OutboxEmail.status)) == "pending"
    smtp_sink.fail = False
    clock.jump(minutes=2)
    runner.invoke(args=["notify", "run-due"])
    assert len(smtp_sink.to("siti@contoh.id")) == 1
    assert "Emails sent: 0." in runner.invoke(args=["notify", "run-due"]).output
    assert len(smtp_sink.to("siti@contoh.id")) == 1


def test_task_reviews_and_certificates_are_notified(app, client, world, smtp_sink, runner):
    from lms.tasks import services as tasks
    from lms.tasks.models import TaskRound

    hand_in_task(app, world["trainee"])
    with app.app_context():
        entry = db.session.scalar(select(TaskRound))
        tasks.review_as_staff(
            db.session.get(User, world["trainer"]),
            entry,
            tasks.Decision(
                points={"kelengkapan-5w1h": "4", "foto-dan-keterangan": "2"},
                comments={},
                outcome="passed",
            ),
        )
    complete_course(app, world["trainee"])
    login(client, "siti@contoh.id")
    claimed = client.post("/kursus/kursus-contoh/sertifikat", data={"full_name": "Siti Aminah"})
    assert claimed.status_code == 302
    listing = client.get("/pemberitahuan").text
    assert "lulus." in listing and "Sertifikat Anda untuk" in listing
    runner.invoke(args=["notify", "run-due"])  # the review was outside a request: cron sends it
    subjects = [m["Subject"] for m in smtp_sink.to("siti@contoh.id")]
    assert any("Tugas praktik Anda" in s for s in subjects)
    assert any("Sertifikat Anda" in s for s in subjects)


def test_notifications_are_in_the_personal_data_export_and_go_with_the_account(app, client, world):
    ask_and_answer(client, world)
    login(client, "siti@contoh.id")
    data = client.get("/akun/data.json").get_json()
    assert data["notifications"][0]["text"].startswith("Pak Pelatih membalas")
    assert data["notification_settings"]["reply"] == "email"
    client.post("/akun/hapus", data={"password": PASSWORD})
    with app.app_context():
        count = db.session.scalar(
            select(func.count(Notification.id)).where(Notification.user_id == world["trainee"])
        )
    assert count == 0


def test_mark_all_read_and_fuzzed_notification_routes(app, client, world):
    ask_and_answer(client, world)
    login(client, "siti@contoh.id")
    assert client.post("/pemberitahuan/baca-semua").status_code == 302
    assert "Baru" not in client.get("/pemberitahuan").text.split("<h1>")[1].split("</main>")[0]
    for url in ("/pemberitahuan?halaman=x", "/pemberitahuan?halaman=99999999999"):
        assert client.get(url).status_code == 200
    assert (
        client.post("/pemberitahuan/pengaturan", data={"kind_reply": "\u202e" * 99}).status_code
        == 400
    )
    assert client.post("/pemberitahuan/999/baca").status_code == 302


def test_with_redis_the_worker_sends_the_announcement_in_batches(
    app, client, world, smtp_sink, runner, monkeypatch
):
    import redis

    from .test_jobs import REDIS_URL, redis_available

    if not redis_available():
        pytest.skip("needs Redis on 127.0.0.1:6379")
    redis.Redis.from_url(REDIS_URL).flushdb()
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)
    login(client, "pelatih@contoh.id")
    sent = client.post(
        f"/kelas/{world['cohort']}/pengumuman", data={"title": "Libur", "body": "Besok libur."}
    )
    assert sent.status_code == 302
    assert smtp_sink.messages == []  # the request only queued the work
    with app.app_context():
        assert db.session.scalar(select(func.count(Notification.id))) == 2
    for _ in range(2):  # the announcement's job, then the delivery jobs it queued
        result = runner.invoke(args=["worker", "--burst"])
        assert result.exit_code == 0, result.output
    [email] = smtp_sink.to("siti@contoh.id")
    assert "Libur" in email["Subject"] and len(smtp_sink.messages) == 1
