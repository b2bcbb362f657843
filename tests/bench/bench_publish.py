"""Publishing a change to a course that 5,000 trainees follow (issue 13): under 5 s and one
transaction. The shipped hoax course is copied into a unit; 5,000 trainees are enrolled, each
with three lessons done, and 1,000 of them hold an open attempt of a module quiz. The author
then rewrites a lesson, adds one, removes one and edits a question of that quiz, and publishes.
Printed: the seconds of the dry run (the summary page) and of the publication, the number of
commits and SQL statements, and a check that progress and the open papers survived.

    .venv/bin/python -m tests.bench.bench_publish
    LMS_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \
        .venv/bin/python -m tests.bench.bench_publish
"""

import time
from datetime import datetime
from pathlib import Path

from sqlalchemy import event, func, insert, select

from .common import bench_app, database_name, write_result

TRAINEES = 5000
OPEN_ATTEMPTS = 1000
TARGET_SECONDS = 5.0
COURSES = Path(__file__).resolve().parents[2] / "courses"


class Counter:
    """Counts SQL statements and commits on the engine while active."""

    def __init__(self, engine):
        self.engine, self.statements, self.commits = engine, 0, 0

    def _statement(self, *args):
        self.statements += 1

    def _commit(self, *args):
        self.commits += 1

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._statement)
        event.listen(self.engine, "commit", self._commit)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._statement)
        event.remove(self.engine, "commit", self._commit)


def prepare(app) -> dict:
    from lms.accounts.models import User
    from lms.authoring import services as authoring
    from lms.catalog.models import Course, Enrolment, Lesson, LessonProgress, Module
    from lms.content.loader import load_tree
    from lms.content.sync import sync_courses
    from lms.extensions import db
    from lms.issuers.models import Issuer
    from lms.quizzes import services as quizzes
    from lms.quizzes.models import Attempt, Quiz

    with app.app_context():
        courses, problems = load_tree(COURSES)
        assert not problems, problems
        sync_courses(courses)
        unit = Issuer(
            name="Dinas Kominfo Bireuen",
            code="DKBIR",
            signatory_name="Teuku Ahmad, S.Kom.",
            signatory_title="Kepala Dinas",
            signatory_nip="197501012000031001",
            city="Bireuen",
        )
        admin = User(full_name="Admin", email="admin@contoh.id", password_hash="x", role="admin")
        admin.province_code, admin.regency_code = "11", "1111"
        db.session.add_all([unit, admin])
        db.session.commit()
        authoring.grant_author(admin, admin, unit)
        source = db.session.scalar(select(Course).where(Course.slug == "cek-fakta-hoaks"))
        course = authoring.copy_course(
            admin,
            source,
            authoring.NewCourse(
                title="Cek Fakta Bireuen", slug="cek-fakta-bireuen", issuer_id=unit.id
            ),
        )
        authoring.publish(admin, course, None)
        cid = course.id

        now = datetime(2026, 12, 1, 8, 0)
        rows = [
            {
                "full_name": f"Peserta {n}",
                "email": f"peserta{n}@contoh.id",
                "password_hash": "x",
                "role": "trainee",
                "province_code": "11",
                "regency_code": "1111",
            }
            for n in range(TRAINEES)
        ]
        db.session.execute(insert(User), rows)
        users = db.session.scalars(select(User.id).where(User.role == "trainee")).all()
        lessons = db.session.scalars(
            select(Lesson.id).join(Module).where(Module.course_id == cid).order_by(Lesson.id)
        ).all()
        db.session.execute(
            insert(Enrolment),
            [{"user_id": u, "course_id": cid, "last_activity_at": now} for u in users],
        )
        db.session.execute(
            insert(LessonProgress),
            [
                {"user_id": u, "lesson_id": lesson, "course_id": cid, "completed_at": now}
                for u in users
                for lesson in lessons[:3]
            ],
        )
        db.session.commit()
        quiz = db.session.scalar(
            select(Quiz).where(Quiz.course_id == cid, Quiz.key.like("module:%")).order_by(Quiz.id)
        )
        template = quizzes.start_attempt(db.session.get(User, users[0]), quiz)
        db.session.commit()
        paper = template.paper
        db.session.execute(
            insert(Attempt),
            [
                {
                    "user_id": u,
                    "quiz_id": quiz.id,
                    "course_id": cid,
                    "number": 1,
                    "started_at": now,
                    "paper": paper,
                    "answers": {},
                    "max_points": template.max_points,
                }
                for u in users[1:OPEN_ATTEMPTS]
            ],
        )
        db.session.commit()
        return {"course": cid, "admin": admin.id, "quiz_folder": quiz.key.split(":", 1)[1]}


