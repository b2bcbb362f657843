"""Discussion rules: who reads and writes where, posting limits, moderation. Every write is one
transaction; replies are announced (signals.post_added) inside it so notifications are written
with the post or not at all."""

import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from .. import permissions, signals
from ..accounts.models import User
from ..catalog import services as catalog
from ..catalog.models import Course, Lesson
from ..cohorts.models import Cohort, CohortMember, CohortTrainer
from ..errors import FormErrors, ServiceError
from ..extensions import db
from ..formatting import decimal
from ..text import one_line
from ..timeutil import utcnow
from .models import Mute, Post, Report, Thread

BODY_MAX = 5000
TITLE_MAX = 200
REASON_MAX = 300
LINKS_MAX = 5
THREADS_PER_PAGE = 20
POSTS_PER_PAGE = 50
URL_RE = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
# Line breaks are kept (as \n); other control characters are removed.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


def clean_body(raw: str | None, field: str = "body") -> str:
    """The text as kept: plain text with line breaks, checked for size and links."""
    text = _CONTROL_RE.sub("", (raw or "").replace("\r\n", "\n").replace("\r", "\n"))
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    if not text:
        raise FormErrors({field: _l("Write your message.")})
    if len(text) > BODY_MAX:
        raise FormErrors(
            {
                field: _l(
                    "A message may have at most %(n)s characters.",
                    n=decimal(BODY_MAX),
                )
            }
        )
    if len(URL_RE.findall(text)) > LINKS_MAX:
        raise FormErrors({field: _l("A message may hold at most %(n)s links.", n=LINKS_MAX)})
    return text


def clean_title(raw: str | None) -> str:
    title = one_line(raw)
    if not title:
        raise FormErrors({"title": _l("Give your question or topic a title.")})
    if len(title) > TITLE_MAX:
        raise FormErrors({"title": _l("Use at most %(n)s characters.", n=TITLE_MAX)})
    return title


def clean_reason(raw: str | None, required: bool) -> str:
    reason = one_line(raw)
    if required and not reason:
        raise FormErrors({"reason": _l("Give a reason.")})
    if len(reason) > REASON_MAX:
        raise FormErrors({"reason": _l("Use at most %(n)s characters.", n=REASON_MAX)})
    return reason


# --- where a discussion lives and who may take part ------------------------------------------


@dataclass
class Place:
    """A lesson's discussion or a cohort's board, with what the reader may do there."""

    course: Course
    lesson: Lesson | None = None
    cohort: Cohort | None = None
    can_moderate: bool = False
    can_post: bool = True

    @property
    def trainer_ids(self) -> list[int]:
        if self.cohort is None:
            return []
        return _trainer_ids(self.cohort.id)


def _trainer_ids(cohort_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(CohortTrainer.user_id).where(CohortTrainer.cohort_id == cohort_id)
        )
    )


def lesson_place(user, course_slug: str, lesson_id: int) -> Place:
    """The lesson's discussion if `user` may read it: people enrolled in the course, trainers
    and admins. Others get 404 (a hidden or unknown lesson) or 403."""
    row = catalog.find_lesson(user, course_slug, lesson_id)
    if row is None:
        raise ServiceError(_l("This discussion does not exist."), 404)
    lesson, course, enrolment = row
    if not permissions.can_read_lesson_discussion(user, enrolment is not None):
        raise ServiceError(_l("Enrol in the course to take part in its discussion."), 403)
    return Place(course, lesson=lesson, can_moderate=permissions.is_admin(user))


def cohort_place(user, cohort_id: int) -> Place:
    """A cohort's board: its members, its trainers and admins."""
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None:
        raise ServiceError(_l("This discussion does not exist."), 404)
    trainers = _trainer_ids(cohort.id)
    member = (
        db.session.scalar(
            select(CohortMember.id).where(
                CohortMember.cohort_id == cohort.id, CohortMember.user_id == user.id
            )
        )
        is not None
    )
    if not permissions.can_read_board(user, member, trainers):
        raise ServiceError(_l("Only the cohort's members and trainers see its board."), 403)
    muted = member and is_muted(cohort.id, user.id)
    return Place(
        cohort.course,
        cohort=cohort,
        can_moderate=permissions.can_moderate_board(user, trainers),
        can_post=not muted,
    )


def thread_place(user, thread: Thread) -> Place:
    if thread.cohort_id is not None:
        return cohort_place(user, thread.cohort_id)
    lesson = db.session.get(Lesson, thread.lesson_id)
    course = db.session.get(Course, thread.course_id)
    return lesson_place(user, course.slug, lesson.id)


def get_thread(user, thread_id: int) -> tuple[Thread, Place]:
    thread = db.session.get(Thread, thread_id)
    if thread is None:
        raise ServiceError(_l("This discussion does not exist."), 404)
    return thread, thread_place(user, thread)


def is_muted(cohort_id: int, user_id: int) -> bool:
    return (
        db.session.scalar(
            select(Mute.id).where(Mute.cohort_id == cohort_id, Mute.user_id == user_id)
        )
        is not None
    )


