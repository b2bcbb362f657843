"""Fill a cohort with many trainees and their progress quickly (bulk inserts), for the
query-count tests and the benchmark. Call inside an app context."""

import random
from datetime import datetime, timedelta

from sqlalchemy import insert, select

from lms.accounts.models import NO_PASSWORD, User
from lms.catalog import services as catalog
from lms.catalog.models import Course, Enrolment, LessonProgress
from lms.certificates.models import Certificate, new_code
from lms.cohorts.models import Cohort, CohortMember
from lms.extensions import db
from lms.issuers.models import Issuer
from lms.issuers.services import snapshot
from lms.quizzes.models import Attempt, Quiz

CHUNK = 2000


def _chunks(rows):
    for i in range(0, len(rows), CHUNK):
        yield rows[i : i + CHUNK]


def _insert(model, rows):
    for chunk in _chunks(rows):
        db.session.execute(insert(model), chunk)


def seed_trainees(cohort_id: int, count: int, now: datetime, seed: int = 1, prefix: str = "seed"):
    """`count` trainees in the cohort: about a fifth not started, the rest part way or complete;
    a third of those complete hold a certificate. Returns the new users' ids."""
    rng = random.Random(seed)
    cohort = db.session.get(Cohort, cohort_id)
    course = db.session.get(Course, cohort.course_id)
    outline = catalog.outline(course)
    quizzes = db.session.execute(
        select(Quiz.id, Quiz.module_id).where(Quiz.course_id == course.id)
    ).all()
    by_module = {module_id: quiz_id for quiz_id, module_id in quizzes if module_id}
    final = next((quiz_id for quiz_id, module_id in quizzes if module_id is None), None)
    issuer_id = cohort.issuer_id
    issuer = db.session.get(Issuer, issuer_id)
    start = now - timedelta(days=60)

    _insert(
        User,
        [
            {
                "full_name": f"Peserta {prefix} {i:05d}",
                "email": f"{prefix}{i}@contoh.id",
                "password_hash": NO_PASSWORD,
                "role": "trainee",
                "province_code": "11",
                "regency_code": "11.11" if i % 3 else "11.71",
                "created_at": start,
            }
            for i in range(count)
        ],
    )
    user_ids = list(
        db.session.scalars(
            select(User.id).where(User.email.like(f"{prefix}%@contoh.id")).order_by(User.id)
        )
    )[-count:]
    _insert(
        CohortMember,
        [
            {"cohort_id": cohort_id, "user_id": u, "source": "import", "joined_at": start}
            for u in user_ids
        ],
    )
    enrolments, progress, attempts, certificates = [], [], [], []
    lessons = outline.lessons
    for n, user_id in enumerate(user_ids):
        roll = rng.random()
        done_count = (
            0 if roll < 0.2 else len(lessons) if roll > 0.7 else rng.randint(1, len(lessons))
        )
        when = start + timedelta(days=rng.randint(0, 55), minutes=rng.randint(0, 600))
        done_ids = set()
        for lesson in lessons[:done_count]:
            when += timedelta(hours=rng.randint(1, 30))
            done_ids.add(lesson.id)
            progress.append(
                {
                    "user_id": user_id,
                    "lesson_id": lesson.id,
                    "course_id": course.id,
                    "completed_at": min(when, now),
                }
            )
        passed_all = True
        for module in outline.modules:
            quiz_id = by_module.get(module.id)
            if quiz_id is None or not all(x.id in done_ids for x in module.lessons):
                passed_all = passed_all and quiz_id is None
                continue
            for number in (1, 2) if rng.random() < 0.3 else (1,):
                percent = 60.0 if number == 1 and rng.random() < 0.3 else 80.0 + rng.randint(0, 20)
                attempts.append(_attempt(user_id, quiz_id, course.id, number, when, percent, 70))
        complete = done_count == len(lessons) and passed_all and final is not None
        if complete:
            percent = float(rng.randint(70, 100))
            attempts.append(_attempt(user_id, final, course.id, 1, when, percent, 70))
        enrolments.append(
            {
                "user_id": user_id,
                "course_id": course.id,
                "created_at": start,
                "last_activity_at": min(when, now),
                "completed_at": min(when, now) if complete else None,
            }
        )
        if complete and n % 3 == 0:
            certificates.append(
                {
                    "code": new_code(),
                    "number": f"{user_id:06d}/KOMDIGI/XII/2026",
                    "user_id": user_id,
                    "course_id": course.id,
                    "issuer_id": issuer_id,
                    "full_name": f"Peserta {n}",
                    "course_title": course.title,
                    "certificate_title": course.certificate_title or course.title,
                    "hours": course.hours,
                    "completed_on": min(when, now).date(),
                    "score": percent,
                    "issuer_snapshot": snapshot(issuer),
                    "issued_at": min(when, now),
                }
            )
    _insert(Enrolment, enrolments)
    _insert(LessonProgress, progress)
    _insert(Attempt, attempts)
    _insert(Certificate, certificates)
    db.session.commit()
    return user_ids


def _attempt(user_id, quiz_id, course_id, number, when, percent, pass_mark):
    return {
        "user_id": user_id,
        "quiz_id": quiz_id,
        "course_id": course_id,
        "number": number,
        "started_at": when,
        "submitted_at": when + timedelta(minutes=10),
        "paper": [],
        "answers": {},
        "points": percent / 20,
        "max_points": 5,
        "percent": percent,
        "passed": percent >= pass_mark,
        "timed_out": False,
    }
