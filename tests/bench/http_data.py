"""The data set of the HTTP benchmark: the three real courses, 5,000 trainees in 50 cohorts (one
of 500), progress and quiz attempts (bulk inserts through tests/seed.py), real certificates, and
the accounts the benchmark signs in with. Call seed() on an emptied, migrated database."""

import hashlib
import time
from dataclasses import asdict, dataclass, field
from datetime import timedelta

from sqlalchemy import bindparam, func, select, text, update
from werkzeug.datastructures import MultiDict
from werkzeug.security import generate_password_hash

from lms import ROOT, regions
from lms.accounts import services as accounts
from lms.accounts.models import NO_PASSWORD, User
from lms.catalog import services as catalog
from lms.catalog.models import Course, Enrolment
from lms.certificates import services as certificates
from lms.certificates.models import Certificate, new_code
from lms.cohorts import services as cohorts
from lms.cohorts.models import CohortMember
from lms.content.loader import load_tree
from lms.content.sync import sync_courses
from lms.extensions import db
from lms.issuers import services as issuer_services
from lms.issuers.models import Issuer
from lms.quizzes import services as quizzes
from lms.quizzes.models import Quiz
from lms.quizzes.types import Answers
from lms.timeutil import utcnow
from tests.seed import seed_trainees

PASSWORD = "bench-password-2026"
TRAINEE = "peserta.bench@contoh.id"
TRAINER = "pelatih.bench@contoh.id"
ADMIN = "admin.bench@contoh.id"
COURSES = ("pemasaran-digital-umkm", "literasi-media-jurnalisme-warga", "cek-fakta-hoaks")


@dataclass
class DataSet:
    """What the benchmark needs to know about the seeded data."""

    trainees: int = 0
    cohorts: int = 0
    big_cohort_id: int = 0
    big_cohort_size: int = 0
    trainee_id: int = 0
    course_slug: str = ""
    lesson_id: int = 0
    attempt_id: int = 0
    # Two different answer sets for page 1, [(field, value)] each: saves alternate between them,
    # so that every save really writes.
    attempt_answers: list = field(default_factory=list)
    certificate_id: int = 0
    certificate_code: str = ""
    certificate_sha256: str = ""
    certificates: int = 0
    real_certificates: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return asdict(self)


def _regions(count: int) -> list[tuple[str, str]]:
    """(province, kabupaten/kota) pairs spread over the provinces."""
    pairs = []
    provinces = regions.provinces()
    for i in range(count):
        province = provinces[(i * 7) % len(provinces)]
        regencies = regions.regencies(province.code)
        pairs.append((province.code, regencies[i % len(regencies)].code))
    return pairs


def _user(full_name, login, role="trainee", province="11", regency="11.11"):
    return accounts.create_user(
        full_name=full_name,
        login=login,
        password=PASSWORD,
        province_code=province,
        regency_code=regency,
        role=role,
        consent_version="2026-11",
        require_consent=False,
    )


def answer_form(attempt, page: int, correct: bool) -> MultiDict:
    """The form fields a trainee sends for one page of an attempt: every answer correct, or a
    plausible mix (the last option, "true", a short text, a shifted matching)."""
    form = MultiDict()
    for q in attempt.paper[(page - 1) * quizzes.PAGE_SIZE : page * quizzes.PAGE_SIZE]:
        name = f"q-{q['id']}"
        kind = q["type"]
        if kind in ("single", "multiple"):
            chosen = [o["id"] for o in q["options"] if o["correct"]] if correct else []
            for option_id in chosen or [q["options"][-1]["id"]]:
                form.add(name, option_id)
        elif kind == "true_false":
            form.add(name, ("true" if q["answer"] else "false") if correct else "true")
        elif kind == "short_answer":
            form.add(name, q["answers"][0] if correct else "jawaban saya")
        elif kind == "matching":
            for i in range(len(q["left"])):
                value = q["key"][i] if correct else q["choices"][i % len(q["choices"])]["id"]
                form.add(f"{name}-{i}", value)
    return form


