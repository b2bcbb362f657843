"""Catalogue, enrolment and progress: the rules, and the queries pages need."""

from dataclasses import dataclass, field

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, func, or_, select, true
from sqlalchemy.exc import IntegrityError

from .. import permissions, signals
from ..errors import ServiceError
from ..extensions import db, local_cache
from ..issuers.models import UnitAuthor
from ..timeutil import utcnow
from .models import Course, CourseAsset, Enrolment, Lesson, LessonProgress, Module


@dataclass(frozen=True)
class LessonItem:
    id: int
    slug: str
    title: str
    minutes: int
    module_id: int


@dataclass
class ModuleItem:
    id: int
    slug: str
    position: int
    title: str
    summary: str
    objectives: list
    lessons: list = field(default_factory=list)

    @property
    def minutes(self) -> int:
        return sum(lesson.minutes for lesson in self.lessons)


@dataclass
class Outline:
    """A course's visible modules and lessons, in order."""

    modules: list

    @property
    def lessons(self) -> list[LessonItem]:
        return [lesson for module in self.modules for lesson in module.lessons]

    @property
    def minutes(self) -> int:
        return sum(m.minutes for m in self.modules)

    def neighbours(self, lesson_id: int) -> tuple[LessonItem | None, LessonItem | None]:
        lessons = self.lessons
        ids = [lesson.id for lesson in lessons]
        if lesson_id not in ids:
            return None, None
        i = ids.index(lesson_id)
        return (lessons[i - 1] if i > 0 else None, lessons[i + 1] if i + 1 < len(lessons) else None)

    def module_of(self, lesson_id: int) -> ModuleItem | None:
        return next((m for m in self.modules if any(x.id == lesson_id for x in m.lessons)), None)

    def next_unfinished(self, done: set) -> LessonItem | None:
        return next((lesson for lesson in self.lessons if lesson.id not in done), None)


def outline(course: Course) -> Outline:
    """The course outline, kept in process for each version of the course (updated_at changes
    at every import that changes it, so an old outline is never served)."""
    key = f"outline:{course.id}:{course.updated_at.isoformat()}"
    cached = local_cache.get(key)
    if cached is not None:
        return cached
    modules: dict[int, ModuleItem] = {}
    rows = db.session.execute(
        select(Module, Lesson.id, Lesson.slug, Lesson.title, Lesson.minutes)
        .join(Lesson, and_(Lesson.module_id == Module.id, Lesson.hidden.is_(False)))
        .where(Module.course_id == course.id, Module.hidden.is_(False))
        .order_by(Module.position, Lesson.position)
    )
    for module, lesson_id, slug, title, minutes in rows:
        item = modules.get(module.id)
        if item is None:
            item = modules[module.id] = ModuleItem(
                module.id,
                module.slug,
                module.position,
                module.title,
                module.summary,
                list(module.objectives or []),
            )
        item.lessons.append(LessonItem(lesson_id, slug, title, minutes, module.id))
    result = Outline(list(modules.values()))
    local_cache.set(key, result, timeout=0)
    return result


def seen_by(user):
    """Which courses a person may see: the public catalogue, and a unit's own courses for the
    people in its cohorts (enrolled by joining), its authors and admins."""
    if permissions.is_admin(user):
        return true()
    condition = Course.visibility == "public"
    if user is not None and user.is_authenticated:
        # Correlated on the course only, so a query that also joins enrolments can use it.
        enrolled = (
            select(Enrolment.id)
            .where(Enrolment.course_id == Course.id, Enrolment.user_id == user.id)
            .correlate(Course)
        )
        author = (
            select(UnitAuthor.id)
            .where(UnitAuthor.user_id == user.id, UnitAuthor.issuer_id == Course.issuer_id)
            .correlate(Course)
        )
        condition = or_(condition, enrolled.exists(), author.exists())
    return condition


def visible_courses(user=None) -> list[Course]:
    return list(
        db.session.scalars(
            select(Course).where(Course.hidden.is_(False), seen_by(user)).order_by(Course.title)
        )
    )


def get_course(slug: str, user=None) -> Course | None:
    """The course, if it is published and the person may see it (else None: a 404)."""
    return db.session.scalar(
        select(Course).where(Course.slug == slug, Course.hidden.is_(False), seen_by(user))
    )


