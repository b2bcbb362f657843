"""Write loaded courses to the database: upsert by slug, hide what was removed. One transaction."""

from collections import Counter

from sqlalchemy import select

from ..catalog.models import Course, CourseAsset, Lesson, Module
from ..extensions import db
from ..quizzes.models import Quiz
from ..tasks.models import Task
from ..timeutil import utcnow
from .loader import CourseData, QuizData, TaskData


class Report:
    def __init__(self):
        self.counts: Counter = Counter()
        self.items: dict = {}  # (kind, what) -> the titles, for the changes summary

    def add(self, kind: str, what: str, name: str = "") -> None:
        self.counts[(kind, what)] += 1
        if name:
            self.items.setdefault((kind, what), []).append(name)

    def names(self, kind: str, what: str) -> list[str]:
        return self.items.get((kind, what), [])

    def lines(self) -> list[str]:
        kinds = ("courses", "modules", "lessons", "quizzes", "tasks", "images")
        return [
            f"{kind}: {self.counts[(kind, 'created')]} created, "
            f"{self.counts[(kind, 'updated')]} updated, {self.counts[(kind, 'hidden')]} hidden"
            for kind in kinds
        ]

    def total(self, what: str) -> int:
        return sum(n for (_, w), n in self.counts.items() if w == what)


def _apply(obj, values: dict) -> bool:
    changed = False
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed = True
    return changed


def _name(values: dict) -> str:
    return values.get("title") or values.get("path") or values.get("slug") or ""


def _upsert(report, kind, existing, make, values):
    """Update `existing` with values (counting a change), or create it."""
    if existing is None:
        obj = make(**values)
        db.session.add(obj)
        report.add(kind, "created", _name(values))
        return obj, True
    changed = _apply(existing, {**values, "hidden": False})
    if changed:
        report.add(kind, "updated", _name(values))
    return existing, changed


def _hide(report, kind, items) -> None:
    for item in items:
        if not item.hidden:
            item.hidden = True
            report.add(kind, "hidden", getattr(item, "title", ""))


class SourceConflict(ValueError):
    """A course folder's slug belongs to a course of the other kind (files / browser)."""


def sync(courses: list[CourseData], hide_missing: bool = True, source: str = "files") -> Report:
    """Upsert every course in the caller's transaction (the caller commits or rolls back);
    with hide_missing, courses of the same source absent from the list are hidden (a course
    written in the browser is never hidden by an import of courses/)."""
    report = Report()
    by_slug = {c.slug: c for c in db.session.scalars(select(Course))}
    for data in courses:
        existing = by_slug.get(data.slug)
        if existing is not None and existing.source != source:
            raise SourceConflict(
                f"{data.slug}: this slug belongs to a course written in the "
                f"{'browser' if existing.source == 'browser' else 'courses/ folder'}"
            )
        _sync_course(report, existing, data)
    if hide_missing:
        seen = {c.slug for c in courses}
        _hide(
            report,
            "courses",
            [c for slug, c in by_slug.items() if slug not in seen and c.source == source],
        )
    return report


def sync_courses(courses: list[CourseData], hide_missing: bool = True) -> Report:
    """Upsert the courses of courses/ in one transaction."""
    try:
        report = sync(courses, hide_missing)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return report


