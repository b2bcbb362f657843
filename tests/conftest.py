import os
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from freezegun import freeze_time
from hypothesis import HealthCheck, settings
from sqlalchemy import event, select, text

os.environ.setdefault("LMS_SECRET_KEY", "test-secret")

from lms import create_app  # noqa: E402
from lms.accounts import services as accounts  # noqa: E402
from lms.content.loader import load_tree  # noqa: E402
from lms.content.sync import sync_courses  # noqa: E402
from lms.extensions import cache, db, local_cache  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"
# The one script every page loads (deferred, from the site: offline reading, issue 17).
OFFLINE_SCRIPT = '<script src="/static/offline.js" defer></script>'


def without_offline_script(html: str) -> str:
    """The page without its offline script tag, to check it has no other script."""
    return html.replace(OFFLINE_SCRIPT, "", 1)


# Property tests must not fail because a busy machine (CI) generates inputs slowly.
settings.register_profile(
    "lms", deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
settings.load_profile("lms")
PASSWORD = "rahasia-kuat-2026"


def database_url(tmp_path_factory) -> str:
    url = os.environ.get("LMS_TEST_DATABASE_URL")
    if url:
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")


def reset_database(app) -> None:
    """An empty database: drop everything, including Alembic's version table."""
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        else:
            db.drop_all()
            with db.engine.begin() as conn:
                conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


def app_config(url: str) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "PASSWORD_HASH": "pbkdf2:sha256:1000",
        "COURSES_DIR": str(FIXTURES / "courses"),
        "BASE_URL": "http://localhost",
        "RATELIMIT_ENABLED": False,
        "REPORT_CACHE_SECONDS": 0,
        "DASHBOARD_CACHE_SECONDS": 0,
    }


class ClosingClient(FlaskClient):
    """Reads each response to its end and closes it, as a WSGI server does, so work that runs
    after the response (emails from the outbox) has happened when the call returns."""

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)
        return super().open(*args, **kwargs)


def make_app(config: dict):
    app = create_app(config)
    app.test_client_class = ClosingClient
    return app


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    app = make_app(app_config(database_url(tmp_path_factory)))
    reset_database(app)
    with app.app_context():
        upgrade()
        empty_tables()  # migrations seed data (the national issuer); tests make their own
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_tables(request):
    """Every test starts from empty tables (the schema stays)."""
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        db.session.remove()
        empty_tables()
        cache.clear()  # ids start again in the next test: nothing cached may outlive it
        local_cache.clear()


def empty_tables() -> None:
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    counter = iter(range(1, 10_000))

    def make(role="trainee", login=None, password=PASSWORD, full_name=None):
        n = next(counter)
        with app.app_context():
            user = accounts.create_user(
                full_name=full_name or f"Pengguna {n}",
                login=login or f"pengguna{n}@contoh.id",
                password=password,
                province_code="11",
                regency_code="11.11",
                role=role,
                consent_version="2026-11",  # as if they registered and accepted the notice
                require_consent=False,
            )
            user_id = user.id
            db.session.remove()
        return user_id

    return make


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, login, password=PASSWORD, follow=False):
        return self.client.post(
            "/masuk", data={"login": login, "password": password}, follow_redirects=follow
        )

    def logout(self):
        return self.client.post("/keluar")


@pytest.fixture
def auth(client):
    return Auth(client)


def import_courses(app, path=FIXTURES / "courses"):
    with app.app_context():
        courses, problems = load_tree(path)
        assert not problems, [str(p) for p in problems]
        report = sync_courses(courses)
        db.session.remove()
        return report


@pytest.fixture
def sample_course(app):
    import_courses(app)
    return "kursus-contoh"


@pytest.fixture
def trainee(make_user, auth):
    """A signed-in trainee; returns their login."""
    login = "peserta@contoh.id"
    make_user(login=login)
    auth.login(login)
    return login


@pytest.fixture
def issuer(app):
    """The default (national) issuer, as migration 0003 seeds it."""
    from lms.issuers.models import Issuer

    with app.app_context():
        unit = Issuer(
            name="Kementerian Komunikasi dan Digital Republik Indonesia",
            code="KOMDIGI",
            signatory_name="Dr. Rina Wulandari",
            signatory_title="Kepala Pusat Pengembangan Literasi Digital",
            signatory_nip="197501012000032001",
            city="Jakarta",
            is_default=True,
        )
        db.session.add(unit)
        db.session.commit()
        unit_id = unit.id
        db.session.remove()
    return unit_id


def complete_course(app, user_id: int, slug: str = "kursus-contoh", score: float = 90.0) -> None:
    """Give a person everything the course requires: lessons done and every quiz passed."""
    from sqlalchemy import select

    from lms.catalog.models import Course, Enrolment, Lesson, LessonProgress
    from lms.quizzes.models import Attempt, Quiz
    from lms.timeutil import utcnow

    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == slug))
        enrolment = db.session.scalar(
            select(Enrolment).where(Enrolment.user_id == user_id, Enrolment.course_id == course.id)
        )
        if enrolment is None:
            db.session.add(Enrolment(user_id=user_id, course_id=course.id))
        for lesson_id in db.session.scalars(select(Lesson.id).where(Lesson.course_id == course.id)):
            db.session.add(
                LessonProgress(user_id=user_id, lesson_id=lesson_id, course_id=course.id)
            )
        for quiz in db.session.scalars(select(Quiz).where(Quiz.course_id == course.id)):
            db.session.add(
                Attempt(
                    user_id=user_id,
                    quiz_id=quiz.id,
                    course_id=course.id,
                    number=1,
                    submitted_at=utcnow(),
                    paper=[],
                    answers={},
                    max_points=1,
                    points=score / 100,
                    percent=score,
                    passed=True,
                )
            )
        db.session.flush()
        enrolment = db.session.scalar(
            select(Enrolment).where(Enrolment.user_id == user_id, Enrolment.course_id == course.id)
        )
        enrolment.completed_at = utcnow()
        db.session.commit()
        db.session.remove()


