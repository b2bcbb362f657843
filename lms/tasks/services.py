"""Practice tasks: drafts saved on the server, handing in, routing to the cohort's trainers, an
admin or peers, rubric reviews, the median of peer reviews, and the queues. Every rule here."""

import random
import re
import statistics
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from .. import permissions, signals, storage
from ..accounts.models import User
from ..catalog.models import Course, Enrolment, Module
from ..cohorts.models import Cohort, CohortMember
from ..cohorts.services import trainer_ids
from ..errors import FormErrors, ServiceError
from ..extensions import db
from ..text import one_line
from ..timeutil import utcnow
from . import photos as photo_files
from .models import (
    BY_ADMIN,
    BY_PEERS,
    BY_TRAINER,
    DRAFT,
    PASSED,
    REVISION,
    SUBMITTED,
    PeerAssignment,
    Task,
    TaskPhoto,
    TaskReview,
    TaskRound,
    TaskWork,
)

TEXT_MAX_CHARS = 50_000
LINK_MAX = 500
COMMENT_MAX = 2000
OVERALL_MAX = 5000
PAGE_SIZE = 25


def word_count(text: str) -> int:
    return len(re.findall(r"\w[\w'’-]*", text or ""))


# ---------------------------------------------------------------- reading


def tasks_of(course_id: int) -> list[Task]:
    return list(
        db.session.scalars(
            select(Task)
            .join(Module, Module.id == Task.module_id)
            .where(Task.course_id == course_id, Task.hidden.is_(False), Module.hidden.is_(False))
            .order_by(Module.position)
        )
    )


def get_task(course: Course, task_id: int) -> Task | None:
    return db.session.scalar(
        select(Task).where(Task.id == task_id, Task.course_id == course.id, Task.hidden.is_(False))
    )


def module_of(task: Task) -> Module:
    return db.session.get(Module, task.module_id)


def round_of(assignment: PeerAssignment) -> TaskRound:
    return db.session.get(TaskRound, assignment.round_id)


def work_of(user_id: int, task: Task) -> TaskWork | None:
    return db.session.scalar(
        select(TaskWork).where(TaskWork.task_id == task.id, TaskWork.user_id == user_id)
    )


def passed_tasks_of(user_ids: list[int], course_id: int) -> dict[int, set[int]]:
    """For each person, the ids of the course's tasks they passed. One query."""
    passed: dict[int, set[int]] = {user_id: set() for user_id in user_ids}
    for user_id, task_id in db.session.execute(
        select(TaskWork.user_id, TaskWork.task_id).where(
            TaskWork.course_id == course_id,
            TaskWork.user_id.in_(user_ids),
            TaskWork.status == PASSED,
        )
    ):
        passed[user_id].add(task_id)
    return passed


def states_of(user_id: int, course_id: int) -> dict[int, str]:
    """task id -> the person's state (draft, submitted, revision, passed) for the course page."""
    return dict(
        db.session.execute(
            select(TaskWork.task_id, TaskWork.status).where(
                TaskWork.user_id == user_id, TaskWork.course_id == course_id
            )
        ).all()
    )


@dataclass
class RoundView:
    round: TaskRound
    reviews: list  # TaskReview, without who wrote them for peers


@dataclass
class WorkPage:
    """What the trainee's task page shows."""

    task: Task
    work: TaskWork | None
    rounds: list = field(default_factory=list)  # RoundView, newest first
    to_review: list = field(default_factory=list)  # this person's open PeerAssignments
    result_hidden: bool = False  # peers' verdict waits until they did their own reviews
    photos: dict = field(default_factory=dict)  # key -> TaskPhoto

    @property
    def status(self) -> str:
        return self.work.status if self.work else DRAFT

    @property
    def editable(self) -> bool:
        return self.status in (DRAFT, REVISION)


def _photos_by_key(keys) -> dict:
    keys = set(keys)
    if not keys:
        return {}
    return {p.key: p for p in db.session.scalars(select(TaskPhoto).where(TaskPhoto.key.in_(keys)))}


