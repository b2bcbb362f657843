"""Quiz attempts: drawing a paper, saving answers, scoring, limits. Every rule, server-side."""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from .. import signals, timeutil
from ..catalog.models import Course, Enrolment
from ..errors import ServiceError
from ..extensions import db
from .models import Attempt, Quiz
from .types import TYPES, AnswerError, Answers

PAGE_SIZE = 5


def grace() -> timedelta:
    return timedelta(seconds=current_app.config["QUIZ_GRACE_SECONDS"])


def get_quiz(course: Course, quiz_id: int) -> Quiz | None:
    return db.session.scalar(
        select(Quiz).where(Quiz.id == quiz_id, Quiz.course_id == course.id, Quiz.hidden.is_(False))
    )


def is_final(quiz: Quiz) -> bool:
    return quiz.module_id is None


def attempts_of(user, quiz: Quiz) -> list[Attempt]:
    return list(
        db.session.scalars(
            select(Attempt)
            .where(Attempt.user_id == user.id, Attempt.quiz_id == quiz.id)
            .order_by(Attempt.number)
        )
    )


@dataclass
class QuizState:
    """What a trainee sees before starting: attempts, limits and the best score."""

    quiz: Quiz
    attempts: list
    now: datetime

    @property
    def settings(self) -> dict:
        return self.quiz.settings

    @property
    def open_attempt(self) -> Attempt | None:
        return next((a for a in self.attempts if a.open), None)

    @property
    def finished(self) -> list:
        return [a for a in self.attempts if not a.open]

    @property
    def attempts_left(self) -> int | None:
        limit = self.settings.get("max_attempts")
        return None if limit is None else max(0, limit - len(self.attempts))

    @property
    def best(self) -> Attempt | None:
        scored = [a for a in self.finished if a.percent is not None]
        return max(scored, key=lambda a: (a.percent, -a.number)) if scored else None

    @property
    def passed(self) -> bool:
        return any(a.passed for a in self.finished)

    @property
    def cooldown_until(self) -> datetime | None:
        minutes = self.settings.get("cooldown_minutes") or 0
        if not minutes or not self.finished:
            return None
        until = self.finished[-1].submitted_at + timedelta(minutes=minutes)
        return until if until > self.now else None

    @property
    def blocked(self):
        """Why a new attempt cannot start now, or None."""
        if self.open_attempt is not None:
            return None
        if self.attempts_left == 0:
            return _l("You have used all your attempts for this quiz.")
        if self.cooldown_until is not None:
            return _l("You can try again after the waiting time.")
        return None

    @property
    def review(self) -> str:
        """The quiz's `review` setting; by default module quizzes show everything after each
        attempt and final exams show the right answers once passed or out of attempts."""
        default = "after_pass" if is_final(self.quiz) else "after_each_attempt"
        return self.settings.get("review") or default

    @property
    def settled(self) -> bool:
        """Passed, or no attempt left: nothing left to protect by hiding the answers."""
        return self.passed or self.attempts_left == 0

    @property
    def show_marks(self) -> bool:
        """Whether the result page marks each answer right or wrong."""
        return self.review != "after_last_attempt" or self.settled

    @property
    def reveal_answers(self) -> bool:
        """Whether the result page shows the correct answers and explanations."""
        return self.review == "after_each_attempt" or self.settled

    @property
    def question_count(self) -> int:
        return self.settings.get("questions_per_attempt") or len(self.quiz.questions)


def quiz_state(user, quiz: Quiz) -> QuizState:
    """The person's attempts at the quiz; one that ran out of time is scored now (and
    committed) with the answers saved in time."""
    now = timeutil.utcnow()
    attempts = attempts_of(user, quiz)
    if any([close_if_expired(attempt, now) for attempt in attempts]):
        db.session.commit()
    return QuizState(quiz, attempts, now)


def _require_enrolment(user, quiz: Quiz) -> Enrolment:
    enrolment = db.session.scalar(
        select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == quiz.course_id)
    )
    if enrolment is None:
        raise ServiceError(_l("Enrol in the course first."), 403)
    return enrolment


def draw_paper(quiz: Quiz, rng: random.Random) -> list[dict]:
    bank = list(quiz.questions)
    count = min(quiz.settings.get("questions_per_attempt") or len(bank), len(bank))
    chosen = rng.sample(bank, count)
    shuffle = bool(quiz.settings.get("shuffle_options"))
    return [TYPES[q["type"]].draw(q, rng, shuffle) for q in chosen]


