import os
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import event, text

os.environ.setdefault("LMS_SECRET_KEY", "test-secret")

from lms import create_app  # noqa: E402
from lms.accounts import services as accounts  # noqa: E402
from lms.catalog.content import load_tree  # noqa: E402
from lms.catalog.sync import sync_courses  # noqa: E402
from lms.extensions import db  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"
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
    }


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    app = create_app(app_config(database_url(tmp_path_factory)))
    reset_database(app)
    with app.app_context():
        upgrade()
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
