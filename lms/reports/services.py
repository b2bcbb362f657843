"""Cohort dashboards and the organisers' overview: a fixed number of queries, whatever the size."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import Integer, and_, case, distinct, false, func, literal, null, select, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from .. import regions, signals
from ..accounts.models import User
from ..catalog import services as catalog
from ..catalog.models import Course, Enrolment, LessonProgress
from ..certificates.models import Certificate
from ..cohorts.models import Cohort, CohortMember
from ..completion.services import course_status
from ..extensions import cache, db
from ..quizzes.models import Attempt, Quiz
from ..tasks import services as tasks
from ..tasks.models import PASSED, SUBMITTED, TaskWork
from ..timeutil import utcnow

NOT_STARTED, LEARNING, COMPLETED, CERTIFIED, INACTIVE = (
    "belum-mulai",
    "sedang-belajar",
    "selesai",
    "bersertifikat",
    "tidak-aktif",
)
STATUSES = (NOT_STARTED, LEARNING, COMPLETED, CERTIFIED)
FILTERS = (*STATUSES, INACTIVE)
SORTS = (
    "nama",
    "wilayah",
    "progres",
    "pelajaran",
    "kuis",
    "tugas",
    "ujian",
    "sertifikat",
    "aktivitas",
)
INACTIVE_DAYS = 14
WEEKS_SHOWN = 16
MONDAY_EPOCH = date(1970, 1, 5)  # the first Monday after the Unix epoch


class week_number(FunctionElement):
    """Whole weeks (Monday to Sunday) between 1970-01-05 and a timestamp shifted by `hours`."""

    type = Integer()
    inherit_cache = True


@compiles(week_number, "sqlite")
def _week_sqlite(element, compiler, **kw):
    at, hours = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST((julianday({at}) + {hours} / 24.0 - 2440591.5) / 7 AS INTEGER)"


@compiles(week_number, "postgresql")
def _week_postgresql(element, compiler, **kw):
    at, hours = (compiler.process(c, **kw) for c in element.clauses)
    monday = f"CAST(date_trunc('week', {at} + {hours} * INTERVAL '1 hour') AS DATE)"
    return f"CAST(({monday} - DATE '1970-01-05') / 7 AS INTEGER)"


def week_start(number: int) -> date:
    return MONDAY_EPOCH + timedelta(weeks=number)


def week_of(day: date) -> int:
    return (day - MONDAY_EPOCH).days // 7


@dataclass
class TraineeRow:
    user_id: int
    full_name: str
    email: str | None
    phone: str | None
    province_code: str
    regency_code: str
    joined_at: datetime
    lessons_done: int
    lessons_total: int
    quizzes_passed: int
    quizzes_total: int
    final_best: float | None
    completed: bool
    certified: bool
    last_activity: datetime | None
    tasks_passed: int = 0
    tasks_total: int = 0
    tasks_waiting: int = 0  # handed in, not reviewed yet
    status: str = NOT_STARTED
    inactive: bool = False
    name_key: tuple = ()

    @property
    def percent(self) -> int:
        return round(100 * self.lessons_done / self.lessons_total) if self.lessons_total else 0

    @property
    def login(self) -> str:
        return self.email or self.phone or ""

    @property
    def region(self) -> str:
        return regions.name(self.regency_code)


@dataclass
class Week:
    start: date
    active: int
    events: int


@dataclass
class CohortReport:
    cohort: Cohort
    course: Course
    rows: list
    inactive_days: int
    has_final: bool
    quizzes_total: int
    lessons_total: int
    weeks: list = field(default_factory=list)
    computed_at: datetime = field(default_factory=utcnow)

    def count(self, status: str) -> int:
        if status == INACTIVE:
            return sum(1 for r in self.rows if r.inactive)
        return sum(1 for r in self.rows if r.status == status)

    @property
    def average_progress(self) -> int:
        return round(sum(r.percent for r in self.rows) / len(self.rows)) if self.rows else 0

    @property
    def completion_rate(self) -> int:
        done = sum(1 for r in self.rows if r.status in (COMPLETED, CERTIFIED))
        return round(100 * done / len(self.rows)) if self.rows else 0

    @property
    def funnel(self) -> list[tuple[str, int]]:
        rows = self.rows
        return [
            ("enrolled", len(rows)),
            ("started", sum(1 for r in rows if r.status != NOT_STARTED)),
            ("half", sum(1 for r in rows if r.percent >= 50)),
            ("completed", sum(1 for r in rows if r.completed)),
            ("certified", sum(1 for r in rows if r.certified)),
        ]


def _course_items(course: Course):
    """The visible lessons (from the cached outline) and quizzes of a course: one query."""
    outline = catalog.outline(course)
    module_ids = {m.id for m in outline.modules}
    quizzes = db.session.execute(
        select(Quiz.id, Quiz.module_id).where(Quiz.course_id == course.id, Quiz.hidden.is_(False))
    ).all()
    module_quizzes = [q.id for q in quizzes if q.module_id in module_ids]
    final = next((q.id for q in quizzes if q.module_id is None), None)
    return outline, [lesson.id for lesson in outline.lessons], module_quizzes, final


def _version_key(cohort_id: int) -> str:
    return f"cohort-version:{cohort_id}"


@signals.cohort_changed.connect
def forget_cohort_report(cohort_id: int, **_) -> None:
    """A trainer's action shows on the dashboard at once: the cohort's cached report is
    dropped (on every app server when the cache is Redis)."""
    cache.set(_version_key(cohort_id), (cache.get(_version_key(cohort_id)) or 0) + 1, timeout=0)


def cohort_report(
    cohort: Cohort, inactive_days: int = INACTIVE_DAYS, now: datetime | None = None, tz_hours=7
) -> CohortReport:
    """The report, kept for LMS_DASHBOARD_CACHE_SECONDS: a trainer reloading or paging through
    a large cohort does not recompute it each time; other people's activity shows within that
    time (the page says when the figures were computed)."""
    ttl = current_app.config["DASHBOARD_CACHE_SECONDS"]
    if not ttl or now is not None:
        return _compute_cohort_report(cohort, inactive_days, now, tz_hours)
    version = cache.get(_version_key(cohort.id)) or 0
    key = f"cohort-report:{cohort.id}:{version}:{inactive_days}:{tz_hours}"
    cached = cache.get(key)
    if cached is not None:
        course = db.session.get(Course, cohort.course_id)
        return CohortReport(cohort, course, *cached)
    report = _compute_cohort_report(cohort, inactive_days, now, tz_hours)
    cache.set(
        key,
        (
            report.rows,
            report.inactive_days,
            report.has_final,
            report.quizzes_total,
            report.lessons_total,
            report.weeks,
            report.computed_at,
        ),
        timeout=ttl,
    )
    return report


def _compute_cohort_report(
    cohort: Cohort, inactive_days: int = INACTIVE_DAYS, now: datetime | None = None, tz_hours=7
) -> CohortReport:
    """Every trainee's progress in the cohort's course, the summary and the weekly activity.

    Four queries (course, quizzes, trainees, weeks) plus the outline when not cached,
    whatever the number of trainees."""
    now = now or utcnow()
    course = db.session.get(Course, cohort.course_id)
    outline, lesson_ids, module_quizzes, final = _course_items(course)
    member = CohortMember
    in_cohort = and_(member.cohort_id == cohort.id)

    # Each aggregate starts from the cohort's members and looks up their rows by user: the
    # cost follows the cohort's size, not the size of the whole progress table.
    lessons = (
        select(
            member.user_id.label("user_id"),
            func.count(LessonProgress.id).label("done"),
            func.max(LessonProgress.completed_at).label("last"),
        )
        .join(
            LessonProgress,
            and_(
                LessonProgress.user_id == member.user_id,
                LessonProgress.course_id == course.id,
                LessonProgress.lesson_id.in_(lesson_ids),
            ),
        )
        .where(in_cohort)
        .group_by(member.user_id)
        .subquery()
    )
    passed_module = (
        and_(Attempt.passed.is_(True), Attempt.quiz_id.in_(module_quizzes))
        if module_quizzes
        else false()
    )
    attempts = (
        select(
            member.user_id.label("user_id"),
            func.count(distinct(case((passed_module, Attempt.quiz_id)))).label("passed"),
            (
                func.max(case((Attempt.quiz_id == final, Attempt.percent)))
                if final is not None
                else null()
            ).label("final_best"),
            func.max(Attempt.started_at).label("last"),
        )
        .select_from(member)
        .join(Attempt, and_(Attempt.user_id == member.user_id, Attempt.course_id == course.id))
        .where(in_cohort)
        .group_by(member.user_id)
        .subquery()
    )
    certificates = (
        select(member.user_id.label("user_id"))
        .join(
            Certificate,
            and_(
                Certificate.user_id == member.user_id,
                Certificate.course_id == course.id,
                Certificate.valid,
            ),
        )
        .where(in_cohort)
        .group_by(member.user_id)
        .subquery()
    )
    task_ids = [t.id for t in tasks.tasks_of(course.id)]
    works = (
        select(
            member.user_id.label("user_id"),
            func.count(case((TaskWork.status == PASSED, 1))).label("passed"),
            func.count(case((TaskWork.status == SUBMITTED, 1))).label("waiting"),
        )
        .join(
            TaskWork,
            and_(TaskWork.user_id == member.user_id, TaskWork.task_id.in_(task_ids)),
        )
        .where(in_cohort)
        .group_by(member.user_id)
        .subquery()
    )
    stmt = (
        select(
            User.id,
            User.full_name,
            User.email,
            User.phone,
            User.province_code,
            User.regency_code,
            member.joined_at,
            Enrolment.completed_at,
            lessons.c.done,
            lessons.c.last,
            attempts.c.passed,
            attempts.c.final_best,
            attempts.c.last,
            certificates.c.user_id,
            works.c.passed,
            works.c.waiting,
        )
        .select_from(member)
        .join(User, User.id == member.user_id)
        .outerjoin(
            Enrolment, and_(Enrolment.user_id == member.user_id, Enrolment.course_id == course.id)
        )
        .outerjoin(lessons, lessons.c.user_id == member.user_id)
        .outerjoin(attempts, attempts.c.user_id == member.user_id)
        .outerjoin(certificates, certificates.c.user_id == member.user_id)
        .outerjoin(works, works.c.user_id == member.user_id)
        .where(in_cohort)
    )
    since = now - timedelta(days=inactive_days)
    rows = []
    for (
        user_id,
        full_name,
        email,
        phone,
        province,
        regency,
        joined_at,
        completed_at,
        done,
        lesson_last,
        passed,
        final_best,
        attempt_last,
        certified,
        tasks_passed,
        tasks_waiting,
    ) in db.session.connection().execute(stmt):  # plain rows: no ORM work per trainee
        last = max((t for t in (lesson_last, attempt_last) if t is not None), default=None)
        row = TraineeRow(
            user_id,
            full_name,
            email,
            phone,
            province,
            regency,
            joined_at,
            done or 0,
            len(lesson_ids),
            passed or 0,
            len(module_quizzes),
            final_best,
            completed_at is not None,
            certified is not None,
            last,
            tasks_passed or 0,
            len(task_ids),
            tasks_waiting or 0,
        )
        if row.certified:
            row.status = CERTIFIED
        elif row.completed:
            row.status = COMPLETED
        elif last is not None:
            row.status = LEARNING
        row.inactive = row.status in (NOT_STARTED, LEARNING) and (last or joined_at) < since
        row.name_key = (full_name.casefold(), user_id)
        rows.append(row)
    report = CohortReport(
        cohort,
        course,
        rows,
        inactive_days,
        final is not None,
        len(module_quizzes),
        len(lesson_ids),
    )
    report.weeks = weekly_activity(cohort, course.id, now, tz_hours)
    return report


def weekly_activity(cohort: Cohort, course_id: int, now: datetime, tz_hours: int) -> list[Week]:
    """Per week: trainees who finished a lesson or took a quiz, and how many such events."""
    last_week = week_of((now + timedelta(hours=tz_hours)).date())
    first_week = max(week_of(cohort.starts_on), last_week - WEEKS_SHOWN + 1)
    if first_week > last_week:
        return []
    start = datetime.combine(week_start(first_week), datetime.min.time()) - timedelta(
        hours=tz_hours
    )
    member = CohortMember
    events = union_all(
        select(LessonProgress.user_id.label("user_id"), LessonProgress.completed_at.label("at"))
        .join(member, and_(member.user_id == LessonProgress.user_id, member.cohort_id == cohort.id))
        .where(LessonProgress.course_id == course_id, LessonProgress.completed_at >= start),
        select(Attempt.user_id, Attempt.started_at)
        .join(member, and_(member.user_id == Attempt.user_id, member.cohort_id == cohort.id))
        .where(Attempt.course_id == course_id, Attempt.started_at >= start),
    ).subquery()
    week = week_number(events.c.at, literal(tz_hours, Integer)).label("week")
    counts = {
        number: (active, n)
        for number, active, n in db.session.execute(
            select(week, func.count(distinct(events.c.user_id)), func.count())
            .group_by(week)
            .order_by(week)
        )
    }
    return [Week(week_start(n), *counts.get(n, (0, 0))) for n in range(first_week, last_week + 1)]


def filter_rows(rows: list, status: str | None) -> list:
    if status == INACTIVE:
        return [r for r in rows if r.inactive]
    if status in STATUSES:
        return [r for r in rows if r.status == status]
    return list(rows)


def _sort_key(name: str):
    return {
        "nama": lambda r: r.name_key,
        "wilayah": lambda r: (regions.name(r.regency_code).casefold(), r.name_key),
        "progres": lambda r: (r.percent, r.name_key),
        "pelajaran": lambda r: (r.lessons_done, r.name_key),
        "kuis": lambda r: (r.quizzes_passed, r.name_key),
        "tugas": lambda r: (r.tasks_passed, r.name_key),
        "ujian": lambda r: (-1.0 if r.final_best is None else r.final_best, r.name_key),
        "sertifikat": lambda r: (r.certified, r.completed, r.name_key),
        "aktivitas": lambda r: (r.last_activity or datetime.min, r.name_key),
    }[name]


def sort_rows(rows: list, key: str, descending: bool) -> list:
    """Sort by a column; ties by name (then id) in the same direction, so pages are stable."""
    key = key if key in SORTS else "nama"
    return sorted(rows, key=_sort_key(key), reverse=descending)


@dataclass
class AttemptLine:
    attempt: Attempt
    quiz_title: str
    final: bool


@dataclass
class TraineeDetail:
    user: User
    cohort: Cohort
    course: Course
    outline: object
    done: dict  # lesson id -> completed at
    status: object  # completion.CourseStatus
    attempts: list
    certified: bool
    enrolled: bool


def trainee_detail(cohort: Cohort, user_id: int) -> TraineeDetail | None:
    """A cohort's trainee, lesson by lesson, with every quiz attempt; None if not a member."""
    row = db.session.execute(
        select(User)
        .join(CohortMember, CohortMember.user_id == User.id)
        .where(CohortMember.cohort_id == cohort.id, User.id == user_id)
    ).scalar()
    if row is None:
        return None
    course = db.session.get(Course, cohort.course_id)
    outline = catalog.outline(course)
    done = dict(
        db.session.execute(
            select(LessonProgress.lesson_id, LessonProgress.completed_at).where(
                LessonProgress.user_id == user_id, LessonProgress.course_id == course.id
            )
        ).all()
    )
    status = course_status(user_id, course, outline, set(done))
    attempts = [
        AttemptLine(attempt, title, module_id is None)
        for attempt, title, module_id in db.session.execute(
            select(Attempt, Quiz.title, Quiz.module_id)
            .join(Quiz, Quiz.id == Attempt.quiz_id)
            .where(Attempt.user_id == user_id, Attempt.course_id == course.id)
            .order_by(Attempt.started_at, Attempt.id)
        )
    ]
    certified = (
        db.session.scalar(
            select(Certificate.id).where(
                Certificate.user_id == user_id,
                Certificate.course_id == course.id,
                Certificate.valid,
            )
        )
        is not None
    )
    enrolled = (
        db.session.scalar(
            select(Enrolment.id).where(
                Enrolment.user_id == user_id, Enrolment.course_id == course.id
            )
        )
        is not None
    )
    return TraineeDetail(row, cohort, course, outline, done, status, attempts, certified, enrolled)


