from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import utcnow

# A work's state, as the trainee sees it.
DRAFT, SUBMITTED, REVISION, PASSED = "draft", "submitted", "revision", "passed"
# Who reviews a round.
BY_TRAINER, BY_PEERS, BY_ADMIN = "trainer", "peer", "admin"


class Task(db.Model):
    """A module's practice task, as defined in its task.yaml."""

    __tablename__ = "tasks"
    __table_args__ = (UniqueConstraint("course_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(90))  # "module:<slug>"
    title: Mapped[str] = mapped_column(String(200))
    minutes: Mapped[int]
    instructions_html: Mapped[str] = mapped_column(Text)
    submit: Mapped[dict] = mapped_column(JSON)
    rubric: Mapped[list] = mapped_column(JSON)
    pass_score: Mapped[int]
    review: Mapped[str] = mapped_column(String(20))  # trainer | peer | trainer_or_peer
    peer_reviewers: Mapped[int] = mapped_column(default=0)
    hidden: Mapped[bool] = mapped_column(default=False)

    @property
    def max_score(self) -> int:
        return sum(max(level["points"] for level in c["levels"]) for c in self.rubric)


class TaskWork(db.Model):
    """One person's work on one task: the draft being edited, and its state."""

    __tablename__ = "task_works"
    __table_args__ = (UniqueConstraint("task_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    # The cohort whose trainers review it (the person's cohort for the course at submission).
    cohort_id: Mapped[int | None] = mapped_column(
        ForeignKey("cohorts.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(10), default=DRAFT)
    draft_text: Mapped[str] = mapped_column(Text, default="")
    draft_link: Mapped[str] = mapped_column(String(500), default="")
    draft_photos: Mapped[list] = mapped_column(JSON, default=list)  # storage keys, in order
    rounds: Mapped[int] = mapped_column(default=0)  # how many times it was handed in
    version: Mapped[int] = mapped_column(default=1)  # bumped at each save (edit conflicts)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    passed_at: Mapped[datetime | None]


class TaskPhoto(db.Model):
    """A photo uploaded for a work (kept while any round or the draft shows it)."""

    __tablename__ = "task_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    work_id: Mapped[int] = mapped_column(
        ForeignKey("task_works.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(40), unique=True)
    width: Mapped[int]
    height: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TaskRound(db.Model):
    """What was handed in once, and how it was decided."""

    __tablename__ = "task_rounds"
    __table_args__ = (UniqueConstraint("work_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    work_id: Mapped[int] = mapped_column(
        ForeignKey("task_works.id", ondelete="CASCADE"), index=True
    )
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    text: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(500), default="")
    photos: Mapped[list] = mapped_column(JSON, default=list)
    reviewed_by: Mapped[str] = mapped_column(String(10))  # trainer | peer | admin
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    outcome: Mapped[str | None] = mapped_column(String(10))  # passed | revision
    score: Mapped[float | None]
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class TaskReview(db.Model):
    """A review of a round: points and a comment per criterion, and an overall comment."""

    __tablename__ = "task_reviews"
    __table_args__ = (UniqueConstraint("round_id", "reviewer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("task_rounds.id", ondelete="CASCADE"), index=True
    )
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(10))  # trainer | peer | admin
    points: Mapped[dict] = mapped_column(JSON)  # criterion id -> points
    comments: Mapped[dict] = mapped_column(JSON)  # criterion id -> comment
    comment: Mapped[str] = mapped_column(Text, default="")
    total: Mapped[int]
    outcome: Mapped[str | None] = mapped_column(String(10))  # a trainer's decision; peers: None
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PeerAssignment(db.Model):
    """A trainee asked to review someone else's round, anonymously."""

    __tablename__ = "peer_assignments"
    __table_args__ = (UniqueConstraint("round_id", "reviewer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("task_rounds.id", ondelete="CASCADE"), index=True
    )
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]
