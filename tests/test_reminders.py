"""`flask --app lms notify run-due`: nudges, cohort-ending warnings, trainer summaries and
expiring set-password links, each sent once (to a local SMTP sink)."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from lms.accounts.models import User
from lms.catalog.models import Enrolment
from lms.cohorts.models import Cohort
from lms.extensions import db
from lms.notifications import reminders
from lms.notifications.models import SentReminder

from .conftest import complete_course


def run(runner):
    result = runner.invoke(args=["notify", "run-due"])
    assert result.exit_code == 0, result.output
    return result.output


def subjects(sink, address):
    return [m["Subject"] for m in sink.to(address)]


@pytest.fixture
def running(app, make_user, make_cohort, smtp_sink, clock):
    """A cohort that runs from 10 days ago for 30 days, with three enrolled trainees."""
    today = date.today()
    ids = {
        "idle": make_user(login="idle@contoh.id", full_name="Siti Aminah"),
        "busy": make_user(login="busy@contoh.id"),
        "done": make_user(login="done@contoh.id"),
        "trainer": make_user(role="trainer", login="pelatih@contoh.id", full_name="Pak Pelatih"),
    }
    ids["cohort"], _ = make_cohort(
        ids["trainer"],
        members=[ids["idle"], ids["busy"], ids["done"]],
        starts_on=(today - timedelta(days=10)).isoformat(),
        ends_on=(today + timedelta(days=30)).isoformat(),
    )
    complete_course(app, ids["done"])
    return ids


def touch(app, user_id):
    """The person does something in the course now."""
    from lms.timeutil import utcnow

    with app.app_context():
        enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == user_id))
        enrolment.last_activity_at = utcnow()
        db.session.commit()


def test_an_inactive_trainee_is_nudged_exactly_once_a_week(
    app, client, runner, running, smtp_sink, clock
):
    run(runner)
    assert subjects(smtp_sink, "idle@contoh.id") == []  # active a moment ago
    clock.jump(days=8)
    touch(app, running["busy"])
    output = run(runner)
    assert "1 nudges" in output
    [nudge] = smtp_sink.to("idle@contoh.id")
    body = smtp_sink.body(nudge)
    assert nudge["Subject"] == "Lanjutkan kursus Anda Kursus Contoh"
    assert "Halo Siti Aminah" in body and "selama 7 hari" in body
    assert "http://localhost/kursus/kursus-contoh/lanjut" in body
    unsubscribe = re.search(r"http://localhost(/berhenti/\S+)", body).group(1)
    assert "Pengingat untuk melanjutkan belajar" in client.get(unsubscribe).text
    assert smtp_sink.to("busy@contoh.id") == [] and smtp_sink.to("done@contoh.id") == []
    run(runner)
    clock.jump(days=3)
    run(runner)
    assert len(smtp_sink.to("idle@contoh.id")) == 1  # once a week at most
    clock.jump(days=5)
    run(runner)
    assert len(smtp_sink.to("idle@contoh.id")) == 2  # a week later, still idle


def test_the_nudge_waits_for_the_cohorts_own_number_of_days(app, runner, running, smtp_sink, clock):
    with app.app_context():
        db.session.get(Cohort, running["cohort"]).nudge_after_days = 14
        db.session.commit()
    clock.jump(days=8)
    run(runner)
    assert smtp_sink.to("idle@contoh.id") == []
    clock.jump(days=7)
    run(runner)
    assert len(smtp_sink.to("idle@contoh.id")) == 1


def test_trainers_set_the_nudge_days_in_the_cohort_settings(app, client, auth, running):
    auth.login("pelatih@contoh.id")
    url = f"/kelas/{running['cohort']}/ubah"
    page = client.get(url).text
    assert 'value="7"' in page and "Ingatkan peserta" in page
    with app.app_context():
        cohort = db.session.get(Cohort, running["cohort"])
        data = {
            "name": cohort.name,
            "course": str(cohort.course_id),
            "starts_on": cohort.starts_on.isoformat(),
            "ends_on": cohort.ends_on.isoformat(),
            "location": cohort.location,
            "organiser": cohort.organiser,
            "province": "11",
            "regency": "11.11",
            "issuer": str(cohort.issuer_id),
        }
    bad = client.post(url, data={**data, "nudge_after_days": "0"})
    assert bad.status_code == 400 and "Masukkan jumlah hari 1 sampai 90." in bad.text
    assert client.post(url, data={**data, "nudge_after_days": "3"}).status_code == 302
    with app.app_context():
        assert db.session.get(Cohort, running["cohort"]).nudge_after_days == 3


def test_a_trainee_who_opted_out_of_reminders_gets_none(
    app, client, auth, runner, running, smtp_sink, clock
):
    auth.login("idle@contoh.id")
    client.post("/pemberitahuan/pengaturan", data={"kind_reminder": "app"})
    clock.jump(days=8)
    run(runner)
    assert smtp_sink.to("idle@contoh.id") == []


def test_the_end_of_the_cohort_is_announced_to_those_not_finished(
    app, runner, make_user, make_cohort, smtp_sink
):
    today = date.today()
    trainee = make_user(login="akhir@contoh.id")
    finished = make_user(login="tamat@contoh.id")
    trainer = make_user(role="trainer", login="pelatih9@contoh.id")
    make_cohort(
        trainer,
        members=[trainee, finished],
        starts_on=(today - timedelta(days=5)).isoformat(),
        ends_on=(today + timedelta(days=2)).isoformat(),
    )
    complete_course(app, finished)
    assert "1 cohort-ending warnings" in run(runner)
    [warning] = smtp_sink.to("akhir@contoh.id")
    assert "segera berakhir" in warning["Subject"]
    assert smtp_sink.to("tamat@contoh.id") == []
    assert "0 cohort-ending warnings" in run(runner)
    assert len(smtp_sink.to("akhir@contoh.id")) == 1


def test_trainers_get_a_weekly_summary(app, runner, running, smtp_sink, clock, make_user):
    from .conftest import hand_in_task

    clock.jump(days=8)
    touch(app, running["busy"])
    hand_in_task(app, running["busy"])
    run(runner)
    [summary] = smtp_sink.to("pelatih@contoh.id")
    body = smtp_sink.body(summary)
    assert summary["Subject"] == "Kelas pelatihan Anda minggu ini"
    assert "1 dari 3 peserta selesai" in body
    assert "1 tidak aktif selama 7 hari (Siti Aminah)" in body
    assert "1 tugas praktik menunggu penilaian Anda" in body
    run(runner)
    assert len(smtp_sink.to("pelatih@contoh.id")) == 1
    clock.jump(days=7)
    run(runner)
    assert len(smtp_sink.to("pelatih@contoh.id")) == 2  # the next week


def test_trainers_hear_of_set_password_links_about_to_expire(
    app, runner, running, smtp_sink, clock
):
    from lms.accounts import services as accounts

    with app.app_context():
        trainer = db.session.get(User, running["trainer"])
        invited = accounts.invite_user(
            full_name="Cut Nyak",
            email=None,
            phone="081298765432",
            province_code="11",
            regency_code="11.11",
        )
        accounts.new_password_link(invited, trainer)
        db.session.commit()
    run(runner)
    assert not any("Tautan" in s for s in subjects(smtp_sink, "pelatih@contoh.id"))
    clock.jump(days=28)  # the 30-day link ends in 2 days
    run(runner)
    reminder = [m for m in smtp_sink.to("pelatih@contoh.id") if "Tautan" in m["Subject"]]
    assert len(reminder) == 1 and "Cut Nyak" in smtp_sink.body(reminder[0])
    run(runner)
    assert len([m for m in smtp_sink.to("pelatih@contoh.id") if "Tautan" in m["Subject"]]) == 1


def test_running_twice_at_once_sends_nothing_twice(app, running, clock):
    clock.jump(days=8)
    with app.app_context():
        first = reminders.run_all()
        second = reminders.run_all()
        keys = db.session.scalars(select(SentReminder.key)).all()
    assert first["nudges"] == 2 and second == dict.fromkeys(second, 0)
    assert len(keys) == len(set(keys))


def test_without_smtp_or_whatsapp_nothing_is_recorded_as_sent(
    app, runner, running, clock, monkeypatch
):
    monkeypatch.setitem(app.config, "SMTP_HOST", "")
    clock.jump(days=8)
    run(runner)
    with app.app_context():
        assert (
            db.session.scalar(select(SentReminder.id).where(SentReminder.kind == "nudge")) is None
        )