def _rounds(work: TaskWork) -> list[RoundView]:
    rounds = db.session.scalars(
        select(TaskRound).where(TaskRound.work_id == work.id).order_by(TaskRound.number.desc())
    ).all()
    reviews: dict[int, list] = {}
    if rounds:
        for review in db.session.scalars(
            select(TaskReview)
            .where(TaskReview.round_id.in_([r.id for r in rounds]))
            .order_by(TaskReview.created_at, TaskReview.id)
        ):
            reviews.setdefault(review.round_id, []).append(review)
    return [RoundView(r, reviews.get(r.id, [])) for r in rounds]


def open_assignments(user_id: int, task_id: int | None = None) -> list[PeerAssignment]:
    stmt = select(PeerAssignment).where(
        PeerAssignment.reviewer_id == user_id, PeerAssignment.done_at.is_(None)
    )
    if task_id is not None:
        stmt = stmt.join(TaskRound, TaskRound.id == PeerAssignment.round_id).where(
            TaskRound.task_id == task_id
        )
    return list(db.session.scalars(stmt.order_by(PeerAssignment.assigned_at)))


def work_page(user, task: Task) -> WorkPage:
    work = work_of(user.id, task)
    page = WorkPage(task, work)
    if work is None:
        return page
    page.rounds = _rounds(work)
    page.to_review = open_assignments(user.id, task.id)
    latest = page.rounds[0].round if page.rounds else None
    page.result_hidden = bool(
        latest and latest.reviewed_by == BY_PEERS and latest.outcome and page.to_review
    )
    keys = list(work.draft_photos) + [k for view in page.rounds for k in view.round.photos]
    page.photos = _photos_by_key(keys)
    return page


# ---------------------------------------------------------------- handing in


@dataclass(frozen=True)
class Handin:
    """What the trainee's form sends: text, link, new photos (raw bytes) and the photos to
    remove, with the version of the draft the form was opened on."""

    text: str = ""
    link: str = ""
    new_photos: tuple[bytes, ...] = ()
    remove_photos: tuple[str, ...] = ()
    version: int | None = None  # the draft version the form showed (None: not checked)


def _require_enrolment(user, task: Task) -> None:
    enrolled = db.session.scalar(
        select(Enrolment.id).where(
            Enrolment.user_id == user.id, Enrolment.course_id == task.course_id
        )
    )
    if enrolled is None:
        raise ServiceError(_l("Enrol in the course first."), 403)


def _open_work(user, task: Task) -> tuple[TaskWork, bool]:
    """The person's work on the task, created on the first save; (work, new)."""
    work = work_of(user.id, task)
    if work is not None:
        return work, False
    work = TaskWork(task_id=task.id, user_id=user.id, course_id=task.course_id)
    db.session.add(work)
    try:
        db.session.flush()
    except IntegrityError:  # the same person's first save raced another
        db.session.rollback()
        return work_of(user.id, task), False
    return work, True


def _apply_draft(task: Task, work: TaskWork, handin: Handin) -> dict:
    """Put the form into the draft (in the session); returns field errors instead of raising,
    so every problem is shown at once."""
    errors: dict = {}
    text = (handin.text or "").replace("\r\n", "\n").strip()
    if len(text) > TEXT_MAX_CHARS:
        errors["text"] = _l("The text is too long.")
    elif "text" in task.submit:
        work.draft_text = text
    link = one_line(handin.link)
    if link and not _valid_link(link):
        errors["link"] = _l("Enter a full web address that starts with https:// or http://.")
    elif "link" in task.submit:
        work.draft_link = link
    kept = [k for k in work.draft_photos if k not in set(handin.remove_photos)]
    limit = task.submit.get("photos", {}).get("max", 0)
    new = [data for data in handin.new_photos if data]
    if new and len(kept) + len(new) > limit:
        errors["photos"] = _l("At most %(n)s photos: remove one first.", n=limit)
    else:
        for data in new:
            try:
                photo = photo_files.process(data)
            except ServiceError as e:
                errors["photos"] = str(e)
                break
            stored = storage.save(photo.data, "image/jpeg")
            db.session.add(
                TaskPhoto(work_id=work.id, key=stored.key, width=photo.width, height=photo.height)
            )
            kept.append(stored.key)
    work.draft_photos = kept
    return errors