def get_enrolment(user, course: Course) -> Enrolment | None:
    if user is None or not user.is_authenticated:
        return None
    return db.session.scalar(
        select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == course.id)
    )


def completed_lessons(user, course_id: int) -> set[int]:
    if user is None or not user.is_authenticated:
        return set()
    return completed_lessons_of(user.id, course_id)


def completed_lessons_of(user_id: int, course_id: int) -> set[int]:
    return set(
        db.session.scalars(
            select(LessonProgress.lesson_id).where(
                LessonProgress.user_id == user_id, LessonProgress.course_id == course_id
            )
        )
    )


def enrol(user, course: Course) -> Enrolment:
    """Enrol self-paced; enrolling twice returns the existing enrolment."""
    if course.hidden:
        raise ServiceError(_l("This course is not available."))
    existing = get_enrolment(user, course)
    if existing is not None:
        return existing
    enrolment = Enrolment(user_id=user.id, course_id=course.id)
    db.session.add(enrolment)
    try:
        db.session.commit()
    except IntegrityError:  # a second click raced the first
        db.session.rollback()
        return get_enrolment(user, course)
    return enrolment


def add_enrolments(user_ids, course: Course) -> int:
    """Enrol these people (a cohort's trainees), skipping anyone already enrolled.

    Part of the caller's transaction: the caller commits. Returns how many were new."""
    if course.hidden:
        raise ServiceError(_l("This course is not available."))
    wanted = set(user_ids)
    if not wanted:
        return 0
    existing = set(
        db.session.scalars(
            select(Enrolment.user_id).where(
                Enrolment.course_id == course.id, Enrolment.user_id.in_(wanted)
            )
        )
    )
    for user_id in sorted(wanted - existing):
        db.session.add(Enrolment(user_id=user_id, course_id=course.id))
    return len(wanted - existing)


@dataclass
class LessonPage:
    course: Course
    lesson: Lesson
    enrolment: Enrolment | None
    outline: Outline
    done: set


def find_lesson(user, course_slug: str, lesson_id: int):
    """(lesson, course, the person's enrolment or None) for a published lesson of a course the
    person may see; None otherwise. One query."""
    return db.session.execute(
        select(Lesson, Course, Enrolment)
        .join(Course, Course.id == Lesson.course_id)
        .join(Module, Module.id == Lesson.module_id)
        .outerjoin(Enrolment, and_(Enrolment.course_id == Course.id, Enrolment.user_id == user.id))
        .where(
            Lesson.id == lesson_id,
            Course.slug == course_slug,
            Lesson.hidden.is_(False),
            Module.hidden.is_(False),
            Course.hidden.is_(False),
            seen_by(user),
        )
    ).first()


def lesson_page(user, course_slug: str, lesson_id: int) -> LessonPage | None:
    """Everything the lesson page shows, in two queries (plus the signed-in user)."""
    row = find_lesson(user, course_slug, lesson_id)
    if row is None:
        return None
    lesson, course, enrolment = row
    done = completed_lessons(user, course.id) if enrolment else set()
    return LessonPage(course, lesson, enrolment, outline(course), done)


def complete_lesson(user, course: Course, lesson_id: int) -> LessonItem | None:
    """Mark a lesson complete (idempotent); returns the next lesson, if any."""
    enrolment = get_enrolment(user, course)
    if enrolment is None:
        raise ServiceError(_l("Enrol in the course first."))
    course_outline = outline(course)
    if lesson_id not in {lesson.id for lesson in course_outline.lessons}:
        raise ServiceError(_l("This lesson is not part of the course."))
    done = completed_lessons(user, course.id)
    now = utcnow()
    if lesson_id not in done:
        db.session.add(
            LessonProgress(
                user_id=user.id, lesson_id=lesson_id, course_id=course.id, completed_at=now
            )
        )
        done.add(lesson_id)
    enrolment.last_lesson_id = lesson_id
    enrolment.last_activity_at = now
    signals.progress_changed.send(user_id=user.id, course=course)
    try:
        db.session.commit()
    except IntegrityError:  # the same lesson marked twice at once
        db.session.rollback()
    _, following = course_outline.neighbours(lesson_id)
    return following


