"""Notifications: the in-app list, each person's channel per kind (app, email, daily digest),
announcements to a cohort, and delivery through the notifiers (email outbox, WhatsApp).

Emails never go out in the request: they are queued in the outbox in the same transaction and
delivered after commit (the RQ worker with Redis, after the response without)."""

from dataclasses import dataclass
from datetime import timedelta

from flask import after_this_request, current_app, has_request_context
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import JSON, and_, func, insert, literal, select, update

from .. import permissions, signals
from ..accounts.models import User
from ..cohorts.models import Cohort, CohortMember, CohortTrainer
from ..errors import FormErrors, ServiceError
from ..extensions import cache, db
from ..links import external_url
from ..mail import outbox
from ..queue import enqueue
from ..text import one_line
from ..timeutil import utcnow
from . import notifiers
from .models import (
    ANNOUNCEMENT,
    APP,
    CERTIFICATE,
    CHANNELS,
    DIGEST,
    EMAIL,
    KINDS,
    REMINDER,
    REPLY,
    TASK_REVIEWED,
    Announcement,
    Notification,
    Preference,
)

PER_PAGE = 30
BATCH = 500
TITLE_MAX = 200
BODY_MAX = 5000

KIND_LABELS = {
    REPLY: _l("Replies to my messages"),
    ANNOUNCEMENT: _l("Announcements of my cohorts"),
    TASK_REVIEWED: _l("Reviews of my practice tasks"),
    CERTIFICATE: _l("Certificates issued to me"),
    REMINDER: _l("Reminders to continue learning and trainer summaries"),
}
CHANNEL_LABELS = {
    APP: _l("Only in the app"),
    EMAIL: _l("In the app and by email (or WhatsApp)"),
    DIGEST: _l("In the app and in a daily summary email"),
}


def message(kind: str, params: dict) -> str:
    """One notification's line, in the current language."""
    if kind == REPLY:
        return gettext(
            '%(name)s replied in "%(thread)s".',
            name=params.get("name"),
            thread=params.get("thread"),
        )
    if kind == ANNOUNCEMENT:
        return gettext(
            "Announcement in %(cohort)s: %(title)s",
            cohort=params.get("cohort"),
            title=params.get("title"),
        )
    if kind == TASK_REVIEWED:
        if params.get("passed"):
            return gettext('Your practice task "%(task)s" passed.', task=params.get("task"))
        return gettext(
            'Your practice task "%(task)s" was reviewed: please revise it.', task=params.get("task")
        )
    if kind == CERTIFICATE:
        return gettext(
            "Your certificate for %(course)s has been issued.", course=params.get("course")
        )
    return kind


# --- preferences and unsubscribe links -------------------------------------------------------


def preferences(user_id: int) -> dict[str, str]:
    """The person's channel for each kind (default: email)."""
    chosen = dict(
        db.session.execute(
            select(Preference.kind, Preference.channel).where(Preference.user_id == user_id)
        ).all()
    )
    return {kind: chosen.get(kind, EMAIL) for kind in KINDS}


def set_preferences(user: User, choices: dict[str, str]) -> None:
    errors = {
        f"kind_{k}": _l("Choose one of the options.")
        for k, v in choices.items()
        if v not in CHANNELS
    }
    unknown = set(choices) - set(KINDS)
    if errors or unknown:
        raise FormErrors(errors or {"kind": _l("Choose one of the options.")})
    existing = {
        p.kind: p
        for p in db.session.scalars(select(Preference).where(Preference.user_id == user.id))
    }
    for kind, channel in choices.items():
        if kind in existing:
            existing[kind].channel = channel
        else:
            db.session.add(Preference(user_id=user.id, kind=kind, channel=channel))
    db.session.commit()


def unsubscribe_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="unsubscribe")


_serializer = unsubscribe_serializer


def unsubscribe_token(user_id: int, kind: str) -> str:
    return _serializer().dumps([user_id, kind])


def read_unsubscribe_token(token: str) -> tuple[User, str]:
    try:
        user_id, kind = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError) as e:
        raise ServiceError(_l("This link is not valid."), 404) from e
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or user.deleted_at is not None or kind not in KINDS:
        raise ServiceError(_l("This link is not valid."), 404)
    return user, kind


def unsubscribe(user: User, kind: str) -> None:
    """No more emails of this kind (the notifications stay in the app)."""
    set_preferences(user, {kind: APP})


# --- creating notifications ----------------------------------------------------------------


def _cache_key(user_id: int) -> str:
    return f"unread:{user_id}"