def start_attempt(user, quiz: Quiz) -> Attempt:
    """Start a new attempt, or return the one still open. Limits hold under parallel requests."""
    _require_enrolment(user, quiz)
    state = quiz_state(user, quiz)
    if state.open_attempt is not None:
        db.session.commit()  # an expired attempt may just have been closed
        return state.open_attempt
    if state.blocked:
        db.session.commit()
        raise ServiceError(state.blocked)
    now = timeutil.utcnow()
    limit = quiz.settings.get("time_limit_minutes")
    paper = draw_paper(quiz, random.SystemRandom())
    attempt = Attempt(
        user_id=user.id,
        quiz_id=quiz.id,
        course_id=quiz.course_id,
        number=len(state.attempts) + 1,
        started_at=now,
        deadline_at=now + timedelta(minutes=limit) if limit else None,
        paper=paper,
        answers={},
        max_points=len(paper),
    )
    db.session.add(attempt)
    try:
        db.session.commit()
    except IntegrityError:
        # A parallel request took this attempt number: use its attempt instead.
        db.session.rollback()
        winner = db.session.scalar(
            select(Attempt).where(
                Attempt.user_id == user.id,
                Attempt.quiz_id == quiz.id,
                Attempt.number == len(state.attempts) + 1,
            )
        )
        if winner is None:  # pragma: no cover - the constraint names exactly this row
            raise
        return winner
    return attempt


def get_attempt(user, attempt_id: int) -> Attempt:
    """The person's own attempt (another person's is not found); if it ran out of time it is
    scored now with what was saved in time, and committed."""
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.user_id != user.id:
        raise ServiceError(_l("This attempt does not exist or is not yours."), 404)
    if close_if_expired(attempt, timeutil.utcnow()):
        db.session.commit()
    return attempt


def in_time(attempt: Attempt, now: datetime) -> bool:
    return attempt.deadline_at is None or now <= attempt.deadline_at + grace()


def read_answers(attempt: Attempt, answers: Answers, question_ids: list[str]) -> dict:
    """Answers for the given questions of this attempt; AnswerError on anything tampered."""
    paper = {q["id"]: q for q in attempt.paper}
    allowed = set().union(*(TYPES[paper[qid]["type"]].fields(paper[qid]) for qid in question_ids))
    if answers.names() - allowed:
        raise AnswerError("answers for questions not on this page of the attempt")
    return {qid: TYPES[paper[qid]["type"]].read(paper[qid], answers) for qid in question_ids}


def page_question_ids(attempt: Attempt, page: int) -> list[str]:
    ids = [q["id"] for q in attempt.paper]
    return ids[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]


def page_count(attempt: Attempt) -> int:
    return max(1, -(-len(attempt.paper) // PAGE_SIZE))


def _read_page(attempt: Attempt, answers: Answers, page: int) -> dict:
    """The answers sent for one page of the attempt; a clear 400 for a wrong page or
    answers that do not fit the paper."""
    if not 1 <= page <= page_count(attempt):
        raise ServiceError(_l("This page of the quiz does not exist."), 400)
    try:
        return read_answers(attempt, answers, page_question_ids(attempt, page))
    except AnswerError as e:
        raise ServiceError(
            _l("The answers sent do not match this quiz. Reload the page and try again."), 400
        ) from e


def save_answers(user, attempt: Attempt, answers: Answers, page: int) -> None:
    """Save the answers on one page of the paper. Refused once finished or out of time."""
    if not attempt.open:
        raise ServiceError(_l("This attempt is already finished."))
    now = timeutil.utcnow()
    if not in_time(attempt, now):
        close_if_expired(attempt, now)
        db.session.commit()
        raise ServiceError(
            _l("Time is up. Your attempt was scored with the answers saved in time.")
        )
    given = _read_page(attempt, answers, page)
    stored = db.session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.submitted_at.is_(None))
        .values(answers=_merged(attempt, given))
        .execution_options(synchronize_session=False)
    )
    if stored.rowcount != 1:  # a parallel request finished the attempt meanwhile
        db.session.rollback()
        raise ServiceError(_l("This attempt is already finished."))
    db.session.commit()