def _valid_link(link: str) -> bool:
    parts = urlsplit(link)
    return len(link) <= LINK_MAX and parts.scheme in ("http", "https") and bool(parts.netloc)


def _claim_version(work: TaskWork, version: int | None, new: bool) -> None:
    """Two tabs with the same draft: the second save is told it changed meanwhile. `version`
    is the one the form was opened on (0 for a work that did not exist yet; None: unknown)."""
    if new and version in (0, None):
        return
    expected = work.version if version is None else version
    claimed = db.session.execute(
        update(TaskWork)
        .where(TaskWork.id == work.id, TaskWork.version == expected)
        .values(version=TaskWork.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        raise ServiceError(
            _l("This work changed since you opened it (in another tab?). Reload the page."), 409
        )
    db.session.refresh(work, ["version"])


def save_draft(user, task: Task, handin: Handin) -> TaskWork:
    """Keep the draft on the server (a dropped connection loses nothing). One transaction."""
    _require_enrolment(user, task)
    work, new = _open_work(user, task)
    if work.status not in (DRAFT, REVISION):
        raise ServiceError(_l("This work has been handed in: wait for the review."))
    _claim_version(work, handin.version, new)
    errors = _apply_draft(task, work, handin)
    if errors:
        db.session.rollback()
        raise FormErrors(errors)
    db.session.commit()
    return work


def completeness_errors(task: Task, work: TaskWork) -> dict:
    """What is still missing before the work can be handed in."""
    errors: dict = {}
    rule = task.submit.get("text")
    if rule:
        words = word_count(work.draft_text)
        if words < rule["min_words"]:
            errors["text"] = _l(
                "Write at least %(min)s words (now %(n)s).", min=rule["min_words"], n=words
            )
        elif words > rule["max_words"]:
            errors["text"] = _l(
                "Write at most %(max)s words (now %(n)s).", max=rule["max_words"], n=words
            )
    rule = task.submit.get("photos")
    if rule and not rule["min"] <= len(work.draft_photos) <= rule["max"]:
        errors["photos"] = _l(
            "Add %(min)s to %(max)s photos (now %(n)s).",
            min=rule["min"],
            max=rule["max"],
            n=len(work.draft_photos),
        )
    if task.submit.get("link") == "required" and not work.draft_link:
        errors["link"] = _l("Add the link to what you published.")
    return errors


def cohort_for(user_id: int, course_id: int) -> Cohort | None:
    """The person's most recent cohort for the course (its trainers review the work)."""
    return db.session.scalar(
        select(Cohort)
        .join(CohortMember, CohortMember.cohort_id == Cohort.id)
        .where(CohortMember.user_id == user_id, Cohort.course_id == course_id)
        .order_by(CohortMember.joined_at.desc(), CohortMember.id.desc())
        .limit(1)
    )


def route(task: Task, cohort: Cohort | None) -> str:
    """Who reviews: the cohort's trainers (unless the task is peer-only), else peers when the
    task allows it, else an admin."""
    if cohort is not None and task.review != "peer":
        return BY_TRAINER
    if task.review in ("peer", "trainer_or_peer") and task.peer_reviewers:
        return BY_PEERS
    return BY_ADMIN


def submit(user, task: Task, handin: Handin) -> TaskRound:
    """Save the form and hand the work in, in one transaction: a round the reviewers see."""
    _require_enrolment(user, task)
    work, new = _open_work(user, task)
    if work.status not in (DRAFT, REVISION):
        raise ServiceError(_l("This work has already been handed in: wait for the review."))
    _claim_version(work, handin.version, new)
    errors = _apply_draft(task, work, handin) or completeness_errors(task, work)
    if errors:
        db.session.rollback()
        raise FormErrors(errors)
    cohort = cohort_for(user.id, task.course_id)
    work.cohort_id = cohort.id if cohort is not None else None
    work.rounds += 1
    work.status = SUBMITTED
    entry = TaskRound(
        work_id=work.id,
        task_id=task.id,
        number=work.rounds,
        text=work.draft_text,
        link=work.draft_link,
        photos=list(work.draft_photos),
        reviewed_by=route(task, cohort),
        submitted_at=utcnow(),
    )
    db.session.add(entry)
    db.session.flush()
    if entry.reviewed_by == BY_PEERS:
        _assign_peers(task, entry, user.id)
    db.session.commit()
    return entry


def _assign_peers(task: Task, entry: TaskRound, author_id: int) -> None:
    """The new round goes to N trainees who handed in this task for peer review themselves
    (those with the fewest open reviews first), and the author takes up to N earlier rounds
    still short of reviewers. Reviews are anonymous both ways."""
    n = task.peer_reviewers
    load = dict(
        db.session.execute(
            select(PeerAssignment.reviewer_id, func.count(PeerAssignment.id))
            .join(TaskRound, TaskRound.id == PeerAssignment.round_id)
            .where(TaskRound.task_id == task.id, PeerAssignment.done_at.is_(None))
            .group_by(PeerAssignment.reviewer_id)
        ).all()
    )
    # Reviewers are trainees whose own work of this task is peer-reviewed: they owe reviews
    # (their own result waits for them), unlike cohort trainees, whom their trainer reviews.
    candidates = list(
        db.session.scalars(
            select(TaskWork.user_id)
            .join(TaskRound, TaskRound.work_id == TaskWork.id)
            .where(
                TaskWork.task_id == task.id,
                TaskWork.user_id != author_id,
                TaskRound.reviewed_by == BY_PEERS,
            )
            .distinct()
        )
    )
    random.shuffle(candidates)
    for reviewer in sorted(candidates, key=lambda u: load.get(u, 0))[:n]:
        db.session.add(PeerAssignment(round_id=entry.id, reviewer_id=reviewer))
    assigned = (
        select(PeerAssignment.round_id, func.count(PeerAssignment.id).label("n"))
        .group_by(PeerAssignment.round_id)
        .subquery()
    )
    waiting = db.session.scalars(
        select(TaskRound.id)
        .join(TaskWork, TaskWork.id == TaskRound.work_id)
        .outerjoin(assigned, assigned.c.round_id == TaskRound.id)
        .where(
            TaskRound.task_id == task.id,
            TaskRound.reviewed_by == BY_PEERS,
            TaskRound.outcome.is_(None),
            TaskRound.id != entry.id,
            TaskWork.user_id != author_id,
            func.coalesce(assigned.c.n, 0) < n,
        )
        .order_by(TaskRound.submitted_at, TaskRound.id)
        .limit(n)
    ).all()
    for round_id in waiting:
        db.session.add(PeerAssignment(round_id=round_id, reviewer_id=author_id))


# ---------------------------------------------------------------- reviewing


@dataclass(frozen=True)
class Decision:
    """A review as the form sends it: points and a comment per criterion, an overall comment,
    and (for trainers and admins) the outcome."""

    points: dict  # criterion id -> the points chosen (text, as sent)
    comments: dict  # criterion id -> comment
    comment: str = ""
    outcome: str | None = None  # passed | revision


def _read_decision(task: Task, decision: Decision) -> tuple[dict, dict, str, int]:
    """Points checked against the rubric (a tampered level is refused), comments limited."""
    errors: dict = {}
    points, comments = {}, {}
    for criterion in task.rubric:
        cid = criterion["id"]
        allowed = {level["points"] for level in criterion["levels"]}
        raw = str(decision.points.get(cid, "")).strip()
        if not raw:
            errors[f"points-{cid}"] = _l("Choose a level.")
        elif not raw.isdecimal() or int(raw) not in allowed:
            raise ServiceError(
                _l("The review sent does not match this task's rubric. Reload the page."), 400
            )
        else:
            points[cid] = int(raw)
        text = (decision.comments.get(cid) or "").strip()
        if len(text) > COMMENT_MAX:
            errors[f"comment-{cid}"] = _l("Use at most %(n)s characters.", n=COMMENT_MAX)
        comments[cid] = text
    extra = set(decision.points) - {c["id"] for c in task.rubric}
    if extra:
        raise ServiceError(
            _l("The review sent does not match this task's rubric. Reload the page."), 400
        )
    overall = (decision.comment or "").strip()
    if len(overall) > OVERALL_MAX:
        errors["comment"] = _l("Use at most %(n)s characters.", n=OVERALL_MAX)
    if errors:
        raise FormErrors(errors)
    return points, comments, overall, sum(points.values())


def _decide(entry: TaskRound, outcome: str, score: float, actor_id: int | None) -> None:
    """Close the round once (a second decision racing the first finds it closed)."""
    now = utcnow()
    closed = db.session.execute(
        update(TaskRound)
        .where(TaskRound.id == entry.id, TaskRound.outcome.is_(None))
        .values(outcome=outcome, score=score, decided_at=now, decided_by_id=actor_id)
        .execution_options(synchronize_session=False)
    )
    if closed.rowcount != 1:
        db.session.rollback()
        raise ServiceError(_l("This work has just been reviewed by someone else."), 409)
    work = db.session.get(TaskWork, entry.work_id)
    if work.rounds == entry.number:  # the latest round decides the work's state
        work.status = PASSED if outcome == PASSED else REVISION
        work.passed_at = now if outcome == PASSED else None
        work.version += 1
    signals.progress_changed.send(
        user_id=work.user_id, course=db.session.get(Course, work.course_id)
    )


def review_as_staff(actor, entry: TaskRound, decision: Decision) -> None:
    """A trainer of the work's cohort, or an admin (also overriding peers), decides."""
    if not can_review(actor, entry):
        raise ServiceError(_l("This work does not exist or is not yours to review."), 404)
    task = db.session.get(Task, entry.task_id)
    points, comments, overall, total = _read_decision(task, decision)
    if decision.outcome not in (PASSED, REVISION):
        raise ServiceError(_l("Choose Pass or Needs revision."), 400)
    if decision.outcome == PASSED and total < task.pass_score:
        raise FormErrors(
            {
                "outcome": _l(
                    "%(total)s of %(max)s points is below the pass score (%(pass)s): choose "
                    "Needs revision, or check the levels.",
                    total=total,
                    max=task.max_score,
                    **{"pass": task.pass_score},
                )
            }
        )
    if decision.outcome == REVISION and not (overall or any(comments.values())):
        raise FormErrors({"comment": _l("Say what to improve: write a comment.")})
    kind = BY_ADMIN if permissions.is_admin(actor) else BY_TRAINER
    db.session.add(
        TaskReview(
            round_id=entry.id,
            reviewer_id=actor.id,
            kind=kind,
            points=points,
            comments=comments,
            comment=overall,
            total=total,
            outcome=decision.outcome,
        )
    )
    try:
        db.session.flush()
    except IntegrityError as e:  # reviewed twice at once by the same person
        db.session.rollback()
        raise ServiceError(_l("This work has just been reviewed by someone else."), 409) from e
    _decide(entry, decision.outcome, total, actor.id)
    db.session.commit()
    signals.task_reviewed.send(entry)


def review_as_peer(actor, assignment: PeerAssignment, decision: Decision) -> None:
    """An assigned peer reviews anonymously; when every assigned review is in, the round is
    decided on the median of their totals."""
    if assignment.reviewer_id != actor.id:
        raise ServiceError(_l("This review does not exist or is not yours."), 404)
    if assignment.done_at is not None:
        raise ServiceError(_l("You have already reviewed this work."))
    entry = db.session.get(TaskRound, assignment.round_id)
    if entry.outcome is not None:
        raise ServiceError(_l("This work has already been decided: no review is needed now."))
    task = db.session.get(Task, entry.task_id)
    points, comments, overall, total = _read_decision(task, decision)
    done = db.session.execute(
        update(PeerAssignment)
        .where(PeerAssignment.id == assignment.id, PeerAssignment.done_at.is_(None))
        .values(done_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # a double submit
        db.session.rollback()
        raise ServiceError(_l("You have already reviewed this work."))
    db.session.add(
        TaskReview(
            round_id=entry.id,
            reviewer_id=actor.id,
            kind=BY_PEERS,
            points=points,
            comments=comments,
            comment=overall,
            total=total,
        )
    )
    db.session.flush()
    totals = list(
        db.session.scalars(
            select(TaskReview.total).where(
                TaskReview.round_id == entry.id, TaskReview.kind == BY_PEERS
            )
        )
    )
    decided = False
    if len(totals) >= task.peer_reviewers:
        median = statistics.median(totals)
        _decide(entry, PASSED if median >= task.pass_score else REVISION, median, None)
        decided = True
    db.session.commit()
    if decided:
        signals.task_reviewed.send(entry)


def can_review(actor, entry: TaskRound) -> bool:
    """Trainers of the work's cohort review its rounds; admins review all (and override)."""
    if permissions.is_admin(actor):
        return True
    work = db.session.get(TaskWork, entry.work_id)
    return (
        entry.reviewed_by == BY_TRAINER
        and work.cohort_id is not None
        and permissions.can_manage_cohort(actor, trainer_ids(work.cohort_id))
    )


def get_round(actor, round_id: int, cohort: Cohort | None = None) -> TaskRound:
    entry = db.session.get(TaskRound, round_id)
    if entry is None or not can_review(actor, entry):
        raise ServiceError(_l("This work does not exist or is not yours to review."), 404)
    if cohort is not None:
        work = db.session.get(TaskWork, entry.work_id)
        if work.cohort_id != cohort.id:
            raise ServiceError(_l("This work does not exist or is not yours to review."), 404)
    return entry


def get_assignment(actor, assignment_id: int) -> PeerAssignment:
    assignment = db.session.get(PeerAssignment, assignment_id)
    if assignment is None or assignment.reviewer_id != actor.id:
        raise ServiceError(_l("This review does not exist or is not yours."), 404)
    return assignment


@dataclass
class ReviewPage:
    """A round as its reviewer sees it: the work (without the author for peers) and rubric."""

    task: Task
    round: TaskRound
    author: User | None  # None for peers: reviews are anonymous
    earlier: list  # RoundView of the same work, older rounds with their reviews
    photos: dict


def review_page(entry: TaskRound, anonymous: bool) -> ReviewPage:
    task = db.session.get(Task, entry.task_id)
    work = db.session.get(TaskWork, entry.work_id)
    earlier = [view for view in _rounds(work) if view.round.number < entry.number]
    keys = list(entry.photos) + [k for view in earlier for k in view.round.photos]
    return ReviewPage(
        task,
        entry,
        None if anonymous else db.session.get(User, work.user_id),
        earlier,
        _photos_by_key(keys),
    )


# ---------------------------------------------------------------- queues


QUEUE_STATES = ("menunggu", "revisi", "lulus", "semua")


@dataclass
class QueueItem:
    round: TaskRound
    task_title: str
    author_name: str
    author_id: int


def _queue(stmt, state: str, task_id: int | None, page: int):
    if state == "menunggu":
        stmt = stmt.where(TaskRound.outcome.is_(None))
    elif state == "revisi":
        stmt = stmt.where(TaskRound.outcome == REVISION)
    elif state == "lulus":
        stmt = stmt.where(TaskRound.outcome == PASSED)
    if task_id is not None:
        stmt = stmt.where(TaskRound.task_id == task_id)
    order = (
        (TaskRound.submitted_at, TaskRound.id)
        if state == "menunggu"
        else (TaskRound.submitted_at.desc(), TaskRound.id.desc())
    )
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = db.session.execute(
        stmt.order_by(*order).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    return [QueueItem(*row) for row in rows], total


def _queue_base():
    return (
        select(TaskRound, Task.title, User.full_name, User.id)
        .join(TaskWork, TaskWork.id == TaskRound.work_id)
        .join(Task, Task.id == TaskRound.task_id)
        .join(User, User.id == TaskWork.user_id)
    )


def cohort_queue(cohort: Cohort, state: str = "menunggu", task_id=None, page: int = 1):
    """The cohort's handed-in work its trainers review: oldest waiting first. Two queries."""
    stmt = _queue_base().where(TaskWork.cohort_id == cohort.id, TaskRound.reviewed_by == BY_TRAINER)
    return _queue(stmt, state, task_id, page)


def admin_queue(state: str = "menunggu", kind: str = BY_ADMIN, task_id=None, page: int = 1):
    """Work of self-paced trainees: waiting for an admin, or with peers (an admin may
    decide it instead)."""
    stmt = _queue_base().where(
        TaskRound.reviewed_by == (BY_PEERS if kind == BY_PEERS else BY_ADMIN)
    )
    return _queue(stmt, state, task_id, page)


def next_waiting(cohort: Cohort | None, after: TaskRound) -> TaskRound | None:
    """The next waiting round after this one in the same queue (for *Berikutnya*)."""
    stmt = (
        select(TaskRound)
        .join(TaskWork, TaskWork.id == TaskRound.work_id)
        .where(TaskRound.outcome.is_(None), TaskRound.id != after.id)
    )
    if cohort is not None:
        stmt = stmt.where(TaskWork.cohort_id == cohort.id, TaskRound.reviewed_by == BY_TRAINER)
    else:
        stmt = stmt.where(TaskRound.reviewed_by == after.reviewed_by)
    return db.session.scalar(stmt.order_by(TaskRound.submitted_at, TaskRound.id).limit(1))


def waiting_count(cohort_id: int) -> int:
    return db.session.scalar(
        select(func.count(TaskRound.id))
        .join(TaskWork, TaskWork.id == TaskRound.work_id)
        .where(
            TaskWork.cohort_id == cohort_id,
            TaskRound.reviewed_by == BY_TRAINER,
            TaskRound.outcome.is_(None),
        )
    )


# ---------------------------------------------------------------- photos


def photo_for(viewer, key: str) -> tuple[TaskPhoto, bytes]:
    """A task photo's bytes for someone allowed to see the work: its author, the cohort's
    trainers, admins and the peers assigned to review it. Anyone else: not found."""
    photo = db.session.scalar(select(TaskPhoto).where(TaskPhoto.key == key[:40]))
    if photo is None:
        raise ServiceError(_l("This photo does not exist."), 404)
    work = db.session.get(TaskWork, photo.work_id)
    peers = set(
        db.session.scalars(
            select(PeerAssignment.reviewer_id)
            .join(TaskRound, TaskRound.id == PeerAssignment.round_id)
            .where(TaskRound.work_id == work.id)
        )
    )
    trainers = trainer_ids(work.cohort_id) if work.cohort_id else []
    if not permissions.can_see_task_work(viewer, work.user_id, trainers, peers):
        raise ServiceError(_l("This photo does not exist."), 404)
    record = storage.get(photo.key)
    if record is None:
        raise ServiceError(_l("This photo does not exist."), 404)
    return photo, storage.load(record)


# ---------------------------------------------------------------- personal data


@signals.personal_data_export.connect
def export_tasks(user, **_) -> dict:
    works = db.session.scalars(select(TaskWork).where(TaskWork.user_id == user.id)).all()
    titles = dict(db.session.execute(select(Task.id, Task.title)).all())
    out = []
    for work in works:
        rounds = _rounds(work)
        out.append(
            {
                "task": titles.get(work.task_id),
                "status": work.status,
                "draft_text": work.draft_text,
                "draft_link": work.draft_link,
                "photos": len(work.draft_photos),
                "rounds": [
                    {
                        "number": view.round.number,
                        "text": view.round.text,
                        "link": view.round.link,
                        "photos": len(view.round.photos),
                        "submitted_at": signals.iso(view.round.submitted_at),
                        "outcome": view.round.outcome,
                        "score": view.round.score,
                        "reviews": [
                            {
                                "by": review.kind,
                                "points": review.points,
                                "comments": review.comments,
                                "comment": review.comment,
                            }
                            for review in view.reviews
                        ],
                    }
                    for view in rounds
                ],
            }
        )
    return {"tasks": out}


@signals.account_erasing.connect
def erase_tasks(user, **_) -> None:
    """The person's work and photos go; reviews they wrote of others stay, without their name."""
    keys = list(
        db.session.scalars(
            select(TaskPhoto.key)
            .join(TaskWork, TaskWork.id == TaskPhoto.work_id)
            .where(TaskWork.user_id == user.id)
        )
    )
    storage.remove(keys)
    db.session.execute(delete(TaskWork).where(TaskWork.user_id == user.id))
    db.session.execute(delete(PeerAssignment).where(PeerAssignment.reviewer_id == user.id))
    db.session.execute(
        update(TaskReview)
        .where(TaskReview.reviewer_id == user.id)
        .values(reviewer_id=None)
        .execution_options(synchronize_session=False)
    )