@pytest.fixture
def graduate(app, sample_course, make_user, auth, issuer):
    """A signed-in trainee who completed the sample course; returns their login."""
    login = "lulusan@contoh.id"
    user_id = make_user(login=login, full_name="Siti Aminah")
    complete_course(app, user_id)
    auth.login(login)
    return login


@pytest.fixture
def limited_app(app):
    """limited_app(**config): another app on the test database with rate limits switched on.
    Flask-Limiter's switch and counters are process-wide, so they are reset afterwards."""
    from lms.extensions import limiter

    def make(**overrides):
        config = {**app_config(app.config["SQLALCHEMY_DATABASE_URI"]), "RATELIMIT_ENABLED": True}
        return make_app({**config, **overrides})

    yield make
    limiter.reset()
    limiter.enabled = False


class Clock:
    """The app's clock under the test's control: time goes on as usual, and jump() moves it
    forward (freezegun), instead of tests back-dating rows."""

    def __init__(self, frozen):
        self.frozen = frozen

    def jump(self, **delta) -> None:
        self.frozen.tick(timedelta(**delta))


@pytest.fixture
def clock():
    with freeze_time(datetime.now(UTC), tick=True) as frozen:
        yield Clock(frozen)


@pytest.fixture
def count_queries(app):
    @contextmanager
    def counter():
        statements = []

        def before(conn, cursor, statement, *args):
            statements.append(statement)

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", before)

    return counter


def cohort_form(**overrides) -> dict:
    """What a trainer types into the cohort form (course and issuer filled in by make_cohort)."""
    data = {
        "name": "Pemasaran Digital UMKM Bireuen",
        "starts_on": "2026-12-01",
        "ends_on": "2026-12-03",
        "location": "Aula Diskominfo Bireuen",
        "organiser": "Dinas Kominfo Kabupaten Bireuen",
        "province": "11",
        "regency": "11.11",
        "seat_limit": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def make_cohort(app, sample_course, issuer):
    """make_cohort(trainer_id, co_trainers=[ids], members=[ids], **form) -> (cohort id, code)."""
    from lms.accounts.models import User
    from lms.catalog.models import Course
    from lms.cohorts import services as cohorts

    def make(trainer_id, co_trainers=(), members=(), course="kursus-contoh", **overrides):
        with app.app_context():
            trainer = db.session.get(User, trainer_id)
            course_id = db.session.scalar(select(Course.id).where(Course.slug == course))
            data = cohort_form(course=str(course_id), issuer=str(issuer), **overrides)
            cohort = cohorts.create_cohort(trainer, cohorts.CohortInput(**data))
            for user_id in co_trainers:
                cohorts.add_trainer(trainer, cohort, db.session.get(User, user_id).login_name)
            for user_id in members:
                cohorts.join(db.session.get(User, user_id), cohort.join_code)
            result = cohort.id, cohort.join_code
            db.session.remove()
        return result

    return make


def jpeg_bytes(size=(800, 600), colour=(30, 120, 60), gps: bool = False, fmt="JPEG") -> bytes:
    """A photo as a phone saves it; with `gps`, EXIF carries a location."""
    import io

    from PIL import Image

    image = Image.new("RGB", size, colour)
    out = io.BytesIO()
    if gps and fmt == "JPEG":
        exif = Image.Exif()
        exif[0x8825] = {1: "S", 2: (5.0, 12.0, 30.0), 3: "E", 4: (96.0, 42.0, 10.0)}
        exif[0x010F] = "Pabrikan Ponsel"
        image.save(out, format=fmt, exif=exif)
    else:
        image.save(out, format=fmt)
    return out.getvalue()


def hand_in_task(app, user_id: int, words: int = 40, photos: int = 1, slug="kursus-contoh"):
    """The person hands in the course's task (through the service); returns (task id, round id)."""
    from lms.accounts.models import User
    from lms.catalog.models import Course
    from lms.tasks import services as tasks

    with app.app_context():
        user = db.session.get(User, user_id)
        course = db.session.scalar(select(Course).where(Course.slug == slug))
        [task] = tasks.tasks_of(course.id)
        entry = tasks.submit(
            user,
            task,
            tasks.Handin(
                text=" ".join(["kabar"] * words),
                new_photos=tuple(jpeg_bytes() for _ in range(photos)),
            ),
        )
        result = task.id, entry.id
        db.session.remove()
    return result


@pytest.fixture
def smtp_sink(app, monkeypatch):
    """A local SMTP server the app sends to (LMS_SMTP_HOST/PORT point at it)."""
    from .stand_ins import SmtpSink

    sink = SmtpSink().start()
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", sink.port)
    monkeypatch.setitem(app.config, "SMTP_STARTTLS", False)
    yield sink
    sink.stop()


@pytest.fixture
def whatsapp_api(app, monkeypatch):
    """The WhatsApp Cloud API stand-in, configured as the app's gateway."""
    from .stand_ins import WhatsAppCloudAPI

    api = WhatsAppCloudAPI().start()
    for key, value in api.config().items():
        monkeypatch.setitem(app.config, key, value)
    yield api
    api.stop()
