from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import utcnow


class Quiz(db.Model):
    """A module quiz or a course's final exam, as defined in the course files."""

    __tablename__ = "quizzes"
    __table_args__ = (UniqueConstraint("course_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    module_id: Mapped[int | None] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(90))  # module slug, or "final-exam"
    title: Mapped[str] = mapped_column(String(200))
    settings: Mapped[dict] = mapped_column(JSON)
    questions: Mapped[list] = mapped_column(JSON)
    hidden: Mapped[bool] = mapped_column(default=False)


class Attempt(db.Model):
    """One sitting of a quiz: the paper drawn for it, the answers saved, and the score."""

    __tablename__ = "attempts"
    # Attempt numbers are unique per person and quiz: two parallel starts cannot both be attempt n.
    __table_args__ = (UniqueConstraint("user_id", "quiz_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    number: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    deadline_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    # The drawn questions with their correct answers: never sent to the browser as is.
    paper: Mapped[list] = mapped_column(JSON)
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    points: Mapped[float | None]
    max_points: Mapped[int]
    percent: Mapped[float | None]
    passed: Mapped[bool | None]
    timed_out: Mapped[bool] = mapped_column(default=False)

    @property
    def open(self) -> bool:
        return self.submitted_at is None