# --- reading ------------------------------------------------------------------------------------


@dataclass
class ThreadRow:
    thread: Thread
    author: User | None


def threads(place: Place, page: int):
    """Threads of a place, pinned first, then newest activity first: one page and its count."""
    stmt = select(Thread, User).outerjoin(User, User.id == Thread.author_id)
    if place.cohort is not None:
        stmt = stmt.where(Thread.cohort_id == place.cohort.id)
    else:
        stmt = stmt.where(Thread.lesson_id == place.lesson.id)
    stmt = stmt.order_by(Thread.pinned.desc(), Thread.last_post_at.desc(), Thread.id.desc())
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = db.session.execute(
        stmt.limit(THREADS_PER_PAGE).offset((page - 1) * THREADS_PER_PAGE)
    ).all()
    return [ThreadRow(t, u) for t, u in rows], Pages(page, total, THREADS_PER_PAGE)


@dataclass
class Pages:
    page: int
    total: int
    per_page: int

    @property
    def count(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.count


@dataclass
class PostRow:
    post: Post
    author: User | None
    reported: bool = False


def posts(thread: Thread, page: int, reader_id: int):
    """One page of a thread's posts, oldest first, with their authors (one query) and whether
    the reader already reported each (one query)."""
    rows = db.session.execute(
        select(Post, User)
        .outerjoin(User, User.id == Post.author_id)
        .where(Post.thread_id == thread.id)
        .order_by(Post.id)
        .limit(POSTS_PER_PAGE)
        .offset((page - 1) * POSTS_PER_PAGE)
    ).all()
    ids = [p.id for p, _ in rows]
    reported = (
        set(
            db.session.scalars(
                select(Report.post_id).where(
                    Report.post_id.in_(ids), Report.reporter_id == reader_id
                )
            )
        )
        if ids
        else set()
    )
    return [PostRow(p, u, p.id in reported) for p, u in rows], Pages(
        page, thread.post_count, POSTS_PER_PAGE
    )


def last_page(thread: Thread) -> int:
    return Pages(1, thread.post_count, POSTS_PER_PAGE).count


# --- writing ------------------------------------------------------------------------------------


def _require_post(place: Place) -> None:
    if not place.can_post:
        raise ServiceError(
            _l("A trainer has muted you on this board: you can read but not post."), 403
        )


def start_thread(actor: User, place: Place, title: str, body: str) -> Thread:
    """A new thread with its first post."""
    _require_post(place)
    errors = {}
    try:
        title = clean_title(title)
    except FormErrors as e:
        errors.update(e.errors)
    try:
        body = clean_body(body)
    except FormErrors as e:
        errors.update(e.errors)
    if errors:
        raise FormErrors(errors)
    now = utcnow()
    thread = Thread(
        lesson_id=place.lesson.id if place.lesson else None,
        cohort_id=place.cohort.id if place.cohort else None,
        course_id=place.course.id,
        author_id=actor.id,
        title=title,
        post_count=1,
        created_at=now,
        last_post_at=now,
    )
    db.session.add(thread)
    db.session.flush()
    db.session.add(Post(thread_id=thread.id, author_id=actor.id, body=body, created_at=now))
    db.session.commit()
    return thread


def reply(actor: User, thread: Thread, place: Place, body: str) -> Post:
    """A reply; the thread's earlier participants are told (signals.post_added)."""
    _require_post(place)
    if thread.locked and not place.can_moderate:
        raise ServiceError(_l("This discussion is locked: no new replies."), 409)
    body = clean_body(body)
    now = utcnow()
    post = Post(thread_id=thread.id, author_id=actor.id, body=body, created_at=now)
    db.session.add(post)
    # Counted in the database, so two parallel replies both count.
    db.session.execute(
        update(Thread)
        .where(Thread.id == thread.id)
        .values(post_count=Thread.post_count + 1, last_post_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    participants = set(
        db.session.scalars(
            select(Post.author_id).where(
                Post.thread_id == thread.id, Post.author_id.is_not(None), Post.hidden_at.is_(None)
            )
        )
    )
    participants.discard(actor.id)
    signals.post_added.send(post, thread=thread, actor=actor, recipient_ids=sorted(participants))
    db.session.commit()
    db.session.refresh(thread)
    return post


def _require_moderator(place: Place) -> None:
    if not place.can_moderate:
        raise ServiceError(_l("Only the board's trainers and administrators moderate."), 403)


def set_flags(actor: User, thread: Thread, place: Place, *, pinned=None, locked=None) -> None:
    _require_moderator(place)
    if pinned is not None:
        thread.pinned = pinned
    if locked is not None:
        thread.locked = locked
    db.session.commit()


def get_post(user, post_id: int) -> tuple[Post, Thread, Place]:
    post = db.session.get(Post, post_id)
    if post is None:
        raise ServiceError(_l("This message does not exist."), 404)
    thread = db.session.get(Thread, post.thread_id)
    return post, thread, thread_place(user, thread)


def hide(actor: User, post: Post, place: Place, reason: str) -> None:
    """Hide a post with a reason: it stays in the database (audit); its author sees that it was
    hidden and why; open reports about it are resolved."""
    _require_moderator(place)
    reason = clean_reason(reason, required=True)
    now = utcnow()
    post.hidden_at, post.hidden_reason, post.hidden_by_id = now, reason, actor.id
    db.session.execute(
        update(Report)
        .where(Report.post_id == post.id, Report.resolved_at.is_(None))
        .values(resolved_at=now, resolved_by_id=actor.id)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def unhide(actor: User, post: Post, place: Place) -> None:
    _require_moderator(place)
    post.hidden_at, post.hidden_reason, post.hidden_by_id = None, "", None
    db.session.commit()


def report(actor: User, post: Post, reason: str) -> bool:
    """Report a post to the moderators; reporting it twice counts once. False if already."""
    reason = clean_reason(reason, required=False)
    db.session.add(Report(post_id=post.id, reporter_id=actor.id, reason=reason))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


@dataclass
class ReportRow:
    report: Report
    post: Post
    thread: Thread
    author: User | None


def report_queue(actor: User) -> list[ReportRow]:
    """Open reports the actor may handle: every one for admins, their cohorts' boards for
    trainers. Oldest first, at most 200."""
    author = db.aliased(User)
    stmt = (
        select(Report, Post, Thread, author)
        .join(Post, Post.id == Report.post_id)
        .join(Thread, Thread.id == Post.thread_id)
        .outerjoin(author, author.id == Post.author_id)
        .where(Report.resolved_at.is_(None))
        .order_by(Report.id)
        .limit(200)
    )
    if not permissions.is_admin(actor):
        stmt = stmt.where(
            Thread.cohort_id.in_(
                select(CohortTrainer.cohort_id).where(CohortTrainer.user_id == actor.id)
            )
        )
    return [ReportRow(*row) for row in db.session.execute(stmt).all()]


def dismiss_report(actor: User, report_id: int) -> None:
    entry = db.session.get(Report, report_id)
    if entry is None:
        raise ServiceError(_l("This report does not exist."), 404)
    post = db.session.get(Post, entry.post_id)
    thread = db.session.get(Thread, post.thread_id)
    if not (
        permissions.is_admin(actor)
        or (thread.cohort_id and actor.id in _trainer_ids(thread.cohort_id))
    ):
        raise ServiceError(_l("This report does not exist."), 404)
    entry.resolved_at, entry.resolved_by_id = utcnow(), actor.id
    db.session.commit()


def set_muted(actor: User, place: Place, user_id: int, muted: bool) -> None:
    """Mute (or unmute) a member on a cohort's board."""
    _require_moderator(place)
    cohort = place.cohort
    member = db.session.scalar(
        select(CohortMember.id).where(
            CohortMember.cohort_id == cohort.id, CohortMember.user_id == user_id
        )
    )
    if member is None:
        raise ServiceError(_l("This person is not a member of the cohort."), 404)
    existing = db.session.scalar(
        select(Mute).where(Mute.cohort_id == cohort.id, Mute.user_id == user_id)
    )
    if muted and existing is None:
        db.session.add(Mute(cohort_id=cohort.id, user_id=user_id, created_by_id=actor.id))
    elif not muted and existing is not None:
        db.session.delete(existing)
    try:
        db.session.commit()
    except IntegrityError:  # muted twice at once
        db.session.rollback()


def muted_ids(cohort_id: int) -> set[int]:
    return set(db.session.scalars(select(Mute.user_id).where(Mute.cohort_id == cohort_id)))


# --- personal data ---------------------------------------------------------------------------


@signals.personal_data_export.connect
def export_posts(user, **_) -> dict:
    rows = db.session.execute(
        select(Post, Thread.title)
        .join(Thread, Thread.id == Post.thread_id)
        .where(Post.author_id == user.id)
        .order_by(Post.id)
    ).all()
    return {
        "discussion_posts": [
            {
                "thread": title,
                "text": post.body,
                "at": signals.iso(post.created_at),
                "hidden_reason": post.hidden_reason or None,
            }
            for post, title in rows
        ],
        "discussion_reports": [
            {"post_id": r.post_id, "reason": r.reason, "at": signals.iso(r.created_at)}
            for r in db.session.scalars(
                select(Report).where(Report.reporter_id == user.id).order_by(Report.id)
            )
        ],
    }


@signals.account_erasing.connect
def erase_discussions(user, **_) -> None:
    """Posts stay for the discussion's sake, shown as "akun dihapus" (the account row is an
    empty shell); reports and mutes about the person go."""
    from sqlalchemy import delete

    db.session.execute(delete(Mute).where(Mute.user_id == user.id))
    db.session.execute(update(Report).where(Report.reporter_id == user.id).values(reporter_id=None))
