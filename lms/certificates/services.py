"""Certificates: eligibility, issuing with gap-free numbers, revocation, reissue, verification."""

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from .. import codes, formatting, locales, signals, storage
from ..accounts import services as accounts
from ..accounts.models import User
from ..catalog import services as catalog
from ..catalog.models import Course, Enrolment, LessonProgress
from ..cohorts import services as cohorts
from ..cohorts.models import Cohort, CohortMember
from ..completion.services import (
    CourseStatus,
    course_status,
    quiz_results_of,
    status_of,
    task_results_of,
)
from ..errors import FormErrors, ServiceError
from ..extensions import db
from ..issuers import numbering
from ..issuers import services as issuers
from ..issuers.models import Issuer
from ..links import external_url
from ..text import one_line
from ..timeutil import utcnow
from .models import CODE_LENGTH, AuditEvent, Certificate, new_code
from .pdf import Paper, render

BATCH = 50


# ---------------------------------------------------------------- eligibility


@dataclass
class Eligibility:
    course: Course
    enrolment: Enrolment | None
    status: CourseStatus | None
    certificate: Certificate | None
    revoked: Certificate | None = None  # a revocation that blocks a new claim

    @property
    def eligible(self) -> bool:
        return self.status is not None and self.status.complete and self.revoked is None


def eligibility(user: User, course: Course) -> Eligibility:
    enrolment = catalog.get_enrolment(user, course)
    status = status_of(user.id, course) if enrolment is not None else None
    certificate = active_certificate(user.id, course.id)
    revoked = None if certificate is not None else claim_blocker(user.id, course.id)
    return Eligibility(course, enrolment, status, certificate, revoked)


def active_certificate(user_id: int, course_id: int) -> Certificate | None:
    return db.session.scalar(
        select(Certificate).where(
            Certificate.user_id == user_id,
            Certificate.course_id == course_id,
            Certificate.valid,
        )
    )


def claim_blocker(user_id: int, course_id: int) -> Certificate | None:
    """The latest revoked certificate that still blocks a new claim of the course, if any."""
    return db.session.scalar(
        select(Certificate)
        .where(
            Certificate.user_id == user_id,
            Certificate.course_id == course_id,
            Certificate.blocks_claim,
        )
        .order_by(Certificate.revoked_at.desc())
        .limit(1)
    )


def final_score(status: CourseStatus) -> float | None:
    """The final exam's best score; without one, the mean of the module quizzes' best scores."""
    if status.final_exam is not None and status.final_exam.best is not None:
        return round(status.final_exam.best, 1)
    bests = [r.best for r in status.module_quizzes.values() if r.best is not None]
    return round(sum(bests) / len(bests), 1) if bests else None


# ---------------------------------------------------------------- issuing


def verify_url(code: str) -> str:
    return external_url("certificates.verify", code=code)


def audit(actor: User | None, action: str, certificate: Certificate | None, **detail) -> None:
    db.session.add(
        AuditEvent(
            actor_id=actor.id if actor else None,
            action=action,
            certificate=certificate,
            detail=detail,
        )
    )


def paper_for(certificate: Certificate, kept: bool = True) -> Paper:
    """What the certificate prints. `kept` is False for a record issued before PDFs were kept
    in storage: it is rendered as it was then, so its bytes (and SHA-256) never change."""
    issuer = certificate.issuer_snapshot
    score = certificate.score
    return Paper(
        full_name=certificate.full_name,
        course_title=certificate.course_title,
        certificate_title=certificate.certificate_title,
        hours=certificate.hours,
        completed_on=certificate.completed_on,
        score=score,
        number=certificate.number,
        issuer_name=issuer["name"],
        city=issuer.get("city", ""),
        signatory_name=issuer["signatory_name"],
        signatory_title=issuer["signatory_title"],
        signatory_nip=issuer.get("signatory_nip", ""),
        verify_url=verify_url(certificate.code),
        logo=issuers.image_bytes(issuer.get("logo_id")),
        signature=issuers.image_bytes(issuer.get("signature_id")),
        score_text=formatting.number(score, locale="id") if kept and score is not None else None,
    )


def pdf_bytes(certificate: Certificate) -> bytes:
    """The certificate's PDF: the file kept at issue (older records: rendered again)."""
    if certificate.pdf_key:
        record = storage.get(certificate.pdf_key)
        if record is not None:
            return storage.load(record)
    return render(paper_for(certificate, kept=False))