# --- The organisers' overview -------------------------------------------------------------


@dataclass
class OverviewFilters:
    province: str = ""
    regency: str = ""
    course_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None

    def where(self):
        conditions = []
        if self.province:
            conditions.append(Cohort.province_code == self.province)
        if self.regency:
            conditions.append(Cohort.regency_code == self.regency)
        if self.course_id:
            conditions.append(Cohort.course_id == self.course_id)
        if self.date_from:
            conditions.append(Cohort.ends_on >= self.date_from)
        if self.date_to:
            conditions.append(Cohort.starts_on <= self.date_to)
        return conditions


@dataclass
class OverviewRow:
    cohort: Cohort
    course_title: str
    members: int
    completed: int
    certified: int

    @property
    def completion_rate(self) -> int:
        return round(100 * self.completed / self.members) if self.members else 0


@dataclass
class ProvinceTotal:
    province_code: str
    cohorts: int
    members: int
    completed: int
    certified: int

    @property
    def name(self) -> str:
        return regions.name(self.province_code)


@dataclass
class Overview:
    rows: list
    total: int
    page: int
    pages: int
    provinces: list
    totals: ProvinceTotal


def _member_totals(conditions, cohort_ids=None):
    """Per cohort: trainees, those who completed the course, those holding a certificate;
    only over the cohorts matching `conditions` (and `cohort_ids` when given)."""
    member = CohortMember
    stmt = (
        select(
            member.cohort_id.label("cohort_id"),
            func.count(member.id).label("members"),
            func.count(Enrolment.completed_at).label("completed"),
            func.count(Certificate.id).label("certified"),
        )
        .join(Cohort, Cohort.id == member.cohort_id)
        .outerjoin(
            Enrolment,
            and_(Enrolment.user_id == member.user_id, Enrolment.course_id == Cohort.course_id),
        )
        .outerjoin(
            Certificate,
            and_(
                Certificate.user_id == member.user_id,
                Certificate.course_id == Cohort.course_id,
                Certificate.valid,
            ),
        )
        .where(*conditions)
        .group_by(member.cohort_id)
    )
    if cohort_ids is not None:
        stmt = stmt.where(member.cohort_id.in_(cohort_ids))
    return stmt.subquery()


