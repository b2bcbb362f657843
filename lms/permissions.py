"""Who may see and do what: one place, used by every view."""

from functools import wraps

from flask import abort
from flask_login import current_user


def is_admin(user) -> bool:
    return bool(user and user.is_authenticated and user.role == "admin")


def is_trainer(user) -> bool:
    return bool(user and user.is_authenticated and user.role in ("trainer", "admin"))


def can_manage_users(user) -> bool:
    return is_admin(user)


def can_run_cohorts(user) -> bool:
    """Trainers create and run cohorts; admins may do everything."""
    return is_trainer(user)


def can_manage_cohort(user, trainer_ids) -> bool:
    """A cohort's dashboard, settings and exports: its own trainers (still trainers) and admins."""
    if is_admin(user):
        return True
    return is_trainer(user) and user.id in set(trainer_ids)


def can_make_password_link(actor, user) -> bool:
    """Who may make a one-time link that sets `user`'s password (and so sign in as them).

    Admins: anyone. A trainer: only a trainee account whose owner has never set a password
    (an account the trainer's import created); an account someone already uses, and every
    trainer or admin account, can only be reset by an admin or by its owner's own email."""
    if is_admin(actor):
        return True
    return is_trainer(actor) and user.role == "trainee" and not user.has_password


def can_see_task_work(user, author_id: int, trainer_ids, peer_ids) -> bool:
    """A practice task's work (text, photos): its author, the trainers of the cohort it was
    handed in for, admins, and the peers assigned to review it."""
    if not (user and user.is_authenticated):
        return False
    return (
        user.id == author_id
        or is_admin(user)
        or (is_trainer(user) and user.id in set(trainer_ids))
        or user.id in set(peer_ids)
    )


def can_author(user, unit_id: int | None) -> bool:
    """A course author (penulis kursus): a trainer or admin an admin tied to a unit; admins may
    write for every unit."""
    return is_admin(user) or (is_trainer(user) and unit_id is not None)


def can_edit_course(user, unit_id: int | None, course) -> bool:
    """A course written in the browser, by the authors of its unit (and admins). The national
    courses managed as files in courses/ are read-only here: they can be copied."""
    if course.source != "browser":
        return False
    return is_admin(user) or (
        is_trainer(user) and unit_id is not None and unit_id == course.issuer_id
    )


def can_see_overview(user) -> bool:
    """The organisers' overview of every cohort (Kominfo staff are admins)."""
    return is_admin(user)


def require(check):
    """Decorator: 401 → login for anonymous visitors, 403 when `check(current_user)` fails."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from .extensions import login_manager

                return login_manager.unauthorized()
            if not check(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def can_manage_certificates(user) -> bool:
    """Issuers, revocation and reissue: organisers at Kominfo (admins)."""
    return is_admin(user)


def can_download_certificate(user, certificate) -> bool:
    """A certificate's PDF: its holder and the organisers."""
    return bool(user and user.is_authenticated) and (
        certificate.user_id == user.id or can_manage_certificates(user)
    )


def can_co_run_cohorts(user) -> bool:
    """Who can be added to a cohort as a co-trainer: people with the trainer role."""
    return bool(user) and user.role == "trainer"


def can_read_lesson_discussion(user, enrolled: bool) -> bool:
    """A lesson's discussion: everyone enrolled in the course, trainers and admins."""
    return bool(user and user.is_authenticated) and (enrolled or is_trainer(user))


def can_read_board(user, is_member: bool, trainer_ids) -> bool:
    """A cohort's board: its members, its trainers and admins."""
    return bool(user and user.is_authenticated) and (
        is_member or can_manage_cohort(user, trainer_ids)
    )


def can_moderate_board(user, trainer_ids) -> bool:
    """Pin, lock, hide and mute on a cohort's board: its trainers and admins (admins moderate
    lesson discussions too)."""
    return can_manage_cohort(user, trainer_ids)


def can_announce(user, trainer_ids) -> bool:
    """Announcements to a cohort: its trainers and admins."""
    return can_manage_cohort(user, trainer_ids)
