"""Scheduled reminders, sent by `flask --app lms notify run-due`:

- a nudge to trainees of a running cohort without activity for the cohort's N days (default 7),
  at most one a week;
- a warning to trainees whose cohort ends within 3 days and who have not finished the course;
- a weekly summary to each trainer of a running cohort (who finished, who is stuck, practice
  tasks waiting for review);
- a reminder to the trainer who made set-password links that expire within 3 days unused.

Every reminder is recorded in sent_reminders under a unique key before it is queued, and only the
rows that were new are sent: running it twice (or twice at once) sends nothing twice. The work is
set-based (a few queries per thousand people), so 100,000 trainees take seconds, not minutes."""

from collections import defaultdict
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..accounts.models import NO_PASSWORD, PasswordToken, User
from ..catalog.models import Course, Enrolment
from ..cohorts.models import Cohort, CohortMember, CohortTrainer
from ..extensions import db
from ..links import external_url
from ..mail import outbox
from ..timeutil import utcnow
from . import notifiers, whatsapp
from .models import APP, REMINDER, Preference, SentReminder
from .services import unsubscribe_serializer

BATCH = 1000
ENDING_DAYS = 3
LINK_DAYS = 3
NUDGE_EVERY = timedelta(days=7)
NAME = "\x00name\x00"  # stands for the person's name in a message made once per language
TOKEN = "unsubscribe-token"  # stands for the person's unsubscribe token in the footer


def _record(rows: list[dict]) -> set[str]:
    """Insert sent_reminders rows; returns the keys that were new (the ones to send)."""
    if not rows:
        return set()
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = (
        insert(SentReminder.__table__)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(SentReminder.__table__.c.key)
    )
    return set(db.session.execute(stmt, rows).scalars())


def _reachable():
    """People a reminder can reach: an email (with SMTP) or a phone (with WhatsApp)."""
    conditions = []
    if current_app.config.get("SMTP_HOST"):
        conditions.append(User.email.is_not(None))
    if whatsapp.configured():
        conditions.append(User.phone.is_not(None))
    return or_(*conditions) if conditions else None


def _opted_out():
    return exists().where(
        Preference.user_id == User.id, Preference.kind == REMINDER, Preference.channel == APP
    )


class Messages:
    """Queues reminder messages, one statement per batch: emails through the outbox, WhatsApp
    template messages for phone-only people."""

    def __init__(self):
        self.emails: list[dict] = []
        self.footers: dict[str, str] = {}
        self.serializer = unsubscribe_serializer()

    def footer(self, user: User) -> str:
        """The unsubscribe footer, made once per language; only the token is per person."""
        locale = user.locale or "id"
        if locale not in self.footers:
            self.footers[locale] = gettext(
                "-- \nAkademi KIM. Stop these reminders: %(link)s",
                link=external_url("notifications.unsubscribe", token=TOKEN),
            )
        token = self.serializer.dumps([user.id, REMINDER])
        return self.footers[locale].replace(TOKEN, token)

    def add(self, user: User, key: str, subject: str, body: str, short: str, link: str):
        if user.email:
            body += "\n\n" + self.footer(user)
            self.emails.append(
                {
                    "key": key,
                    "kind": "reminder",
                    "to": user.email,
                    "subject": subject,
                    "body": body,
                    "user_id": user.id,
                }
            )
        elif user.phone:
            notifiers.queue_whatsapp(
                key=key,
                user=user,
                template=current_app.config["WHATSAPP_TEMPLATE_REMINDER"],
                params=[user.full_name, short, link],
            )

    def flush(self) -> int:
        """Queue this batch in the transaction (the caller commits once at the end: a server-side
        cursor streaming the people stays open until then)."""
        count = len(self.emails)
        outbox.queue_many(self.emails)
        self.emails = []
        return count


def _personal(template: str, user: User) -> str:
    return template.replace(NAME, user.full_name)


