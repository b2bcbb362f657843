"""Cohorts: creating and editing them, trainers, join codes, joining. Every rule, server-side."""

from dataclasses import dataclass
from datetime import date

from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from .. import codes, permissions, regions, signals
from ..accounts import services as accounts
from ..accounts.models import NO_PASSWORD, User
from ..catalog import services as catalog
from ..catalog.models import Course
from ..errors import FormErrors, ServiceError
from ..extensions import db
from ..issuers.models import Issuer
from ..links import external_url, whatsapp_url
from ..text import one_line
from ..timeutil import utcnow
from .models import Cohort, CohortMember, CohortTrainer

# Readable codes: no 0/O, 1/I/L that people mix up when copying from a screen.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
NAME_MAX = 120
TEXT_MAX = 200
SEATS_MAX = 100_000


def normalize_code(raw: str | None) -> str:
    """What a person typed ('k7p-q3m ') → 'K7PQ3M'."""
    return codes.normalise(raw, limit=20)


def _new_code() -> str:
    for _ in range(20):
        code = codes.random_code(CODE_ALPHABET, CODE_LENGTH)
        if db.session.scalar(select(Cohort.id).where(Cohort.join_code == code)) is None:
            return code
    raise ServiceError(_l("No free join code was found. Try again."))  # pragma: no cover


def trainer_ids(cohort_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(CohortTrainer.user_id).where(CohortTrainer.cohort_id == cohort_id)
        )
    )


def members(cohort: Cohort) -> list[User]:
    """The cohort's trainees, by name."""
    return list(
        db.session.scalars(
            select(User)
            .join(CohortMember, CohortMember.user_id == User.id)
            .where(CohortMember.cohort_id == cohort.id)
            .order_by(User.full_name, User.id)
        )
    )


def trainers(cohort: Cohort) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(CohortTrainer, CohortTrainer.user_id == User.id)
            .where(CohortTrainer.cohort_id == cohort.id)
            .order_by(CohortTrainer.added_at, CohortTrainer.id)
        )
    )


def get_cohort_for(user, cohort_id: int) -> Cohort:
    """The cohort if `user` may manage it; another trainer's cohort is simply not found."""
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None or not permissions.can_manage_cohort(user, trainer_ids(cohort_id)):
        raise ServiceError(_l("This cohort does not exist or is not yours."), 404)
    return cohort


@dataclass
class CohortSummary:
    cohort: Cohort
    members: int


def cohorts_for(user) -> list[CohortSummary]:
    """The cohorts a trainer runs or co-runs (an admin: every cohort), newest first."""
    members = (
        select(CohortMember.cohort_id, func.count(CohortMember.id).label("n"))
        .group_by(CohortMember.cohort_id)
        .subquery()
    )
    stmt = (
        select(Cohort, func.coalesce(members.c.n, 0))
        .outerjoin(members, members.c.cohort_id == Cohort.id)
        .order_by(Cohort.starts_on.desc(), Cohort.id.desc())
    )
    if not permissions.is_admin(user):
        stmt = stmt.join(
            CohortTrainer,
            (CohortTrainer.cohort_id == Cohort.id) & (CohortTrainer.user_id == user.id),
        )
    return [CohortSummary(c, n) for c, n in db.session.execute(stmt)]


def member_count(cohort_id: int) -> int:
    return db.session.scalar(
        select(func.count(CohortMember.id)).where(CohortMember.cohort_id == cohort_id)
    )


def _parse_date(raw: str | None) -> date | None:
    try:
        return date.fromisoformat((raw or "").strip())
    except ValueError:
        return None


@dataclass(frozen=True)
class CohortInput:
    """The cohort form as typed: every value a text, checked by the service."""

    name: str = ""
    course: str = ""
    starts_on: str = ""
    ends_on: str = ""
    location: str = ""
    organiser: str = ""
    province: str = ""
    regency: str = ""
    issuer: str = ""
    seat_limit: str = ""
    nudge_after_days: str = ""