def _sync_course(report: Report, course: Course | None, data: CourseData) -> None:
    values = {
        "slug": data.slug,
        "title": data.title,
        "summary": data.summary,
        "level": data.level,
        "hours": data.hours,
        "version": data.version,
        "certificate_title": data.certificate_title,
        "certificate_requires": data.certificate_requires,
        "certificate_valid_years": data.certificate_valid_years,
        "cover": data.cover,
    }
    course, changed = _upsert(report, "courses", course, Course, values)
    db.session.flush()
    any_change = changed

    modules = {
        m.slug: m for m in db.session.scalars(select(Module).where(Module.course_id == course.id))
    }
    lessons = {
        (lesson.module_id, lesson.slug): lesson
        for lesson in db.session.scalars(select(Lesson).where(Lesson.course_id == course.id))
    }
    quizzes = {
        q.key: q for q in db.session.scalars(select(Quiz).where(Quiz.course_id == course.id))
    }
    tasks = {t.key: t for t in db.session.scalars(select(Task).where(Task.course_id == course.id))}
    seen_modules, seen_lessons, seen_quizzes, seen_tasks = set(), set(), set(), set()
    for m in data.modules:
        module, changed = _upsert(
            report,
            "modules",
            modules.get(m.slug),
            Module,
            {
                "course_id": course.id,
                "slug": m.slug,
                "position": m.position,
                "title": m.title,
                "summary": m.summary,
                "objectives": m.objectives,
            },
        )
        db.session.flush()
        any_change |= changed
        seen_modules.add(module.id)
        for lesson_data in m.lessons:
            lesson, changed = _upsert(
                report,
                "lessons",
                lessons.get((module.id, lesson_data.slug)),
                Lesson,
                {
                    "course_id": course.id,
                    "module_id": module.id,
                    "slug": lesson_data.slug,
                    "position": lesson_data.position,
                    "title": lesson_data.title,
                    "minutes": lesson_data.minutes,
                    "html": lesson_data.html,
                },
            )
            db.session.flush()
            any_change |= changed
            seen_lessons.add(lesson.id)
        if m.quiz is not None:
            any_change |= _sync_quiz(report, course, module.id, quizzes.get(m.quiz.key), m.quiz)
            seen_quizzes.add(m.quiz.key)
        if m.task is not None:
            key = f"module:{m.slug}"  # the same key as the module's quiz
            any_change |= _sync_task(report, course, module.id, tasks.get(key), key, m.task)
            seen_tasks.add(key)
    if data.final_exam is not None:
        any_change |= _sync_quiz(report, course, None, quizzes.get("final-exam"), data.final_exam)
        seen_quizzes.add("final-exam")

    hidden_before = report.total("hidden")
    _hide(report, "modules", [m for m in modules.values() if m.id not in seen_modules])
    _hide(report, "lessons", [x for x in lessons.values() if x.id not in seen_lessons])
    _hide(report, "quizzes", [q for key, q in quizzes.items() if key not in seen_quizzes])
    _hide(report, "tasks", [t for key, t in tasks.items() if key not in seen_tasks])
    any_change |= report.total("hidden") > hidden_before

    assets = {
        a.path: a
        for a in db.session.scalars(select(CourseAsset).where(CourseAsset.course_id == course.id))
    }
    for path, asset in data.assets.items():
        existing = assets.get(path)
        if existing is None:
            db.session.add(
                CourseAsset(
                    course_id=course.id,
                    path=path,
                    content_type=asset.content_type,
                    sha256=asset.sha256,
                    data=asset.data,
                )
            )
            report.add("images", "created")
        elif existing.sha256 != asset.sha256:
            existing.data, existing.sha256 = asset.data, asset.sha256
            existing.content_type = asset.content_type
            report.add("images", "updated")
    if any_change:
        course.updated_at = utcnow()


def _sync_quiz(report, course, module_id, quiz: Quiz | None, data: QuizData) -> bool:
    _, changed = _upsert(
        report,
        "quizzes",
        quiz,
        Quiz,
        {
            "course_id": course.id,
            "module_id": module_id,
            "key": data.key,
            "title": data.title,
            "settings": data.settings,
            "questions": data.questions,
        },
    )
    return changed


def _sync_task(report, course, module_id, task: Task | None, key: str, data: TaskData) -> bool:
    _, changed = _upsert(
        report,
        "tasks",
        task,
        Task,
        {
            "course_id": course.id,
            "module_id": module_id,
            "key": key,
            "title": data.title,
            "minutes": data.minutes,
            "instructions_html": data.instructions_html,
            "submit": data.submit,
            "rubric": data.rubric,
            "pass_score": data.pass_score,
            "review": data.review,
            "peer_reviewers": data.peer_reviewers,
        },
    )
    return changed