def unread_count(user_id: int) -> int:
    """Unread notifications, for the menu: kept in the cache until a new one or a read."""
    key = _cache_key(user_id)
    count = cache.get(key)
    if count is None:
        count = db.session.scalar(
            select(func.count(Notification.id)).where(
                Notification.user_id == user_id, Notification.read_at.is_(None)
            )
        )
        cache.set(key, count, timeout=600)
    return count


@signals.landing_page.connect
def warm_unread_count(user, **_) -> None:
    """On sign-in the menu's count is loaded once, so the pages that follow read it from the
    cache (a page's query count stays the same whatever came before it)."""
    unread_count(user.id)


def _forget_counts(user_ids) -> None:
    cache.delete_many(*[_cache_key(u) for u in user_ids])


def notify(user_ids, kind: str, params: dict, path: str) -> None:
    """Notify people in the caller's transaction: an in-app line each, and by the channel each
    chose, an email (or WhatsApp message) queued in the outbox or a line in the daily digest."""
    user_ids = sorted(set(user_ids))
    if not user_ids:
        return
    users = db.session.scalars(
        select(User).where(User.id.in_(user_ids), User.deleted_at.is_(None))
    ).all()
    chosen = dict(
        db.session.execute(
            select(Preference.user_id, Preference.channel).where(
                Preference.user_id.in_(user_ids), Preference.kind == kind
            )
        ).all()
    )
    now = utcnow()
    for user in users:
        channel = chosen.get(user.id, EMAIL)
        note = Notification(
            user_id=user.id,
            kind=kind,
            params=params,
            path=path,
            created_at=now,
            digest_pending=channel == DIGEST,
        )
        db.session.add(note)
        db.session.flush()
        if channel == EMAIL:
            send_one(user, note)
    _forget_counts([u.id for u in users])


def send_one(user: User, note: Notification) -> None:
    """The notification by email (or WhatsApp for phone-only people), in their language."""
    with force_locale(user.locale or "id"):
        text = message(note.kind, note.params)
        link = external_url("notifications.open", notification_id=note.id)
        body = gettext(
            "Hello %(name)s,\n\n%(text)s\n\nOpen: %(link)s\n\n",
            name=user.full_name,
            text=text,
            link=link,
        )
        extra = note.params.get("body")
        if extra:
            body += extra + "\n\n"
        body += footer(user.id, note.kind)
        notifiers.deliver(
            user,
            key=f"note:{note.id}",
            kind=note.kind,
            subject=text[:200],
            body=body,
            short=text,
            link=link,
        )


def footer(user_id: int, kind: str) -> str:
    return gettext(
        "-- \nAkademi KIM. You receive this because of your notification settings. Stop these "
        "emails: %(link)s",
        link=external_url("notifications.unsubscribe", token=unsubscribe_token(user_id, kind)),
    )


@signals.post_added.connect
def notify_reply(post, thread, actor, recipient_ids, **_) -> None:
    notify(
        recipient_ids,
        REPLY,
        {"name": actor.full_name, "thread": thread.title},
        # thread.post_count is still the count before this reply (updated in SQL).
        f"/diskusi/{thread.id}?halaman={-(-(thread.post_count + 1) // 50)}#pos-{post.id}",
    )


@signals.task_reviewed.connect
def notify_review(entry, **_) -> None:
    from ..tasks.models import PASSED, Task, TaskWork

    work = db.session.get(TaskWork, entry.work_id)
    task = db.session.get(Task, entry.task_id)
    from ..catalog.models import Course

    course = db.session.get(Course, task.course_id)
    notify(
        [work.user_id],
        TASK_REVIEWED,
        {"task": task.title, "passed": entry.outcome == PASSED},
        f"/kursus/{course.slug}/tugas/{task.id}",
    )
    db.session.commit()


@signals.certificate_issued.connect
def notify_certificate(certificate, **_) -> None:
    notify(
        [certificate.user_id],
        CERTIFICATE,
        {"course": certificate.course_title},
        f"/v/{certificate.code}",
    )
    db.session.commit()


# --- the list ----------------------------------------------------------------------------------


def page_of(user: User, page: int):
    stmt = (
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id.desc())
    )
    return db.paginate(stmt, page=page, per_page=PER_PAGE, error_out=False)


def _own(user: User, notification_id: int) -> Notification:
    note = db.session.get(Notification, notification_id)
    if note is None or note.user_id != user.id:
        raise ServiceError(_l("This notification does not exist."), 404)
    return note


