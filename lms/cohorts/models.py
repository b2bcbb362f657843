from datetime import date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..catalog.models import Course
from ..extensions import db
from ..timeutil import utcnow


class Cohort(db.Model):
    """A training group: one course, run by one or more trainers, at a place and time."""

    __tablename__ = "cohorts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    starts_on: Mapped[date] = mapped_column(index=True)
    ends_on: Mapped[date]
    location: Mapped[str] = mapped_column(String(200))
    organiser: Mapped[str] = mapped_column(String(200))
    province_code: Mapped[str] = mapped_column(String(2), index=True)
    regency_code: Mapped[str] = mapped_column(String(5), index=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id"))
    seat_limit: Mapped[int | None]
    # None while joining by code is closed.
    join_code: Mapped[str | None] = mapped_column(String(12), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A trainee without activity this many days is nudged (at most once a week).
    nudge_after_days: Mapped[int] = mapped_column(default=7, server_default="7")

    course: Mapped[Course] = relationship()


class CohortTrainer(db.Model):
    """A trainer who runs (or co-runs) a cohort."""

    __tablename__ = "cohort_trainers"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class CohortMember(db.Model):
    """A trainee in a cohort: joined by code or imported from a CSV file."""

    __tablename__ = "cohort_members"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(10))  # code | import
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