def change(app, ids: dict) -> None:
    """A lesson rewritten, one added, one removed, a question of the open quiz edited."""
    from lms.accounts.models import User
    from lms.authoring import services as authoring
    from lms.catalog.models import Course
    from lms.extensions import db
    from lms.quizzes.types import Answers

    with app.app_context():
        admin, course = db.session.get(User, ids["admin"]), db.session.get(Course, ids["course"])
        draft = authoring.draft_of(course)
        folders = authoring.module_folders(draft.files)
        first = authoring._lessons(draft.files, folders[0])
        path = first[0]
        authoring.save_lesson(
            admin,
            course,
            draft.version,
            path,
            "Hoaks di grup WhatsApp gampong",
            "8",
            "Contoh lokal dari Bireuen.\n\n" + "Kalimat pelajaran yang ditulis ulang. " * 120,
        )
        new = authoring.add_lesson(
            admin, course, authoring.draft_of(course).version, folders[1], "Kabar dari pasar"
        )
        assert new
        authoring.remove_lesson(admin, course, authoring.draft_of(course).version, first[-1])
        folder = next(f for f in folders if f.endswith(ids["quiz_folder"]))
        quiz = authoring.quiz_of(authoring.draft_of(course).files, folder)
        question = next(q for q in quiz["questions"] if q.get("type") == "true_false")
        authoring.save_question(
            admin,
            course,
            authoring.draft_of(course).version,
            folder,
            authoring.QuestionEntry(
                qtype="true_false",
                prompt="Pernyataan yang ditulis ulang oleh penulis Bireuen.",
                explanation="Penjelasan baru.",
                values=Answers.from_pairs([("answer", "true")], prefix=""),
                question_id=question["id"],
            ),
        )


def main() -> None:
    app = bench_app(COURSES_DIR=str(COURSES))
    start = time.perf_counter()
    ids = prepare(app)
    seeded = time.perf_counter() - start
    change(app, ids)

    from lms.accounts.models import User
    from lms.authoring import services as authoring
    from lms.catalog.models import Course, Lesson, LessonProgress
    from lms.extensions import db
    from lms.quizzes.models import Attempt

    with app.app_context():
        admin, course = db.session.get(User, ids["admin"]), db.session.get(Course, ids["course"])
        start = time.perf_counter()
        summary = authoring.pending_changes(admin, course)
        dry_run = time.perf_counter() - start
        version = authoring.draft_of(course).version
        with Counter(db.engine) as counter:
            start = time.perf_counter()
            authoring.publish(admin, course, version)
            seconds = time.perf_counter() - start
        progress = db.session.scalar(
            select(func.count(LessonProgress.id)).where(LessonProgress.course_id == course.id)
        )
        hidden = db.session.scalar(
            select(func.count(Lesson.id)).where(
                Lesson.hidden.is_(True), Lesson.module.has(course_id=course.id)
            )
        )
        open_papers = db.session.scalar(
            select(func.count(Attempt.id)).where(
                Attempt.course_id == course.id, Attempt.submitted_at.is_(None)
            )
        )
    result = {
        "database": database_name(app),
        "trainees": TRAINEES,
        "open_attempts": OPEN_ATTEMPTS,
        "seeding_s": round(seeded, 1),
        "changes": {f"{k}:{w}": n for (k, w), n in summary.report.counts.items()},
        "summary_page_s": round(dry_run, 3),
        "publish_s": round(seconds, 3),
        "target_s": TARGET_SECONDS,
        "within_target": seconds < TARGET_SECONDS,
        "commits": counter.commits,
        "sql_statements": counter.statements,
        "progress_rows_kept": progress,
        "lessons_hidden": hidden,
        "open_attempts_kept": open_papers,
    }
    write_result(f"publish-{result['database']}", result)


if __name__ == "__main__":
    main()
