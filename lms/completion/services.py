"""When a module and a course count as complete: one place for the rule."""

from dataclasses import dataclass, field

from sqlalchemy import case, func, select

from .. import signals
from ..catalog import services as catalog
from ..catalog.models import Course, Enrolment
from ..extensions import db
from ..quizzes.models import Attempt, Quiz
from ..tasks import services as tasks
from ..tasks.models import Task
from ..timeutil import utcnow


@dataclass
class QuizResult:
    quiz: Quiz
    attempts: int = 0
    best: float | None = None
    passed: bool = False


@dataclass
class TaskResult:
    task: Task
    passed: bool = False


@dataclass
class CourseStatus:
    course: Course
    done: set
    module_quizzes: dict = field(default_factory=dict)  # module id -> QuizResult
    module_tasks: dict = field(default_factory=dict)  # module id -> TaskResult
    final_exam: QuizResult | None = None
    module_complete: dict = field(default_factory=dict)  # module id -> bool
    complete: bool = False
    missing: list = field(default_factory=list)  # unmet requirement names


def visible_quizzes(course_id: int) -> list[Quiz]:
    return list(
        db.session.scalars(
            select(Quiz)
            .where(Quiz.course_id == course_id, Quiz.hidden.is_(False))
            .order_by(Quiz.id)
        )
    )


def quiz_results_of(user_ids: list[int], course_id: int) -> dict[int, list[QuizResult]]:
    """For each person: every visible quiz of the course with their attempts and best score.
    Two queries whatever the number of people."""
    quizzes = visible_quizzes(course_id)
    rows = db.session.execute(
        select(
            Attempt.user_id,
            Attempt.quiz_id,
            func.count(Attempt.id),
            func.max(Attempt.percent),
            func.max(case((Attempt.passed.is_(True), 1), else_=0)),
        )
        .where(Attempt.user_id.in_(user_ids), Attempt.course_id == course_id)
        .group_by(Attempt.user_id, Attempt.quiz_id)
    ).all()
    stats = {(user_id, quiz_id): (n, best, bool(p)) for user_id, quiz_id, n, best, p in rows}
    return {
        user_id: [QuizResult(q, *stats.get((user_id, q.id), (0, None, False))) for q in quizzes]
        for user_id in user_ids
    }


def quiz_results(user_id: int, course_id: int) -> list[QuizResult]:
    return quiz_results_of([user_id], course_id)[user_id]


def task_results_of(user_ids: list[int], course_id: int) -> dict[int, list[TaskResult]]:
    """For each person: every visible task of the course and whether they passed it. Two
    queries whatever the number of people."""
    course_tasks = tasks.tasks_of(course_id)
    passed = tasks.passed_tasks_of(user_ids, course_id)
    return {
        user_id: [TaskResult(t, t.id in passed[user_id]) for t in course_tasks]
        for user_id in user_ids
    }


def course_status(
    user_id: int, course: Course, outline, done: set, results=None, task_results=None
) -> CourseStatus:
    """Module and course completion for one person; `results` (quizzes) and `task_results`
    may be given by bulk callers."""
    status = CourseStatus(course, done)
    if results is None:
        results = quiz_results(user_id, course.id)
    if task_results is None:
        task_results = task_results_of([user_id], course.id)[user_id]
    for result in results:
        if result.quiz.module_id is None:
            status.final_exam = result
        else:
            status.module_quizzes[result.quiz.module_id] = result
    for result in task_results:
        status.module_tasks[result.task.module_id] = result
    for module in outline.modules:
        quiz = status.module_quizzes.get(module.id)
        task = status.module_tasks.get(module.id)
        lessons_done = all(lesson.id in done for lesson in module.lessons)
        status.module_complete[module.id] = (
            lessons_done and (quiz is None or quiz.passed) and (task is None or task.passed)
        )
    requires = course.certificate_requires or ["all_lessons"]
    checks = {
        "all_lessons": all(lesson.id in done for lesson in outline.lessons),
        "module_quizzes": all(
            r.passed
            for module_id, r in status.module_quizzes.items()
            if module_id in {m.id for m in outline.modules}
        ),
        "final_exam": status.final_exam is None or status.final_exam.passed,
        "tasks": all(
            r.passed
            for module_id, r in status.module_tasks.items()
            if module_id in {m.id for m in outline.modules}
        ),
    }
    status.missing = [name for name in requires if not checks.get(name, True)]
    status.complete = not status.missing
    return status


def refresh_completion(enrolment: Enrolment, status: CourseStatus) -> None:
    """Record the moment the course became complete (the caller commits)."""
    if status.complete and enrolment.completed_at is None:
        enrolment.completed_at = utcnow()


def status_of(user_id: int, course: Course) -> CourseStatus:
    """The person's completion of the course (modules, quizzes, requirements)."""
    return course_status(
        user_id, course, catalog.outline(course), catalog.completed_lessons_of(user_id, course.id)
    )


@signals.progress_changed.connect
def record_completion(_sender=None, *, user_id: int, course: Course, **_) -> None:
    """After a lesson, quiz or task changed, note when the course became complete (in the
    transaction that changed it)."""
    enrolment = db.session.scalar(
        select(Enrolment).where(Enrolment.user_id == user_id, Enrolment.course_id == course.id)
    )
    if enrolment is not None and enrolment.completed_at is None:
        refresh_completion(enrolment, status_of(user_id, course))


def register(app) -> None:
    """The course page and My learning show the person's status (templates call this)."""

    @app.context_processor
    def status_helpers():
        return {"course_status": lambda user_id, course: status_of(user_id, course)}