def seed(app, trainees: int = 5000, cohort_count: int = 50, big: int = 500, real_certs: int = 24):
    """Fill the (empty, migrated) database; returns a DataSet. Bulk inserts for the trainees,
    the application's services for the accounts and records the benchmark uses."""
    started = time.perf_counter()
    data = DataSet(trainees=trainees, cohorts=cohort_count, big_cohort_size=big)
    with app.app_context():
        found, problems = load_tree(ROOT / "courses")
        assert not problems, [str(p) for p in problems]
        sync_courses(found)
        issuer = Issuer(
            name="Kementerian Komunikasi dan Digital Republik Indonesia",
            code="KOMDIGI",
            signatory_name="Dr. Rina Wulandari",
            signatory_title="Kepala Pusat Pengembangan Literasi Digital",
            signatory_nip="197501012000032001",
            city="Jakarta",
            is_default=True,
        )
        db.session.add(issuer)
        db.session.commit()
        courses = {c.slug: c for c in db.session.scalars(select(Course))}
        course_ids = [courses[slug].id for slug in COURSES]

        trainers = [_user("Pelatih Benchmark", TRAINER, role="trainer")]
        trainers += [
            _user(f"Pelatih {i}", f"pelatih{i}.bench@contoh.id", role="trainer")
            for i in range(1, 10)
        ]
        _user("Admin Benchmark", ADMIN, role="admin")
        trainer_ids = [t.id for t in trainers]

        # 50 cohorts: the first holds `big` trainees, the others share the rest.
        rest = trainees - big
        sizes = [big] + [
            rest // (cohort_count - 1) + (1 if i < rest % (cohort_count - 1) else 0)
            for i in range(cohort_count - 1)
        ]
        today = utcnow().date()
        now = utcnow()
        cohort_ids = []
        for i, (size, (province, regency)) in enumerate(
            zip(sizes, _regions(cohort_count), strict=True)
        ):
            trainer = db.session.get(User, trainer_ids[i % len(trainer_ids)])
            cohort = cohorts.create_cohort(
                trainer,
                cohorts.CohortInput(
                    **{
                        "name": f"Pelatihan {i + 1:02d}",
                        "course": str(course_ids[i % len(course_ids)]),
                        "starts_on": (today - timedelta(days=70 - i)).isoformat(),
                        "ends_on": (today - timedelta(days=68 - i)).isoformat(),
                        "location": "Aula Dinas Kominfo",
                        "organiser": "Dinas Kominfo",
                        "province": province,
                        "regency": regency,
                        "issuer": str(issuer.id),
                    }
                ),
            )
            cohort_ids.append(cohort.id)
            seed_trainees(cohort.id, size, now, seed=i + 1, prefix=f"c{i:02d}x")
        data.big_cohort_id = cohort_ids[0]

        # Everyone gets a real password hash (one hash computed once: signing in works).
        hashed = generate_password_hash(PASSWORD)
        db.session.execute(
            update(User).where(User.password_hash == NO_PASSWORD).values(password_hash=hashed)
        )
        # The bulk-seeded certificates get real codes and the issuer as printed.
        shot = issuer_services.snapshot(issuer)
        rows = db.session.execute(select(Certificate.id).where(Certificate.code.like("C%"))).all()
        table = Certificate.__table__
        if rows:
            db.session.execute(
                update(table)
                .where(table.c.id == bindparam("cid"))
                .values(code=bindparam("new_code"), issuer_snapshot=shot),
                [{"cid": cid, "new_code": new_code()} for (cid,) in rows],
            )
        db.session.commit()

        # A few real certificates claimed through the service (number, code, PDF hash, audit).
        # (tests/seed.py marks some enrolments complete whose module quiz was failed: those
        # are not eligible and are skipped.)
        candidates = db.session.execute(
            select(Enrolment.user_id, Enrolment.course_id)
            .where(
                Enrolment.completed_at.is_not(None),
                ~select(Certificate.id)
                .where(
                    Certificate.user_id == Enrolment.user_id,
                    Certificate.course_id == Enrolment.course_id,
                )
                .exists(),
            )
            .order_by(Enrolment.id)
        ).all()
        claimed = 0
        for user_id, course_id in candidates:
            if claimed == real_certs:
                break
            user, course = db.session.get(User, user_id), db.session.get(Course, course_id)
            if certificates.eligibility(user, course).eligible:
                certificates.claim(user, course, user.full_name)
                claimed += 1

        # The signed-in trainee: a member of a cohort on the first course, which they completed
        # and hold the certificate of; half-way through the second course with an open quiz
        # attempt; enrolled in the third.
        trainee = _user("Siti Aminah Benchmark", TRAINEE)
        db.session.add(
            CohortMember(cohort_id=cohort_ids[3], user_id=trainee.id, source="code", joined_at=now)
        )
        db.session.commit()
        first, second, third = (courses[slug] for slug in COURSES)
        for course in (first, second, third):
            catalog.enrol(trainee, course)
        for lesson in catalog.outline(first).lessons:
            catalog.complete_lesson(trainee, first, lesson.id)
        for quiz in db.session.scalars(
            select(Quiz).where(Quiz.course_id == first.id, Quiz.hidden.is_(False))
        ):
            attempt = quizzes.start_attempt(trainee, quiz)
            # Answer everything correctly, page by page, then submit (as the pages do).
            pages = quizzes.page_count(attempt)
            for page in range(1, pages):
                quizzes.save_answers(
                    trainee,
                    attempt,
                    Answers.from_pairs(answer_form(attempt, page, True).items(multi=True)),
                    page,
                )
            quizzes.submit(trainee, attempt, answer_form(attempt, pages, True), pages)
            assert attempt.passed, (quiz.title, attempt.percent)
        certificate = certificates.claim(trainee, first, trainee.full_name)
        outline = catalog.outline(second)
        half = outline.lessons[: len(outline.lessons) // 2]
        for lesson in half:
            catalog.complete_lesson(trainee, second, lesson.id)
        quiz = db.session.scalar(
            select(Quiz).where(Quiz.module_id == outline.modules[0].id, Quiz.hidden.is_(False))
        )
        attempt = quizzes.start_attempt(trainee, quiz)
        data.trainee_id = trainee.id
        data.course_slug = second.slug
        data.lesson_id = outline.next_unfinished({x.id for x in half}).id
        data.attempt_id = attempt.id
        data.attempt_answers = [
            list(answer_form(attempt, 1, correct).items(multi=True)) for correct in (False, True)
        ]
        data.certificate_id = certificate.id
        data.certificate_code = certificate.code
        data.certificate_sha256 = certificate.pdf_sha256
        data.certificates = db.session.scalar(select(func.count(Certificate.id)))
        data.real_certificates = db.session.scalar(
            select(func.count(Certificate.id)).where(Certificate.pdf_sha256 != "")
        )
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        db.session.remove()
    data.seconds = round(time.perf_counter() - started, 1)
    return data


def snapshot_counts(app, data: DataSet) -> dict:
    """Numbers that the benchmark's requests must not change (or must change only so)."""
    from lms.quizzes.models import Attempt

    with app.app_context():
        s = db.session
        attempt = s.get(Attempt, data.attempt_id)
        certificate = s.get(Certificate, data.certificate_id)
        result = {
            "users": s.scalar(select(func.count(User.id))),
            "attempts": s.scalar(select(func.count(Attempt.id))),
            "trainee_attempts": s.scalar(
                select(func.count(Attempt.id)).where(Attempt.user_id == data.trainee_id)
            ),
            "attempt_open": attempt.submitted_at is None,
            "attempt_answers": attempt.answers,
            "expected_answers": [
                {
                    k: v
                    for k, v in quizzes.read_answers(
                        attempt, MultiDict(answers), quizzes.page_question_ids(attempt, 1)
                    ).items()
                    if v is not None
                }
                for answers in data.attempt_answers
            ],
            "certificates": s.scalar(select(func.count(Certificate.id))),
            "duplicate_numbers": s.scalar(
                select(func.count()).select_from(
                    select(Certificate.issuer_id, Certificate.number)
                    .group_by(Certificate.issuer_id, Certificate.number)
                    .having(func.count() > 1)
                    .subquery()
                )
            ),
            "duplicate_codes": s.scalar(
                select(func.count()).select_from(
                    select(Certificate.code)
                    .group_by(Certificate.code)
                    .having(func.count() > 1)
                    .subquery()
                )
            ),
            "certificate_sha256": certificate.pdf_sha256,
            "enrolments": s.scalar(select(func.count(Enrolment.id))),
        }
        s.remove()
    return result


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