def resume_lesson(user, course: Course) -> LessonItem | None:
    return outline(course).next_unfinished(completed_lessons(user, course.id))


@signals.landing_page.connect
def resume_url(user, **_) -> str | None:
    """The next lesson of the course this person worked on most recently, if unfinished."""
    enrolment = db.session.scalar(
        select(Enrolment)
        .join(Course, Course.id == Enrolment.course_id)
        .where(Enrolment.user_id == user.id, Course.hidden.is_(False))
        .order_by(Enrolment.last_activity_at.desc(), Enrolment.id.desc())
        .limit(1)
    )
    if enrolment is None:
        return None
    lesson = resume_lesson(user, enrolment.course)
    if lesson is None:
        return None
    return url_for("catalog.lesson", slug=enrolment.course.slug, lesson_id=lesson.id)


@dataclass
class Progress:
    course: Course
    enrolment: Enrolment
    done: int
    total: int
    next_lesson: LessonItem | None

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def my_learning(user) -> list[Progress]:
    """Every course this person is enrolled in, most recently active first."""
    rows = db.session.execute(
        select(Enrolment, Course)
        .join(Course, Course.id == Enrolment.course_id)
        .where(Enrolment.user_id == user.id, Course.hidden.is_(False))
        .order_by(Enrolment.last_activity_at.desc(), Enrolment.id.desc())
    ).all()
    done_rows = db.session.execute(
        select(LessonProgress.course_id, LessonProgress.lesson_id).where(
            LessonProgress.user_id == user.id
        )
    ).all()
    done_by_course: dict[int, set] = {}
    for course_id, lesson_id in done_rows:
        done_by_course.setdefault(course_id, set()).add(lesson_id)
    result = []
    for enrolment, course in rows:
        course_outline = outline(course)
        done = done_by_course.get(course.id, set())
        visible = {x.id for x in course_outline.lessons}
        result.append(
            Progress(
                course,
                enrolment,
                len(done & visible),
                len(visible),
                course_outline.next_unfinished(done),
            )
        )
    return result


def course_stats() -> dict[int, tuple[int, int]]:
    """(lessons, minutes) per visible course, for the catalogue."""
    rows = db.session.execute(
        select(Lesson.course_id, func.count(Lesson.id), func.sum(Lesson.minutes))
        .join(Module, Module.id == Lesson.module_id)
        .where(Lesson.hidden.is_(False), Module.hidden.is_(False))
        .group_by(Lesson.course_id)
    )
    return {course_id: (count, minutes or 0) for course_id, count, minutes in rows}


def get_asset(course_slug: str, path: str, user=None) -> tuple[CourseAsset, Course] | None:
    """A picture of a course the person may see (a unit's course: only its people), with the
    course; None is a 404."""
    row = db.session.execute(
        select(CourseAsset, Course)
        .join(Course, Course.id == CourseAsset.course_id)
        .where(Course.slug == course_slug, CourseAsset.path == path, seen_by(user))
    ).first()
    return tuple(row) if row else None


# ---------------------------------------------------------------- personal data


def _slugs() -> dict[int, str]:
    return dict(db.session.execute(select(Course.id, Course.slug)).all())


@signals.personal_data_export.connect
def export_learning(user, **_) -> dict:
    slugs = _slugs()
    return {
        "enrolments": [
            {
                "course": slugs.get(e.course_id),
                "enrolled_at": signals.iso(e.created_at),
                "last_activity_at": signals.iso(e.last_activity_at),
                "completed_at": signals.iso(e.completed_at),
            }
            for e in db.session.scalars(select(Enrolment).where(Enrolment.user_id == user.id))
        ],
        "lessons_completed": [
            {
                "course": slugs.get(p.course_id),
                "lesson_id": p.lesson_id,
                "at": signals.iso(p.completed_at),
            }
            for p in db.session.scalars(
                select(LessonProgress).where(LessonProgress.user_id == user.id)
            )
        ],
    }


@signals.account_erasing.connect
def erase_learning(user, **_) -> None:
    for model in (LessonProgress, Enrolment):
        db.session.execute(delete(model).where(model.user_id == user.id))
