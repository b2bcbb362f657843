"""Notifications at scale: `notify run-due` over 100,000 trainees, and an announcement to a
cohort of 5,000 accepted in one request.

    LMS_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_notify \\
        .venv/bin/python -m tests.bench.bench_notify [--trainees 100000] [--cohort 5000]

The database is emptied and migrated, the sample course imported, then the trainees are loaded
in bulk: cohorts of 100 running today, every trainee enrolled and idle for 10 days (so every one
is due a nudge: the worst case), then ANALYZE (PostgreSQL). Prints and writes
tests/bench/results/notify-<db>.json:

- run-due (queueing every reminder: nudges, trainer summaries) the first time, and again (it
  must queue nothing: idempotent), with the rows it wrote;
- an announcement to a cohort of 5,000: the time to accept the request (the emails are queued
  afterwards, by the worker or after the response), and the notification rows it wrote.

Delivery itself (SMTP) is left out: it runs in the worker and is bounded by the mail server.
"""

import argparse
import time
from datetime import date, timedelta

from sqlalchemy import func, insert, select, text
from werkzeug.security import generate_password_hash

from lms.accounts.models import User
from lms.catalog.models import Course, Enrolment
from lms.cohorts.models import Cohort, CohortMember, CohortTrainer
from lms.extensions import db
from lms.mail.models import OutboxEmail
from lms.notifications.models import Notification, SentReminder
from lms.timeutil import utcnow
from tests.bench.common import bench_app, database_name, write_result
from tests.conftest import FIXTURES, import_courses

CHUNK = 5000
PASSWORD = "bench-password-2026"
HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


