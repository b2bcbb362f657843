"""A person's rights over their data (UU PDP 27/2022): a copy of everything, deletion, and
withdrawing consent."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from werkzeug.security import check_password_hash

from ..catalog.models import Course, Enrolment, LessonProgress
from ..certificates.models import Certificate
from ..cohorts.models import Cohort, CohortMember
from ..errors import FormErrors
from ..extensions import db
from ..quizzes.models import Attempt
from ..timeutil import utcnow
from .models import NO_PASSWORD, ConsentEvent, PasswordToken, User


def _time(value):
    return value.isoformat(timespec="seconds") + "Z" if value else None


def export(user: User) -> dict:
    """Everything Akademi KIM holds about this person, as plain data."""
    courses = {c.id: c.slug for c in db.session.scalars(select(Course))}
    return {
        "profile": {
            "full_name": user.full_name,
            "email": user.email,
            "phone": user.phone,
            "role": user.role,
            "province_code": user.province_code,
            "regency_code": user.regency_code,
            "timezone": user.timezone,
            "language": user.locale,
            "created_at": _time(user.created_at),
        },
        "consents": [
            {
                "document": c.document,
                "action": c.action,
                "version": c.version,
                "at": _time(c.accepted_at),
            }
            for c in db.session.scalars(
                select(ConsentEvent)
                .where(ConsentEvent.user_id == user.id)
                .order_by(ConsentEvent.id)
            )
        ],
        "enrolments": [
            {
                "course": courses.get(e.course_id),
                "enrolled_at": _time(e.created_at),
                "last_activity_at": _time(e.last_activity_at),
                "completed_at": _time(e.completed_at),
            }
            for e in db.session.scalars(select(Enrolment).where(Enrolment.user_id == user.id))
        ],
        "lessons_completed": [
            {
                "course": courses.get(p.course_id),
                "lesson_id": p.lesson_id,
                "at": _time(p.completed_at),
            }
            for p in db.session.scalars(
                select(LessonProgress).where(LessonProgress.user_id == user.id)
            )
        ],
        "quiz_attempts": [
            {
                "course": courses.get(a.course_id),
                "quiz_id": a.quiz_id,
                "number": a.number,
                "started_at": _time(a.started_at),
                "submitted_at": _time(a.submitted_at),
                "score_percent": a.percent,
                "passed": a.passed,
                "answers": a.answers,
            }
            for a in db.session.scalars(select(Attempt).where(Attempt.user_id == user.id))
        ],
        "cohorts": [
            {"cohort": name, "joined_at": _time(joined)}
            for name, joined in db.session.execute(
                select(Cohort.name, CohortMember.joined_at)
                .join(CohortMember, CohortMember.cohort_id == Cohort.id)
                .where(CohortMember.user_id == user.id)
            )
        ],
        "certificates": [
            {
                "number": c.number,
                "code": c.code,
                "name_as_printed": c.full_name,
                "course": c.course_title,
                "issued_at": _time(c.issued_at),
                "revoked_at": _time(c.revoked_at),
            }
            for c in db.session.scalars(select(Certificate).where(Certificate.user_id == user.id))
        ],
    }


def withdraw_consent(user: User, version: str) -> None:
    """Record the withdrawal; until consent is given again the account only reaches the pages
    to give it back, download the data, delete the account or sign out."""
    now = utcnow()
    db.session.add(
        ConsentEvent(user_id=user.id, action="withdrawn", version=version, accepted_at=now)
    )
    user.consent_withdrawn_at = now
    db.session.commit()


def give_consent(user: User, version: str) -> None:
    db.session.add(ConsentEvent(user_id=user.id, action="given", version=version))
    user.consent_withdrawn_at = None
    db.session.commit()


def delete_account(user: User, password: str) -> None:
    """Erase the person's data in one transaction. Issued certificates stay verifiable with the
    name as printed (as the privacy notice says); the account row stays only as an empty shell
    they point to."""
    if not check_password_hash(user.password_hash, password or ""):
        raise FormErrors({"password": _l("Your current password is not correct.")})
    for model in (LessonProgress, Attempt, Enrolment, CohortMember, ConsentEvent, PasswordToken):
        db.session.execute(delete(model).where(model.user_id == user.id))
    user.full_name = "—"
    user.email = None
    user.phone = None
    user.password_hash = NO_PASSWORD
    user.role = "trainee"
    user.session_version += 1
    user.deleted_at = utcnow()
    db.session.commit()