def _safe_path(path: str) -> str:
    return path if path.startswith("/") and not path.startswith("//") else "/"


def target_of(user: User, notification_id: int) -> str:
    """Where the person's notification leads."""
    return _safe_path(_own(user, notification_id).path)


def open_notification(user: User, notification_id: int) -> str:
    """Mark it read; returns where it leads."""
    note = _own(user, notification_id)
    if note.read_at is None:
        note.read_at = utcnow()
        db.session.commit()
        _forget_counts([user.id])
    return _safe_path(note.path)


def mark_read(user: User, notification_id: int | None = None) -> None:
    """Mark one (or every) notification of the person read."""
    stmt = update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if notification_id is not None:
        stmt = stmt.where(Notification.id == notification_id)
    db.session.execute(stmt.values(read_at=utcnow()).execution_options(synchronize_session=False))
    db.session.commit()
    _forget_counts([user.id])


# --- announcements -----------------------------------------------------------------------------


def _announcement_path(cohort_id: int) -> str:
    return f"/kelas/{cohort_id}/diskusi"


def announce(actor: User, cohort: Cohort, title: str, body: str) -> Announcement:
    """A trainer's announcement: one in-app notification per member written in one statement
    (a cohort of 5,000 in one request), the emails sent afterwards by the worker in batches."""
    trainers = list(
        db.session.scalars(
            select(CohortTrainer.user_id).where(CohortTrainer.cohort_id == cohort.id)
        )
    )
    if not permissions.can_announce(actor, trainers):
        raise ServiceError(_l("This cohort does not exist or is not yours."), 404)
    errors = {}
    title = one_line(title)
    if not title:
        errors["title"] = _l("Give the announcement a title.")
    elif len(title) > TITLE_MAX:
        errors["title"] = _l("Use at most %(n)s characters.", n=TITLE_MAX)
    from ..discussions.services import clean_body

    try:
        body = clean_body(body)
    except FormErrors as e:
        errors.update(e.errors)
    if errors:
        raise FormErrors(errors)
    now = utcnow()
    announcement = Announcement(
        cohort_id=cohort.id, author_id=actor.id, title=title, body=body, created_at=now
    )
    db.session.add(announcement)
    db.session.flush()
    params = {"cohort": cohort.name, "title": title}
    db.session.execute(
        insert(Notification).from_select(
            [
                "user_id",
                "kind",
                "params",
                "path",
                "announcement_id",
                "created_at",
                "digest_pending",
            ],
            select(
                CohortMember.user_id,
                literal(ANNOUNCEMENT),
                literal(params, JSON),
                literal(_announcement_path(cohort.id)),
                literal(announcement.id),
                literal(now),
                literal(False),
            ).where(CohortMember.cohort_id == cohort.id),
        )
    )
    db.session.commit()
    _forget_counts(_member_ids(cohort.id))
    _dispatch_announcement(announcement.id)
    return announcement


def _member_ids(cohort_id: int) -> list[int]:
    return list(
        db.session.scalars(select(CohortMember.user_id).where(CohortMember.cohort_id == cohort_id))
    )


def _dispatch_announcement(announcement_id: int) -> None:
    if enqueue("lms.notifications.services.send_announcement", announcement_id):
        return
    if has_request_context():
        app = current_app._get_current_object()

        @after_this_request
        def later(response):
            def run():
                with app.app_context():
                    send_announcement(announcement_id)

            response.call_on_close(run)
            return response
    # Elsewhere `notify run-due` sends it.