def seed(app, trainees: int, big: int) -> dict:
    import_courses(app, FIXTURES / "courses")
    with app.app_context():
        from lms.issuers.models import Issuer

        issuer = Issuer(
            name="Bench",
            code="BENCH",
            signatory_name="A",
            signatory_title="B",
            city="C",
            is_default=True,
        )
        db.session.add(issuer)
        db.session.commit()
        course_id = db.session.scalar(select(Course.id))
        now = utcnow()
        idle = now - timedelta(days=10)
        today = date.today()
        start = time.perf_counter()
        n_cohorts = -(-max(trainees - big, 0) // 100) + 1
        users = [
            {
                "full_name": f"Pelatih {i}",
                "email": f"pelatih{i}@bench.id",
                "password_hash": HASH,
                "role": "trainer",
                "province_code": "11",
                "regency_code": "11.11",
                "timezone": "WIB",
                "locale": "id",
                "session_version": 1,
                "created_at": now,
            }
            for i in range(n_cohorts)
        ]
        db.session.execute(insert(User), users)
        trainer_ids = list(db.session.scalars(select(User.id).order_by(User.id)))
        db.session.execute(
            insert(Cohort),
            [
                {
                    "name": f"Kelas {i}",
                    "course_id": course_id,
                    "starts_on": today - timedelta(days=5),
                    "ends_on": today + timedelta(days=25),
                    "location": "Aula",
                    "organiser": "Dinas",
                    "province_code": "11",
                    "regency_code": "11.11",
                    "issuer_id": issuer.id,
                    "join_code": f"B{i:06d}",
                    "created_at": now,
                    "updated_at": now,
                    "nudge_after_days": 7,
                }
                for i in range(n_cohorts)
            ],
        )
        cohort_ids = list(db.session.scalars(select(Cohort.id).order_by(Cohort.id)))
        db.session.execute(
            insert(CohortTrainer),
            [
                {"cohort_id": c, "user_id": t, "added_at": now}
                for c, t in zip(cohort_ids, trainer_ids, strict=True)
            ],
        )
        db.session.commit()
        # The last cohort is the big one for the announcement; the others hold 100 each.
        for offset in range(0, trainees, CHUNK):
            rows = range(offset, min(offset + CHUNK, trainees))
            db.session.execute(
                insert(User),
                [
                    {
                        "full_name": f"Peserta {i}",
                        "email": f"peserta{i}@bench.id",
                        "password_hash": HASH,
                        "role": "trainee",
                        "province_code": "11",
                        "regency_code": "11.11",
                        "timezone": "WIB",
                        "locale": "id",
                        "session_version": 1,
                        "created_at": now,
                    }
                    for i in rows
                ],
            )
            ids = list(
                db.session.scalars(
                    select(User.id)
                    .where(User.role == "trainee")
                    .order_by(User.id.desc())
                    .limit(len(rows))
                )
            )[::-1]
            db.session.execute(
                insert(CohortMember),
                [
                    {
                        "cohort_id": cohort_ids[-1]
                        if offset + k < big
                        else cohort_ids[(offset + k - big) // 100],
                        "user_id": uid,
                        "source": "import",
                        "joined_at": now,
                    }
                    for k, uid in enumerate(ids)
                ],
            )
            db.session.execute(
                insert(Enrolment),
                [
                    {
                        "user_id": uid,
                        "course_id": course_id,
                        "created_at": idle,
                        "last_activity_at": idle,
                    }
                    for uid in ids
                ],
            )
            db.session.commit()
        if db.engine.dialect.name == "postgresql":
            # Statistics, as autovacuum keeps them on a live database: without them the
            # planner picks nested loops over 100,000 rows right after a bulk load.
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        seconds = time.perf_counter() - start
        db.session.remove()
    return {"seed_seconds": round(seconds, 1), "cohorts": n_cohorts, "big_cohort": cohort_ids[-1]}


def counts() -> dict:
    return {
        "outbox": db.session.scalar(select(func.count(OutboxEmail.id))),
        "sent_reminders": db.session.scalar(select(func.count(SentReminder.id))),
        "notifications": db.session.scalar(select(func.count(Notification.id))),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--trainees", type=int, default=100_000)
    parser.add_argument("--cohort", type=int, default=5000)
    args = parser.parse_args()
    app = bench_app(SMTP_HOST="smtp.invalid", REDIS_URL="")
    setup = seed(app, args.trainees, args.cohort)
    runner = app.test_cli_runner()
    result = {"database": database_name(app), "trainees": args.trainees, **setup}
    for name in ("run_due_first", "run_due_again"):
        start = time.perf_counter()
        output = runner.invoke(args=["notify", "run-due", "--no-send"])
        result[f"{name}_seconds"] = round(time.perf_counter() - start, 2)
        if output.exit_code != 0:
            import traceback

            traceback.print_exception(output.exception)
            raise SystemExit(output.output)
        result[f"{name}_output"] = output.output.strip().splitlines()[0]
        with app.app_context():
            result[f"{name}_rows"] = counts()
    assert result["run_due_again_rows"] == result["run_due_first_rows"], "run-due sent twice"
    with app.app_context():
        trainer = db.session.scalar(
            select(User.email)
            .join(CohortTrainer, CohortTrainer.user_id == User.id)
            .where(CohortTrainer.cohort_id == setup["big_cohort"])
        )
        members = db.session.scalar(
            select(func.count()).where(CohortMember.cohort_id == setup["big_cohort"])
        )
    client = app.test_client()
    assert client.post("/masuk", data={"login": trainer, "password": PASSWORD}).status_code == 302
    with app.app_context():
        before = db.session.scalar(select(func.count(Notification.id)))
    url = f"/kelas/{setup['big_cohort']}/pengumuman"
    start = time.perf_counter()
    # The response is not closed here: the emails it queues afterwards are the worker's part.
    response = client.post(url, data={"title": "Pengumuman", "body": "Pertemuan kedua Kamis."})
    result["announcement_request_seconds"] = round(time.perf_counter() - start, 3)
    assert response.status_code == 302, response.status_code
    with app.app_context():
        result["announcement_members"] = members
        result["announcement_notifications"] = (
            db.session.scalar(select(func.count(Notification.id))) - before
        )
    write_result(f"notify-{result['database']}", result)


if __name__ == "__main__":
    main()