def nudge_inactive(now=None) -> int:
    """Trainees of running cohorts inactive for the cohort's N days, not nudged this week."""
    now = now or utcnow()
    today = now.date()
    reachable = _reachable()
    if reachable is None:
        return 0
    cohorts = db.session.execute(
        select(Cohort.id, Cohort.nudge_after_days).where(
            Cohort.starts_on <= today, Cohort.ends_on >= today
        )
    ).all()
    by_days = defaultdict(list)
    for cohort_id, days in cohorts:
        by_days[max(1, days or 7)].append(cohort_id)
    sent = 0
    nudged_lately = exists().where(
        SentReminder.user_id == User.id,
        SentReminder.kind == "nudge",
        SentReminder.sent_at > now - NUDGE_EVERY,
    )
    for days, cohort_ids in by_days.items():
        for start in range(0, len(cohort_ids), BATCH):
            chunk = cohort_ids[start : start + BATCH]
            stmt = (
                select(User, Cohort.id, Cohort.name, Course.slug, Course.title)
                .join(CohortMember, CohortMember.user_id == User.id)
                .join(Cohort, Cohort.id == CohortMember.cohort_id)
                .join(Course, Course.id == Cohort.course_id)
                .join(
                    Enrolment,
                    and_(Enrolment.user_id == User.id, Enrolment.course_id == Cohort.course_id),
                )
                .where(
                    Cohort.id.in_(chunk),
                    Enrolment.completed_at.is_(None),
                    Enrolment.last_activity_at < now - timedelta(days=days),
                    User.deleted_at.is_(None),
                    reachable,
                    ~_opted_out(),
                    ~nudged_lately,
                )
                .order_by(User.id)
            )
            sent += _send_batches(
                db.session.execute(stmt.execution_options(yield_per=BATCH)),
                lambda row: f"nudge:{row[1]}:{row[0].id}:{today.isoformat()}",
                "nudge",
                _nudge_text,
                now,
                days=days,
            )
    db.session.commit()
    return sent


def _send_batches(result, key_of, kind, text_of, now, **extra) -> int:
    sent, seen = 0, set()
    texts = {}
    for rows in result.partitions(BATCH):
        fresh = []
        for row in rows:
            user = row[0]
            if user.id in seen:  # in two running cohorts: one reminder
                continue
            seen.add(user.id)
            fresh.append(row)
        new = _record(
            [{"key": key_of(r), "kind": kind, "user_id": r[0].id, "sent_at": now} for r in fresh]
        )
        messages = Messages()
        for row in fresh:
            key = key_of(row)
            if key not in new:
                continue
            user = row[0]
            locale = user.locale or "id"
            cache_key = (locale, row[1])
            if cache_key not in texts:
                with force_locale(locale):
                    texts[cache_key] = text_of(row, **extra)
            subject, body, short, link = texts[cache_key]
            with force_locale(locale):
                messages.add(user, "reminder:" + key, subject, _personal(body, user), short, link)
            sent += 1
        messages.flush()
    return sent


def _nudge_text(row, days):
    _, cohort_id, cohort_name, slug, title = row
    link = external_url("catalog.resume", slug=slug)
    subject = gettext("Continue your course %(course)s", course=title)
    body = gettext(
        "Hello %(name)s,\n\nYou have not studied %(course)s for %(days)s days. Your cohort "
        "%(cohort)s is still running: continue where you stopped:\n%(link)s",
        name=NAME,
        course=title,
        days=days,
        cohort=cohort_name,
        link=link,
    )
    return subject, body, subject, link


def warn_ending(now=None) -> int:
    """Trainees whose cohort ends within 3 days with the course unfinished (once per cohort)."""
    now = now or utcnow()
    today = now.date()
    reachable = _reachable()
    if reachable is None:
        return 0
    stmt = (
        select(User, Cohort.id, Cohort.name, Course.slug, Course.title, Cohort.ends_on)
        .join(CohortMember, CohortMember.user_id == User.id)
        .join(Cohort, Cohort.id == CohortMember.cohort_id)
        .join(Course, Course.id == Cohort.course_id)
        .join(
            Enrolment, and_(Enrolment.user_id == User.id, Enrolment.course_id == Cohort.course_id)
        )
        .where(
            Cohort.ends_on >= today,
            Cohort.ends_on <= today + timedelta(days=ENDING_DAYS),
            Cohort.starts_on <= today,
            Enrolment.completed_at.is_(None),
            User.deleted_at.is_(None),
            reachable,
            ~_opted_out(),
        )
        .order_by(User.id, Cohort.id)
    )
    sent, texts = 0, {}
    result = db.session.execute(stmt.execution_options(yield_per=BATCH))
    for rows in result.partitions(BATCH):
        new = _record(
            [
                {
                    "key": f"ending:{r[1]}:{r[0].id}",
                    "kind": "ending",
                    "user_id": r[0].id,
                    "sent_at": now,
                }
                for r in rows
            ]
        )
        messages = Messages()
        for row in rows:
            user, cohort_id = row[0], row[1]
            key = f"ending:{cohort_id}:{user.id}"
            if key not in new:
                continue
            locale = user.locale or "id"
            with force_locale(locale):
                if (locale, cohort_id) not in texts:
                    texts[(locale, cohort_id)] = _ending_text(row)
                subject, body, short, link = texts[(locale, cohort_id)]
                messages.add(user, "reminder:" + key, subject, _personal(body, user), short, link)
            sent += 1
        messages.flush()
    db.session.commit()
    return sent