def _issue(
    actor,
    user: User,
    course: Course,
    issuer: Issuer,
    status: CourseStatus,
    enrolment: Enrolment,
    action="issue",
    seq: int | None = None,
    now=None,
) -> Certificate:
    """Add a certificate to the session (number, code, PDF hash, audit); the caller commits.
    `seq` is a number the caller already took from the issuer's sequence."""
    finished = enrolment.completed_at or utcnow()
    zone = locales.zone(user.timezone)
    completed_on = finished.replace(tzinfo=ZoneInfo("UTC")).astimezone(zone).date()
    now = now or utcnow()
    issuers.require_real_signatory(issuer)
    if seq is None:
        seq = numbering.next_seq(issuer.id, now.year)
    certificate = Certificate(
        code=new_code(),
        number=numbering.format_number(issuer.number_pattern, seq, issuer.code, now.date()),
        user_id=user.id,
        course_id=course.id,
        issuer_id=issuer.id,
        full_name=user.full_name,
        course_title=course.title,
        certificate_title=course.certificate_title or f"Sertifikat {course.title}",
        hours=course.hours,
        completed_on=completed_on,
        score=final_score(status),
        issuer_snapshot=issuers.snapshot(issuer),
        issued_at=now,
        issued_by_id=actor.id if actor else None,
    )
    stored = storage.save(render(paper_for(certificate)), "application/pdf")
    certificate.pdf_sha256, certificate.pdf_key = stored.sha256, stored.key
    db.session.add(certificate)
    audit(actor, action, certificate, number=certificate.number, user_id=user.id)
    return certificate


def issuer_for(user: User | None, course: Course) -> Issuer:
    """The unit of the person's most recent cohort for this course; else the default unit."""
    if user is not None:
        issuer = db.session.scalar(
            select(Issuer)
            .join(Cohort, Cohort.issuer_id == Issuer.id)
            .join(CohortMember, CohortMember.cohort_id == Cohort.id)
            .where(CohortMember.user_id == user.id, Cohort.course_id == course.id)
            .order_by(CohortMember.joined_at.desc(), CohortMember.id.desc())
            .limit(1)
        )
        if issuer is not None:
            return issuer
    issuer = issuers.default_issuer()
    if issuer is None:
        raise ServiceError(_l("No issuing unit is set up yet. Ask an administrator."))
    return issuer


def claim(user: User, course: Course, full_name: str) -> Certificate:
    """The trainee claims their certificate; claiming twice returns the same one."""
    found = eligibility(user, course)
    if found.certificate is not None:
        return found.certificate
    if found.revoked is not None:
        raise ServiceError(revoked_message(found.revoked), 403)
    if not found.eligible:
        raise ServiceError(_l("Complete the course first."), 403)
    name = one_line(full_name)
    if not name:
        raise FormErrors({"full_name": _l("Enter your full name.")})
    if len(name) > accounts.NAME_MAX:
        raise FormErrors({"full_name": _l("Use at most %(n)s characters.", n=accounts.NAME_MAX)})
    issuer = issuer_for(user, course)
    user.full_name = name
    try:
        certificate = _issue(user, user, course, issuer, found.status, found.enrolment)
        db.session.commit()
    except IntegrityError:  # a parallel claim won: return its certificate
        db.session.rollback()
        existing = active_certificate(user.id, course.id)
        if existing is None:
            raise
        return existing
    signals.certificate_issued.send(certificate)
    return certificate


def revoked_message(certificate: Certificate):
    return _l(
        "Your certificate for this course was revoked: %(reason)s. A new one can only be "
        "issued by an administrator; contact the organiser of your training.",
        reason=certificate.revoked_reason,
    )


def eligible_without_certificate(course: Course, users: list[User]) -> list[tuple]:
    """(person, status) for each person who completed the course and holds no certificate
    for it (an active one, or a revoked one an admin has not released). A few queries for the
    whole list, whatever its length."""
    ids = [u.id for u in users]
    outline = catalog.outline(course)
    done: dict[int, set] = {}
    for user_id, lesson_id in db.session.execute(
        select(LessonProgress.user_id, LessonProgress.lesson_id).where(
            LessonProgress.course_id == course.id, LessonProgress.user_id.in_(ids)
        )
    ):
        done.setdefault(user_id, set()).add(lesson_id)
    enrolled = set(
        db.session.scalars(
            select(Enrolment.user_id).where(
                Enrolment.course_id == course.id, Enrolment.user_id.in_(ids)
            )
        )
    )
    holders = holders_of(course.id, ids)
    results = quiz_results_of(ids, course.id)
    task_results = task_results_of(ids, course.id)
    found = []
    for user in users:
        if user.id in holders or user.id not in enrolled:
            continue
        status = course_status(
            user.id,
            course,
            outline,
            done.get(user.id, set()),
            results[user.id],
            task_results[user.id],
        )
        if status.complete:
            found.append((user, status))
    return found


def holders_of(course_id: int, user_ids: list[int]) -> set[int]:
    """Those of `user_ids` who may not get a new certificate of the course (see blocks_claim)."""
    return set(
        db.session.scalars(
            select(Certificate.user_id).where(
                Certificate.course_id == course_id,
                Certificate.user_id.in_(user_ids),
                Certificate.blocks_claim,
            )
        )
    )