def _province_totals(filters: "OverviewFilters") -> list:
    """Totals per province over every matching cohort. The whole table is aggregated, so the
    result is kept for LMS_REPORT_CACHE_SECONDS (statistics may be that much behind)."""
    key = "province-totals:" + repr(filters)
    ttl = current_app.config["REPORT_CACHE_SECONDS"]
    cached = cache.get(key) if ttl else None
    if cached is not None:
        return cached
    conditions = filters.where()
    totals = _member_totals(conditions)
    zero = func.coalesce
    rows = db.session.execute(
        select(
            Cohort.province_code,
            func.count(Cohort.id),
            func.sum(zero(totals.c.members, 0)),
            func.sum(zero(totals.c.completed, 0)),
            func.sum(zero(totals.c.certified, 0)),
        )
        .outerjoin(totals, totals.c.cohort_id == Cohort.id)
        .where(*conditions)
        .group_by(Cohort.province_code)
    ).all()
    result = [tuple(row) for row in rows]
    if ttl:
        cache.set(key, result, timeout=ttl)
    return result


def overview(filters: OverviewFilters, page: int, per_page: int = 50) -> Overview:
    """Every cohort matching the filters with its totals, and the totals per province."""
    conditions = filters.where()
    zero = func.coalesce
    provinces = sorted(
        (
            ProvinceTotal(code, n, int(m or 0), int(c or 0), int(s or 0))
            for code, n, m, c, s in _province_totals(filters)
        ),
        key=lambda p: p.name,
    )
    grand = ProvinceTotal(
        "",
        sum(p.cohorts for p in provinces),
        sum(p.members for p in provinces),
        sum(p.completed for p in provinces),
        sum(p.certified for p in provinces),
    )
    pages = max(1, -(-grand.cohorts // per_page))
    page = min(max(page, 1), pages)
    # The page's cohorts first, then the totals of just those: cheap whatever the table size.
    page_ids = (
        select(Cohort.id)
        .where(*conditions)
        .order_by(Cohort.starts_on.desc(), Cohort.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
        .scalar_subquery()
    )
    totals = _member_totals(conditions, page_ids)
    result = db.session.execute(
        select(
            Cohort,
            Course.title,
            zero(totals.c.members, 0),
            zero(totals.c.completed, 0),
            zero(totals.c.certified, 0),
        )
        .join(Course, Course.id == Cohort.course_id)
        .outerjoin(totals, totals.c.cohort_id == Cohort.id)
        .where(Cohort.id.in_(page_ids))
        .order_by(Cohort.starts_on.desc(), Cohort.id.desc())
    ).all()
    rows = [OverviewRow(*r) for r in result]
    return Overview(rows, grand.cohorts, page, pages, provinces, grand)