def _ending_text(row):
    from flask_babel import format_date

    _, _, cohort_name, slug, title, ends_on = row
    link = external_url("catalog.resume", slug=slug)
    subject = gettext("Your cohort %(cohort)s ends soon", cohort=cohort_name)
    body = gettext(
        "Hello %(name)s,\n\nYour cohort %(cohort)s ends on %(date)s and %(course)s is not "
        "finished yet. Continue now:\n%(link)s",
        name=NAME,
        cohort=cohort_name,
        date=format_date(ends_on, "long"),
        course=title,
        link=link,
    )
    return subject, body, subject, link


def trainer_weekly(now=None) -> int:
    """A weekly summary to each trainer of a running cohort."""
    from ..tasks.models import BY_TRAINER, TaskRound, TaskWork

    now = now or utcnow()
    today = now.date()
    year, week, _ = today.isocalendar()
    cohorts = {
        c.id: c
        for c in db.session.scalars(
            select(Cohort).where(
                Cohort.starts_on <= today, Cohort.ends_on >= today - timedelta(days=7)
            )
        )
    }
    if not cohorts:
        return 0
    ids = list(cohorts)
    totals = defaultdict(lambda: {"members": 0, "finished": 0, "stuck": []})
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        for cohort_id, finished, count in db.session.execute(
            select(CohortMember.cohort_id, Enrolment.completed_at.is_not(None), func.count())
            .join(Cohort, Cohort.id == CohortMember.cohort_id)
            .join(
                Enrolment,
                and_(
                    Enrolment.user_id == CohortMember.user_id,
                    Enrolment.course_id == Cohort.course_id,
                ),
            )
            .where(CohortMember.cohort_id.in_(chunk))
            .group_by(CohortMember.cohort_id, Enrolment.completed_at.is_not(None))
        ):
            totals[cohort_id]["members"] += count
            if finished:
                totals[cohort_id]["finished"] += count
        waiting = dict(
            db.session.execute(
                select(TaskWork.cohort_id, func.count(TaskRound.id))
                .join(TaskWork, TaskWork.id == TaskRound.work_id)
                .where(
                    TaskWork.cohort_id.in_(chunk),
                    TaskRound.reviewed_by == BY_TRAINER,
                    TaskRound.outcome.is_(None),
                )
                .group_by(TaskWork.cohort_id)
            ).all()
        )
        for cohort_id, count in waiting.items():
            totals[cohort_id]["waiting"] = count
        for cohort_id, name, _last in db.session.execute(
            select(CohortMember.cohort_id, User.full_name, Enrolment.last_activity_at)
            .join(User, User.id == CohortMember.user_id)
            .join(Cohort, Cohort.id == CohortMember.cohort_id)
            .join(
                Enrolment,
                and_(
                    Enrolment.user_id == CohortMember.user_id,
                    Enrolment.course_id == Cohort.course_id,
                ),
            )
            .where(
                CohortMember.cohort_id.in_(chunk),
                Enrolment.completed_at.is_(None),
                Enrolment.last_activity_at < now - timedelta(days=7),
            )
            .order_by(CohortMember.cohort_id, Enrolment.last_activity_at)
        ):
            totals[cohort_id]["stuck"].append(name)
    by_trainer = defaultdict(list)
    for cohort_id, user_id in db.session.execute(
        select(CohortTrainer.cohort_id, CohortTrainer.user_id).where(
            CohortTrainer.cohort_id.in_(ids)
        )
    ):
        by_trainer[user_id].append(cohort_id)
    trainers = db.session.scalars(
        select(User).where(User.id.in_(list(by_trainer)), User.deleted_at.is_(None), ~_opted_out())
    ).all()
    keys = {t.id: f"trainer-week:{t.id}:{year}-W{week:02d}" for t in trainers}
    new = _record(
        [
            {"key": keys[t.id], "kind": "trainer_week", "user_id": t.id, "sent_at": now}
            for t in trainers
        ]
    )
    messages, sent = Messages(), 0
    for trainer in trainers:
        if keys[trainer.id] not in new:
            continue
        with force_locale(trainer.locale or "id"):
            parts = []
            for cohort_id in sorted(by_trainer[trainer.id]):
                cohort, t = cohorts[cohort_id], totals[cohort_id]
                stuck = t["stuck"]
                names = ", ".join(stuck[:10]) + (" …" if len(stuck) > 10 else "")
                names = " (" + names + ")" if stuck else ""
                parts.append(
                    gettext(
                        "%(cohort)s: %(finished)s of %(members)s trainees finished; %(stuck)s "
                        "without activity for 7 days%(names)s; %(waiting)s practice tasks wait "
                        "for your review.\n%(link)s",
                        cohort=cohort.name,
                        finished=t["finished"],
                        members=t["members"],
                        stuck=len(stuck),
                        names=names,
                        waiting=t.get("waiting", 0),
                        link=external_url("reports.dashboard", cohort_id=cohort_id),
                    )
                )
            subject = gettext("Your cohorts this week")
            body = gettext("Hello %(name)s,\n\n", name=trainer.full_name) + "\n\n".join(parts)
            link = external_url("cohorts.index")
            messages.add(trainer, "reminder:" + keys[trainer.id], subject, body, subject, link)
        sent += 1
    messages.flush()
    db.session.commit()
    return sent