def issue_eligible(
    actor: User, course: Course, eligible: list[tuple], issuer: Issuer | None = None
):
    """Issue to each (person, status), committing in batches; yields each new certificate."""
    unit = issuer or issuer_for(None, course)
    enrolments = {
        e.user_id: e
        for e in db.session.scalars(
            select(Enrolment).where(
                Enrolment.course_id == course.id,
                Enrolment.user_id.in_([user.id for user, _ in eligible]),
            )
        )
    }
    issuers.require_real_signatory(unit)
    for start in range(0, len(eligible), BATCH):
        batch = eligible[start : start + BATCH]
        while batch:
            # One statement takes the batch's numbers; the batch commits together, so no gaps.
            now = utcnow()
            first = numbering.next_seq(unit.id, now.year, len(batch))
            issued = [
                _issue(
                    actor, user, course, unit, status, enrolments[user.id], seq=first + i, now=now
                )
                for i, (user, status) in enumerate(batch)
            ]
            try:
                db.session.commit()
            except IntegrityError:
                # Someone in the batch claimed their own certificate meanwhile: the batch (and
                # its numbers) is rolled back, and retried without them.
                db.session.rollback()
                taken = holders_of(course.id, [user.id for user, _ in batch])
                if not taken:
                    raise
                batch = [(user, status) for user, status in batch if user.id not in taken]
                continue
            for certificate in issued:
                signals.certificate_issued.send(certificate)
            yield from issued
            break


def issue_for_cohort(actor: User | None, cohort: Cohort, on_progress=None) -> int:
    """Issue every eligible member of the cohort their certificate, from the cohort's unit;
    `on_progress(done, total)` hears after each batch. Returns how many were issued. The one
    way to bulk issue: the background job and the CLI both call it."""
    eligible = eligible_without_certificate(cohort.course, cohorts.members(cohort))
    report = on_progress or (lambda done, total: None)
    report(0, len(eligible))
    issued = 0
    unit = db.session.get(Issuer, cohort.issuer_id)
    for issued, _ in enumerate(issue_eligible(actor, cohort.course, eligible, unit), 1):
        if issued % BATCH == 0:
            report(issued, len(eligible))
    report(issued, len(eligible))
    signals.cohort_changed.send(cohort.id)
    return issued


def cohort_certificate_ids(cohort: Cohort) -> list[int]:
    """The active certificates of the cohort's members for its course."""
    return list(
        db.session.scalars(
            select(Certificate.id)
            .join(CohortMember, CohortMember.user_id == Certificate.user_id)
            .where(
                CohortMember.cohort_id == cohort.id,
                Certificate.course_id == cohort.course_id,
                Certificate.valid,
            )
            .order_by(Certificate.number)
        )
    )


# ---------------------------------------------------------------- revocation, reissue


def revoke(actor: User, certificate: Certificate, reason: str) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise FormErrors({"reason": _l("Give the reason for revoking.")})
    if len(reason) > 500:
        raise FormErrors({"reason": _l("Use at most %(n)s characters.", n=500)})
    if certificate.revoked_at is not None:
        raise ServiceError(_l("This certificate is already revoked."))
    certificate.revoked_at = utcnow()
    certificate.revoked_reason = reason
    certificate.revoked_by_id = actor.id
    audit(actor, "revoke", certificate, reason=reason)
    db.session.commit()


def reissue(actor: User, certificate: Certificate, reason: str) -> Certificate:
    """Issue anew (new number and code) with the person's and issuer's current data; an active
    certificate is revoked first, a revoked one is replaced (once)."""
    reason = (reason or "").strip()
    if not reason:
        raise FormErrors({"reason": _l("Give the reason for reissuing.")})
    if len(reason) > 500:
        raise FormErrors({"reason": _l("Use at most %(n)s characters.", n=500)})
    if certificate.replaced_by_id is not None:
        raise ServiceError(_l("This certificate has already been replaced."))
    if not certificate.valid and active_certificate(certificate.user_id, certificate.course_id):
        raise ServiceError(_l("The person already holds an active certificate of this course."))
    user = db.session.get(User, certificate.user_id)
    if user.deleted_at is not None:
        raise ServiceError(_l("This account has been deleted."))
    course = db.session.get(Course, certificate.course_id)
    issuer = db.session.get(Issuer, certificate.issuer_id)
    enrolment = catalog.get_enrolment(user, course)
    status = status_of(user.id, course)
    was_valid = certificate.valid
    if was_valid:
        certificate.revoked_at = utcnow()
        certificate.revoked_reason = reason
        certificate.revoked_by_id = actor.id
        db.session.flush()  # the old one leaves the "one active per course" index first
    new = _issue(actor, user, course, issuer, status, enrolment, action="reissue")
    db.session.flush()
    certificate.replaced_by_id = new.id
    if was_valid:
        audit(actor, "revoke", certificate, reason=reason, replaced_by=new.number)
    else:
        audit(actor, "replace", certificate, reason=reason, replaced_by=new.number)
    try:
        db.session.commit()
    except IntegrityError as e:  # a parallel reissue or claim won
        db.session.rollback()
        raise ServiceError(_l("The certificate changed meanwhile. Reload the page.")) from e
    signals.certificate_issued.send(new)
    return new