def _text(entry: CohortInput, key: str) -> str:
    return one_line(getattr(entry, key))


def _validate(data: CohortInput, cohort: Cohort | None = None) -> dict:
    """The cleaned values of a cohort form; FormErrors lists every problem."""
    errors: dict = {}
    values: dict = {}
    values["name"] = _text(data, "name")
    if not values["name"]:
        errors["name"] = _l("Enter the cohort's name.")
    elif len(values["name"]) > NAME_MAX:
        errors["name"] = _l("Use at most %(n)s characters.", n=NAME_MAX)
    course_id = data.course.strip()
    course = (
        db.session.scalar(select(Course).where(Course.id == int(course_id)))
        if course_id.isdecimal() and len(course_id) < 10
        else None
    )
    if course is None or (course.hidden and (cohort is None or cohort.course_id != course.id)):
        errors["course"] = _l("Choose a course.")
    elif cohort is not None and course.id != cohort.course_id and member_count(cohort.id):
        errors["course"] = _l("The course cannot change once trainees have joined.")
    else:
        values["course_id"] = course.id
    starts, ends = _parse_date(data.starts_on), _parse_date(data.ends_on)
    if starts is None:
        errors["starts_on"] = _l("Enter a date such as 2026-12-01.")
    if ends is None:
        errors["ends_on"] = _l("Enter a date such as 2026-12-01.")
    elif starts is not None and ends < starts:
        errors["ends_on"] = _l("The end date cannot be before the start date.")
    values["starts_on"], values["ends_on"] = starts, ends
    for key, message in (
        ("location", _l("Enter where the training takes place.")),
        ("organiser", _l("Enter the organising unit, such as Dinas Kominfo Kabupaten Bireuen.")),
    ):
        values[key] = _text(data, key)
        if not values[key]:
            errors[key] = message
        elif len(values[key]) > TEXT_MAX:
            errors[key] = _l("Use at most %(n)s characters.", n=TEXT_MAX)
    province, regency = data.province.strip(), data.regency.strip()
    if not regions.get(province) or regions.get(province).level != "provinsi":
        errors["province"] = _l("Choose the province where the training takes place.")
    elif not regions.belongs_to(regency, province):
        errors["regency"] = _l("Choose a kabupaten/kota in this province.")
    values["province_code"], values["regency_code"] = province, regency
    issuer_id = data.issuer.strip()
    known = issuer_id.isdecimal() and len(issuer_id) < 10
    if not (known and db.session.get(Issuer, int(issuer_id))):
        errors["issuer"] = _l("Choose the issuer of the certificates.")
    elif course is not None and course.visibility == "unit" and course.issuer_id != int(issuer_id):
        errors["issuer"] = _l(
            "This course belongs to %(unit)s: only that unit's cohorts can use it.",
            unit=db.session.get(Issuer, course.issuer_id).name,
        )
    else:
        values["issuer_id"] = int(issuer_id)
    seats = data.seat_limit.strip()
    if not seats:
        values["seat_limit"] = None
    elif not seats.isdecimal() or not 1 <= int(seats[:7]) <= SEATS_MAX:
        errors["seat_limit"] = _l(
            "Enter a whole number from 1 to %(max)s, or leave it empty for no limit.",
            max=SEATS_MAX,
        )
    else:
        values["seat_limit"] = int(seats)
        if cohort is not None and values["seat_limit"] < member_count(cohort.id):
            errors["seat_limit"] = _l(
                "%(n)s trainees have already joined: the limit cannot be lower.",
                n=member_count(cohort.id),
            )
    nudge = (data.nudge_after_days or "").strip()
    if not nudge:
        values["nudge_after_days"] = 7
    elif not nudge.isdecimal() or not 1 <= int(nudge[:4]) <= 90:
        errors["nudge_after_days"] = _l("Enter a whole number of days from 1 to 90.")
    else:
        values["nudge_after_days"] = int(nudge)
    if errors:
        raise FormErrors(errors)
    return values