def expiring_links(now=None) -> int:
    """Tell trainers about set-password links they made that expire within 3 days unused."""
    now = now or utcnow()
    rows = db.session.execute(
        select(
            PasswordToken.id, PasswordToken.created_by_id, PasswordToken.expires_at, User.full_name
        )
        .join(User, User.id == PasswordToken.user_id)
        .where(
            PasswordToken.purpose == "setup",
            PasswordToken.used_at.is_(None),
            PasswordToken.created_by_id.is_not(None),
            PasswordToken.expires_at > now,
            PasswordToken.expires_at <= now + timedelta(days=LINK_DAYS),
            User.password_hash == NO_PASSWORD,
            User.deleted_at.is_(None),
        )
        .order_by(PasswordToken.created_by_id, User.full_name)
    ).all()
    new = _record(
        [
            {"key": f"link-expiry:{r[0]}", "kind": "link_expiry", "user_id": None, "sent_at": now}
            for r in rows
        ]
    )
    by_trainer = defaultdict(list)
    for token_id, trainer_id, expires_at, name in rows:
        if f"link-expiry:{token_id}" in new:
            by_trainer[trainer_id].append((token_id, name, expires_at))
    messages, sent = Messages(), 0
    for trainer in db.session.scalars(select(User).where(User.id.in_(list(by_trainer)))):
        if trainer.deleted_at is not None:
            continue
        entries = by_trainer[trainer.id]
        with force_locale(trainer.locale or "id"):
            subject = gettext("Set-password links expire soon")
            body = gettext(
                "Hello %(name)s,\n\nThese people have not set their password yet, and the "
                "links you made for them expire within %(days)s days: %(people)s.\n\nOpen the "
                'cohort\'s import page and press "Make new set-password links" to give them new '
                "ones:\n%(link)s",
                name=trainer.full_name,
                days=LINK_DAYS,
                people=", ".join(name for _, name, _ in entries),
                link=external_url("cohorts.index"),
            )
            key = "reminder:link-expiry:" + ",".join(str(t) for t, _, _ in entries)[:150]
            messages.add(trainer, key, subject, body, subject, external_url("cohorts.index"))
        sent += 1
    messages.flush()
    db.session.commit()
    return sent


def run_all(now=None) -> dict[str, int]:
    return {
        "nudges": nudge_inactive(now),
        "ending": warn_ending(now),
        "trainer_summaries": trainer_weekly(now),
        "expiring_links": expiring_links(now),
    }