def allow_new_claim(actor: User, certificate: Certificate) -> None:
    """Release a revoked certificate: its holder may claim the course's certificate again."""
    if certificate.valid or certificate.replaced_by_id is not None:
        raise ServiceError(_l("Only a revoked certificate that was not replaced can be released."))
    if certificate.claim_again:
        return
    certificate.claim_again = True
    audit(actor, "allow_claim", certificate)
    db.session.commit()


# ---------------------------------------------------------------- lookups


def lookup(code: str) -> Certificate | None:
    normalised = codes.normalise(code)
    if len(normalised) != CODE_LENGTH:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code == normalised))


def by_number(typed: str) -> Certificate | None:
    """A certificate by its printed number. Numbers run in sequence, so whoever looks one up
    learns only that it exists and who issued it; the holder needs the code (see views)."""
    number = (typed or "").strip()
    if not number or len(number) > 100:
        return None
    matches = db.session.scalars(
        select(Certificate).where(Certificate.number == number).limit(2)
    ).all()
    return matches[0] if len(matches) == 1 else None


def certificate_states(user_id: int) -> dict[int, Certificate]:
    """Per course: the person's active certificate, or the revoked one that blocks a new
    claim. One query, for the course page and "My learning"."""
    states: dict[int, Certificate] = {}
    for certificate in db.session.scalars(
        select(Certificate)
        .where(Certificate.user_id == user_id, Certificate.blocks_claim)
        .order_by(Certificate.issued_at)
    ):
        current = states.get(certificate.course_id)
        if current is None or not current.valid:
            states[certificate.course_id] = certificate
    return states


def certificates_of(user: User) -> list[Certificate]:
    return list(
        db.session.scalars(
            select(Certificate)
            .where(Certificate.user_id == user.id)
            .order_by(Certificate.issued_at.desc())
        )
    )


def search(query: str, page: int, per_page: int):
    stmt = select(Certificate).order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    q = (query or "").strip()
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(
            or_(
                Certificate.full_name.ilike(like),
                Certificate.number.ilike(like),
                Certificate.code == codes.normalise(q),
            )
        )
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def history(certificate: Certificate) -> list[tuple[AuditEvent, str | None]]:
    """The audit events of a certificate with the name of who acted."""
    return list(
        db.session.execute(
            select(AuditEvent, User.full_name)
            .outerjoin(User, User.id == AuditEvent.actor_id)
            .where(AuditEvent.certificate_id == certificate.id)
            .order_by(AuditEvent.at, AuditEvent.id)
        ).all()
    )


def public_record(certificate: Certificate | None) -> dict:
    """What verification shows: the same for the page and the JSON API."""
    if certificate is None:
        return {"status": "not_found"}
    record = {
        "status": "valid" if certificate.valid else "revoked",
        "code": certificate.code,
        "number": certificate.number,
        "name": certificate.full_name,
        "course": certificate.course_title,
        "hours": certificate.hours,
        "completed_on": certificate.completed_on.isoformat(),
        "issued_at": certificate.issued_at.isoformat(timespec="seconds") + "Z",
        "issuer": certificate.issuer_snapshot["name"],
        "score": certificate.score,
        "pdf_sha256": certificate.pdf_sha256,
    }
    if not certificate.valid:
        record["revoked_at"] = certificate.revoked_at.isoformat(timespec="seconds") + "Z"
        record["revoked_reason"] = certificate.revoked_reason
        if certificate.replaced_by_id:
            replacement = db.session.get(Certificate, certificate.replaced_by_id)
            record["replaced_by"] = replacement.code if replacement else None
    return record


# ---------------------------------------------------------------- personal data


@signals.personal_data_export.connect
def export_certificates(user, **_) -> dict:
    """Certificates stay after an account is deleted (they must stay verifiable), so erasing
    leaves them; the export lists them."""
    return {
        "certificates": [
            {
                "number": c.number,
                "code": c.code,
                "name_as_printed": c.full_name,
                "course": c.course_title,
                "issued_at": signals.iso(c.issued_at),
                "revoked_at": signals.iso(c.revoked_at),
            }
            for c in db.session.scalars(select(Certificate).where(Certificate.user_id == user.id))
        ]
    }