def create_cohort(actor: User, data: CohortInput) -> Cohort:
    """Create a cohort run by `actor`, with an open join code; one transaction."""
    if not permissions.can_run_cohorts(actor):
        raise ServiceError(_l("Only trainers can create cohorts."), 403)
    values = _validate(data)
    cohort = Cohort(**values, join_code=_new_code(), created_by_id=actor.id)
    db.session.add(cohort)
    db.session.flush()
    db.session.add(CohortTrainer(cohort_id=cohort.id, user_id=actor.id))
    db.session.commit()
    return cohort


def update_cohort(actor: User, cohort: Cohort, data: CohortInput) -> None:
    _require_manager(actor, cohort)
    try:
        values = _validate(data, cohort)
    except FormErrors:
        db.session.rollback()  # nothing of a refused form stays in the session
        raise
    for key, value in values.items():
        setattr(cohort, key, value)
    cohort.updated_at = utcnow()
    db.session.commit()
    signals.cohort_changed.send(cohort.id)


def _require_manager(actor: User, cohort: Cohort) -> None:
    if not permissions.can_manage_cohort(actor, trainer_ids(cohort.id)):
        raise ServiceError(_l("This cohort does not exist or is not yours."), 404)


def add_trainer(actor: User, cohort: Cohort, login: str) -> User:
    """Add a co-trainer by their email or mobile number; they must have the trainer role."""
    _require_manager(actor, cohort)
    user = accounts.find_by_login(login or "")
    if user is None:
        raise FormErrors({"login": _l("No account uses this email or number.")})
    if not permissions.can_co_run_cohorts(user):
        raise FormErrors(
            {
                "login": _l(
                    "%(name)s is not a trainer. An administrator can change the role.",
                    name=user.full_name,
                )
            }
        )
    if user.id in trainer_ids(cohort.id):
        raise FormErrors({"login": _l("%(name)s already runs this cohort.", name=user.full_name)})
    db.session.add(CohortTrainer(cohort_id=cohort.id, user_id=user.id))
    try:
        db.session.commit()
    except IntegrityError:  # added twice at once
        db.session.rollback()
    return user


def remove_trainer(actor: User, cohort: Cohort, user_id: int) -> None:
    _require_manager(actor, cohort)
    ids = trainer_ids(cohort.id)
    if user_id not in ids:
        raise ServiceError(_l("This person does not run this cohort."), 404)
    if len(ids) == 1:
        raise ServiceError(_l("A cohort needs at least one trainer."))
    db.session.execute(
        CohortTrainer.__table__.delete().where(
            CohortTrainer.cohort_id == cohort.id, CohortTrainer.user_id == user_id
        )
    )
    db.session.commit()


def rotate_code(actor: User, cohort: Cohort) -> str:
    """A new join code (and so a new link and poster); the old code stops working."""
    _require_manager(actor, cohort)
    cohort.join_code = _new_code()
    cohort.updated_at = utcnow()
    db.session.commit()
    return cohort.join_code


def close_code(actor: User, cohort: Cohort) -> None:
    """Nobody can join by code any more (an import still adds trainees)."""
    _require_manager(actor, cohort)
    cohort.join_code = None
    cohort.updated_at = utcnow()
    db.session.commit()


def find_by_code(raw: str) -> Cohort | None:
    code = normalize_code(raw)
    if len(code) != CODE_LENGTH:
        return None
    return db.session.scalar(select(Cohort).where(Cohort.join_code == code))


def is_member(user, cohort: Cohort) -> bool:
    return (
        db.session.scalar(
            select(CohortMember.id).where(
                CohortMember.cohort_id == cohort.id, CohortMember.user_id == user.id
            )
        )
        is not None
    )


def lock_cohort(cohort: Cohort) -> None:
    """Serialise joins and imports of one cohort (a row lock on PostgreSQL, the write lock on
    SQLite), so the seat limit holds under parallel requests. Part of the caller's transaction."""
    db.session.execute(
        update(Cohort)
        .where(Cohort.id == cohort.id)
        .values(updated_at=Cohort.updated_at)
        .execution_options(synchronize_session=False)
    )