def send_announcement(announcement_id: int) -> int:
    """Queue the announcement's emails in batches (idempotent: one outbox key per member),
    then deliver them. Returns how many were queued."""
    announcement = db.session.get(Announcement, announcement_id)
    if announcement is None or announcement.sent_at is not None:
        return 0
    queued, last_id = 0, 0
    while True:
        rows = db.session.execute(
            select(Notification, User)
            .join(User, User.id == Notification.user_id)
            .outerjoin(
                Preference,
                and_(Preference.user_id == User.id, Preference.kind == ANNOUNCEMENT),
            )
            .where(
                Notification.announcement_id == announcement_id,
                Notification.id > last_id,
                func.coalesce(Preference.channel, EMAIL) != APP,
            )
            .add_columns(func.coalesce(Preference.channel, EMAIL))
            .order_by(Notification.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        for note, user, channel in rows:
            last_id = note.id
            if channel == DIGEST:
                note.digest_pending = True
            elif note.read_at is None:
                note.params = {**note.params, "body": announcement.body}
                send_one(user, note)
                queued += 1
        db.session.commit()
        if not current_app.config.get("REDIS_URL"):
            outbox.deliver_due()
            notifiers.deliver_whatsapp_due()
    announcement.sent_at = utcnow()
    db.session.commit()
    return queued


def announcements_of(actor: User, cohort: Cohort) -> list[Announcement]:
    return list(
        db.session.scalars(
            select(Announcement)
            .where(Announcement.cohort_id == cohort.id)
            .order_by(Announcement.id.desc())
            .limit(50)
        )
    )


@dataclass
class AnnouncementPanel:
    notification: Notification
    announcement: Announcement
    cohort_name: str


def unread_announcements(user_id: int, cohort_id: int | None = None) -> list[AnnouncementPanel]:
    stmt = (
        select(Notification, Announcement, Cohort.name)
        .join(Announcement, Announcement.id == Notification.announcement_id)
        .join(Cohort, Cohort.id == Announcement.cohort_id)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .order_by(Notification.id.desc())
        .limit(5)
    )
    if cohort_id is not None:
        stmt = stmt.where(Announcement.cohort_id == cohort_id)
    return [AnnouncementPanel(*row) for row in db.session.execute(stmt).all()]


@signals.page_panels.connect
def announcement_panel(user, place, cohort_id=None, **_):
    found = unread_announcements(user.id, cohort_id if place == "cohort" else None)
    if not found:
        return []
    return [("notifications/_announcements.html", found)]


# --- daily digest --------------------------------------------------------------------------------


def send_digests(now=None) -> int:
    """One summary email a day to each person with digest lines waiting."""
    now = now or utcnow()
    today = now.date().isoformat()
    user_ids = list(
        db.session.scalars(
            select(Notification.user_id).where(Notification.digest_pending.is_(True)).distinct()
        )
    )
    sent = 0
    for start in range(0, len(user_ids), BATCH):
        batch = user_ids[start : start + BATCH]
        notes: dict[int, list[Notification]] = {}
        for note in db.session.scalars(
            select(Notification)
            .where(Notification.user_id.in_(batch), Notification.digest_pending.is_(True))
            .order_by(Notification.id)
        ):
            notes.setdefault(note.user_id, []).append(note)
        for user in db.session.scalars(select(User).where(User.id.in_(batch))):
            waiting = notes.get(user.id, [])
            with force_locale(user.locale or "id"):
                lines = "\n".join(
                    f"- {message(n.kind, n.params)}" for n in waiting if n.read_at is None
                )
                if lines and user.deleted_at is None:
                    body = (
                        gettext("Hello %(name)s,\n\nToday on Akademi KIM:\n\n", name=user.full_name)
                        + lines
                        + "\n\n"
                        + gettext(
                            "All notifications: %(link)s", link=external_url("notifications.index")
                        )
                        + "\n\n"
                        + footer(user.id, waiting[0].kind)
                    )
                    notifiers.deliver(
                        user,
                        key=f"digest:{user.id}:{today}",
                        kind="digest",
                        subject=gettext("Your daily summary from Akademi KIM"),
                        body=body,
                        short=gettext("You have new notifications on Akademi KIM."),
                        link=external_url("notifications.index"),
                    )
                    sent += 1
            for n in waiting:
                n.digest_pending = False
        db.session.commit()
    return sent


def pending_announcements() -> list[int]:
    """Announcements whose emails were not all queued (a worker died, no Redis in the CLI)."""
    cutoff = utcnow() - timedelta(seconds=0)
    return list(
        db.session.scalars(
            select(Announcement.id).where(
                Announcement.sent_at.is_(None), Announcement.created_at <= cutoff
            )
        )
    )


# --- personal data -------------------------------------------------------------------------------


@signals.personal_data_export.connect
def export_notifications(user, **_) -> dict:
    notes = db.session.scalars(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    )
    with force_locale(user.locale or "id"):
        return {
            "notifications": [
                {
                    "text": message(n.kind, n.params),
                    "kind": n.kind,
                    "at": signals.iso(n.created_at),
                    "read_at": signals.iso(n.read_at),
                }
                for n in notes
            ],
            "notification_settings": preferences(user.id),
        }


@signals.account_erasing.connect
def erase_notifications(user, **_) -> None:
    from sqlalchemy import delete

    from .models import SignInCode

    for model in (Notification, Preference, SignInCode):
        db.session.execute(delete(model).where(model.user_id == user.id))
    db.session.execute(
        update(Announcement).where(Announcement.author_id == user.id).values(author_id=None)
    )