def _merged(attempt: Attempt, answers: dict) -> dict:
    merged = {**(attempt.answers or {}), **answers}
    return {k: v for k, v in merged.items() if v is not None}


def score_paper(paper: list, answers: dict, partial: bool) -> float:
    return sum(TYPES[q["type"]].score(q, answers.get(q["id"]), partial) for q in paper)


def _finish(attempt: Attempt, now: datetime, timed_out: bool, answers: dict | None = None) -> bool:
    """Score and close the attempt once; False if it was already closed (a double submit).
    The answers scored and the score are written by the same statement, so what the result
    page shows is always what was scored."""
    quiz = db.session.get(Quiz, attempt.quiz_id)
    partial = bool(quiz.settings.get("partial_credit"))
    answers = (attempt.answers or {}) if answers is None else answers
    points = round(score_paper(attempt.paper, answers, partial), 4)
    percent = round(100 * points / attempt.max_points, 1) if attempt.max_points else 0.0
    passed = percent >= quiz.settings.get("pass_mark", 0)
    result = db.session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.submitted_at.is_(None))
        .values(
            submitted_at=now,
            answers=answers,
            points=points,
            percent=percent,
            passed=passed,
            timed_out=timed_out,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    enrolment = db.session.scalar(
        select(Enrolment).where(
            Enrolment.user_id == attempt.user_id, Enrolment.course_id == attempt.course_id
        )
    )
    if enrolment is not None:
        enrolment.last_activity_at = now
        db.session.flush()
        course = db.session.get(Course, attempt.course_id)
        signals.progress_changed.send(user_id=attempt.user_id, course=course)
    return True


def close_if_expired(attempt: Attempt, now: datetime) -> bool:
    """An open attempt past its deadline is scored with what was saved (the caller commits).
    Returns whether it was closed now."""
    if attempt.open and not in_time(attempt, now):
        if _finish(attempt, min(now, attempt.deadline_at + grace()), timed_out=True):
            db.session.refresh(attempt)
            return True
    return False


def submit(user, attempt: Attempt, answers: Answers, page: int) -> Attempt:
    """Save the last page and score. A second submit changes nothing and returns the result."""
    if not attempt.open:
        return attempt
    now = timeutil.utcnow()
    if in_time(attempt, now):
        given = _read_page(attempt, answers, page)
        _finish(attempt, now, timed_out=False, answers=_merged(attempt, given))
    else:
        close_if_expired(attempt, now)
    db.session.commit()
    db.session.refresh(attempt)
    return attempt


@dataclass
class ResultItem:
    number: int
    question: dict
    given: list
    correct: bool
    points: float
    solution: list
    template: str  # the question type's template


def result_items(attempt: Attempt, partial: bool) -> list[ResultItem]:
    items = []
    for i, q in enumerate(attempt.paper, 1):
        kind = TYPES[q["type"]]
        answer = (attempt.answers or {}).get(q["id"])
        points = kind.score(q, answer, partial)
        items.append(
            ResultItem(
                i,
                q,
                kind.describe(q, answer),
                points == 1.0,
                points,
                kind.solution(q),
                kind.template,
            )
        )
    return items


def public_paper(attempt: Attempt, page: int) -> list[dict]:
    """The questions on one page, as the browser may see them: no correct answers."""
    ids = set(page_question_ids(attempt, page))
    out = []
    for i, q in enumerate(attempt.paper, 1):
        if q["id"] in ids:
            out.append({**TYPES[q["type"]].public(q), "number": i})
    return out


# ---------------------------------------------------------------- personal data


@signals.personal_data_export.connect
def export_attempts(user, **_) -> dict:
    slugs = dict(db.session.execute(select(Course.id, Course.slug)).all())
    return {
        "quiz_attempts": [
            {
                "course": slugs.get(a.course_id),
                "quiz_id": a.quiz_id,
                "number": a.number,
                "started_at": signals.iso(a.started_at),
                "submitted_at": signals.iso(a.submitted_at),
                "score_percent": a.percent,
                "passed": a.passed,
                "answers": a.answers,
            }
            for a in db.session.scalars(select(Attempt).where(Attempt.user_id == user.id))
        ]
    }


@signals.account_erasing.connect
def erase_attempts(user, **_) -> None:
    db.session.execute(delete(Attempt).where(Attempt.user_id == user.id))