def seats_left(cohort: Cohort) -> int | None:
    if cohort.seat_limit is None:
        return None
    return max(0, cohort.seat_limit - member_count(cohort.id))


def join(user: User, raw_code: str) -> tuple[Cohort, bool]:
    """Join the cohort with this code and enrol in its course. Returns (cohort, newly joined)."""
    cohort = find_by_code(raw_code)
    if cohort is None:
        raise ServiceError(
            _l(
                "This join code is not valid, or joining is closed. Check the code with your "
                "trainer."
            ),
            404,
        )
    if is_member(user, cohort):
        catalog.add_enrolments([user.id], cohort.course)
        db.session.commit()
        return cohort, False
    lock_cohort(cohort)
    left = seats_left(cohort)
    if left == 0:
        db.session.rollback()
        raise ServiceError(_l("This cohort is full. Ask your trainer."))
    catalog.add_enrolments([user.id], cohort.course)
    db.session.add(CohortMember(cohort_id=cohort.id, user_id=user.id, source="code"))
    try:
        db.session.commit()
    except IntegrityError:  # the same person joined twice at once
        db.session.rollback()
        return cohort, False
    signals.cohort_changed.send(cohort.id)
    return cohort, True


@dataclass
class Link:
    user: User
    token: str | None  # None: the account already has a password


@dataclass
class LinkCard:
    """What the trainer's list shows for one person."""

    user: User
    url: str | None  # the set-password link; None when the account already has a password
    whatsapp: str | None  # a chat with the person, the link in the message; None without phone


def link_cards(cohort: Cohort, links: list[Link], days: int) -> list[LinkCard]:
    """The set-password links of `links` as absolute URLs, each with a WhatsApp link for people
    with a mobile number. The message is in the person's language (Indonesian by default)."""
    cards = []
    for link in links:
        url = external_url("accounts.set_password", token=link.token) if link.token else None
        share = None
        if url and link.user.phone:
            with force_locale(link.user.locale or "id"):
                text = gettext(
                    "Hello %(name)s, you have been registered for the training %(cohort)s on "
                    "Akademi KIM. Please open this link to create your password: %(link)s "
                    "The link works only once and is valid for %(days)s days.",
                    name=link.user.full_name,
                    cohort=cohort.name,
                    link=url,
                    days=days,
                )
            share = whatsapp_url(link.user.phone, text)
        cards.append(LinkCard(link.user, url, share))
    return cards


def pending_links(actor: User, cohort: Cohort) -> list[Link]:
    """New set-password links for the cohort's trainees who have not set a password yet.

    Earlier links of these trainees stop working. One transaction."""
    _require_manager(actor, cohort)
    users = db.session.scalars(
        select(User)
        .join(CohortMember, CohortMember.user_id == User.id)
        .where(CohortMember.cohort_id == cohort.id, User.password_hash == NO_PASSWORD)
        .order_by(User.full_name, User.id)
    ).all()
    now = utcnow()
    links = [
        Link(user, accounts.new_password_link(user, actor, now))
        for user in users
        if permissions.can_make_password_link(actor, user)
    ]
    db.session.commit()
    return links


# ---------------------------------------------------------------- personal data


@signals.personal_data_export.connect
def export_memberships(user, **_) -> dict:
    return {
        "cohorts": [
            {"cohort": name, "joined_at": signals.iso(joined)}
            for name, joined in db.session.execute(
                select(Cohort.name, CohortMember.joined_at)
                .join(CohortMember, CohortMember.cohort_id == Cohort.id)
                .where(CohortMember.user_id == user.id)
            )
        ]
    }


@signals.account_erasing.connect
def erase_memberships(user, **_) -> None:
    db.session.execute(delete(CohortMember).where(CohortMember.user_id == user.id))
