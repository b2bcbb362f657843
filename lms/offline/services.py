"""Offline copies of a course: what a saved copy holds, its version, and completions recorded
on a device while offline, sent once the connection returns."""

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError

from .. import signals
from ..catalog import services as catalog
from ..catalog.models import Course, CourseAsset, Enrolment, Lesson, LessonProgress, Module
from ..errors import ServiceError
from ..extensions import db, local_cache
from ..timeutil import utcnow

STATIC = Path(__file__).resolve().parent.parent / "static"
# What a lesson page adds to its lesson's text (header, navigation, footer), and the course page
# per lesson listed: measured on the shipped courses, rounded up.
PAGE_OVERHEAD = 2_300
COURSE_PAGE_BASE, COURSE_PAGE_PER_LESSON = 6_000, 400
MAX_ITEMS = 500  # completions sent at once; a course has far fewer lessons


def course_version(course: Course) -> str:
    """A short token that changes whenever the published course changes."""
    raw = f"{course.id}|{course.version}|{course.updated_at.isoformat()}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


@dataclass
class OfflineCopy:
    """What "Simpan untuk offline" downloads for one course."""

    slug: str
    title: str
    version: str
    lessons: int
    bytes: int
    urls: list = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "slug": self.slug,
            "title": self.title,
            "version": self.version,
            "lessons": self.lessons,
            "bytes": self.bytes,
            "urls": self.urls,
        }


def _shell_bytes() -> int:
    return sum((STATIC / name).stat().st_size for name in ("style.css", "offline.js"))


def offline_copy(course: Course) -> OfflineCopy:
    """The course page, every visible lesson page and the images they show, at the published
    version; kept in process per version (two small queries when not yet known)."""
    key = f"offline-copy:{course.id}:{course.updated_at.isoformat()}"
    cached = local_cache.get(key)
    if cached is not None:
        return cached
    outline = catalog.outline(course)
    lesson_ids = [lesson.id for lesson in outline.lessons]
    htmls = dict(
        db.session.execute(select(Lesson.id, Lesson.html).where(Lesson.id.in_(lesson_ids))).all()
    )
    prefix = f"/kursus/{course.slug}/media/"
    wanted = {course.cover} if course.cover else set()
    pattern = re.compile(re.escape(prefix) + r"""([^"'?#\s]+)""")
    for html in htmls.values():
        wanted.update(pattern.findall(html))
    sizes = dict(
        db.session.execute(
            select(CourseAsset.path, func.length(CourseAsset.data)).where(
                CourseAsset.course_id == course.id, CourseAsset.path.in_(wanted)
            )
        ).all()
    )
    urls = [url_for("catalog.course", slug=course.slug)]
    urls += [url_for("catalog.lesson", slug=course.slug, lesson_id=i) for i in lesson_ids]
    urls += [url_for("catalog.media", slug=course.slug, path=p) for p in sorted(sizes)]
    size = COURSE_PAGE_BASE + COURSE_PAGE_PER_LESSON * len(lesson_ids) + _shell_bytes()
    size += sum(PAGE_OVERHEAD + len(html.encode()) for html in htmls.values())
    size += sum(int(n or 0) for n in sizes.values())
    result = OfflineCopy(
        course.slug, course.title, course_version(course), len(lesson_ids), size, urls
    )
    local_cache.set(key, result, timeout=0)
    return result


# ---------------------------------------------------------------- completions made offline


@dataclass(frozen=True)
class OfflineCompletion:
    lesson_id: int
    at: datetime | None  # when the trainee tapped "Tandai selesai" on the device (UTC)


@dataclass
class SyncResult:
    recorded: list = field(default_factory=list)  # newly recorded lesson ids
    already: list = field(default_factory=list)  # done before (online, or sent earlier)
    refused: list = field(default_factory=list)  # not a lesson this person may complete

    def as_json(self) -> dict:
        return {"recorded": self.recorded, "already": self.already, "refused": self.refused}


def parse_completions(payload) -> list[OfflineCompletion]:
    """The JSON body {"completions": [{"lesson": 12, "at": "2026-12-04T03:00:00Z"}, …]}."""
    items = payload.get("completions") if isinstance(payload, dict) else None
    if not isinstance(items, list) or not items:
        raise ServiceError(_l("No completions were sent."))
    if len(items) > MAX_ITEMS:
        raise ServiceError(_l("Too many completions at once."))
    result = []
    for item in items:
        lesson = item.get("lesson") if isinstance(item, dict) else None
        if isinstance(lesson, bool) or not isinstance(lesson, int) or not 0 < lesson < 2**31:
            raise ServiceError(_l("A completion names no valid lesson."))
        at = None
        raw = item.get("at")
        if isinstance(raw, str) and len(raw) <= 40:
            try:
                parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
                if parsed.tzinfo is not None:
                    parsed = parsed.astimezone(UTC)
                at = parsed.replace(tzinfo=None, microsecond=0)
            except ValueError:
                at = None
        result.append(OfflineCompletion(lesson, at))
    return result


def record_completions(user, completions: list[OfflineCompletion]) -> SyncResult:
    """Record lessons marked complete on a device while offline, in one transaction.

    Idempotent: a lesson already complete (online, or sent before) changes nothing. The time
    kept is the device's, within sense (not before enrolling, not in the future)."""
    now = utcnow()
    wanted: dict[int, OfflineCompletion] = {}
    for item in completions:
        wanted.setdefault(item.lesson_id, item)
    rows = db.session.execute(
        select(Lesson.id, Lesson.course_id, Enrolment)
        .join(Module, Module.id == Lesson.module_id)
        .join(Course, Course.id == Lesson.course_id)
        .join(Enrolment, and_(Enrolment.course_id == Course.id, Enrolment.user_id == user.id))
        .where(
            Lesson.id.in_(wanted),
            Lesson.hidden.is_(False),
            Module.hidden.is_(False),
            Course.hidden.is_(False),
        )
    ).all()
    allowed = {lesson_id: (course_id, enrolment) for lesson_id, course_id, enrolment in rows}
    done = set(
        db.session.scalars(
            select(LessonProgress.lesson_id).where(
                LessonProgress.user_id == user.id, LessonProgress.lesson_id.in_(wanted)
            )
        )
    )
    result = SyncResult()
    touched: dict[int, Enrolment] = {}
    for lesson_id in wanted:
        if lesson_id not in allowed:
            result.refused.append(lesson_id)
        elif lesson_id in done:
            result.already.append(lesson_id)
        else:
            course_id, enrolment = allowed[lesson_id]
            at = wanted[lesson_id].at or now
            at = min(max(at, enrolment.created_at), now)
            db.session.add(
                LessonProgress(
                    user_id=user.id, lesson_id=lesson_id, course_id=course_id, completed_at=at
                )
            )
            if enrolment.last_activity_at < at + timedelta(seconds=1):
                enrolment.last_lesson_id, enrolment.last_activity_at = lesson_id, at
            touched[course_id] = enrolment
            result.recorded.append(lesson_id)
    if not touched:
        return result
    for enrolment in touched.values():
        signals.progress_changed.send(user_id=user.id, course=enrolment.course)
    try:
        db.session.commit()
    except IntegrityError:  # the same completions sent twice at once: the other one won
        db.session.rollback()
        return SyncResult(already=result.recorded + result.already, refused=result.refused)
    return result
