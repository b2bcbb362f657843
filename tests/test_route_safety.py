"""Properties that hold for every route: CSRF on every POST, no state change on GET, no 500 on
fuzzed input, no mass assignment."""

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from lms import create_app
from lms.accounts.models import User
from lms.extensions import db

from .conftest import PASSWORD, app_config

PLACEHOLDERS = {"slug": "kursus-contoh", "path": "01-pengenalan/alur.svg"}


def concrete(rule) -> str:
    """A URL for a rule, with plausible values for its arguments."""

    def value(match):
        converter, name = match.group(1), match.group(2)
        if converter in ("id", "int"):
            return "1"
        return PLACEHOLDERS.get(name, "AAAABBBBCCCCDDDD")

    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", value, rule.rule)


def rules(app, method):
    return sorted(
        (r for r in app.url_map.iter_rules() if method in r.methods and r.endpoint != "static"),
        key=lambda r: r.rule,
    )


def table_counts():
    return {
        t.name: db.session.execute(select(func.count()).select_from(t)).scalar_one()
        for t in db.metadata.sorted_tables
    }


def test_every_post_needs_a_csrf_token(app, make_user):
    make_user(role="admin", login="admin@contoh.id")
    config = {**app_config(app.config["SQLALCHEMY_DATABASE_URI"]), "WTF_CSRF_ENABLED": True}
    csrf_app = create_app(config)
    client = csrf_app.test_client()
    page = client.get("/masuk").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post(
        "/masuk", data={"login": "admin@contoh.id", "password": PASSWORD, "csrf_token": token}
    )
    assert client.get("/admin/pengguna").status_code == 200
    checked = 0
    for rule in rules(csrf_app, "POST"):
        response = client.post(concrete(rule), data={"x": "1"})
        assert response.status_code == 400, rule.rule
        assert "Formulir sudah kedaluwarsa" in response.get_data(as_text=True), rule.rule
        checked += 1
    assert checked >= 10


def test_no_get_changes_anything(app, client, sample_course, make_user, auth, issuer):
    make_user(role="admin", login="admin@contoh.id")
    auth.login("admin@contoh.id")
    client.post("/kursus/kursus-contoh/daftar")
    with app.app_context():
        before = table_counts()
        sessions_before = db.session.scalar(select(User.session_version))
    for rule in rules(app, "GET"):
        assert client.get(concrete(rule)).status_code < 500, rule.rule
    with app.app_context():
        assert table_counts() == before
        assert db.session.scalar(select(User.session_version)) == sessions_before


def test_forms_do_not_assign_protected_fields(app, client, sample_course):
    client.post(
        "/daftar",
        data={
            "full_name": "Penyusup",
            "login": "penyusup@contoh.id",
            "password": "kopi-gayo-2026",
            "province": "11",
            "regency": "11.11",
            "consent": "y",
            "role": "admin",
            "session_version": "99",
            "id": "1000",
        },
    )
    client.post(
        "/akun",
        data={
            "full_name": "Penyusup",
            "login": "penyusup@contoh.id",
            "province": "11",
            "regency": "11.11",
            "timezone": "WIB",
            "locale": "id",
            "role": "admin",
        },
    )
    with app.app_context():
        user = db.session.scalar(select(User))
        assert (user.role, user.session_version) == ("trainee", 1)
        assert user.id != 1000


text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.dictionaries(
        st.sampled_from(
            [
                "full_name",
                "login",
                "password",
                "province",
                "regency",
                "consent",
                "pick_province",
                "current_password",
                "new_password",
                "timezone",
                "locale",
                "role",
                "reason",
                "q",
                "halaman",
                "action",
                "name",
                "code",
                "kode",
                "number_pattern",
            ]
        ),
        text,
        max_size=8,
    )
)
def test_fuzzed_forms_never_answer_500(app, make_user, data):
    client = app.test_client()
    with app.app_context():
        if db.session.scalar(select(User.id).where(User.email == "fuzz@contoh.id")) is None:
            make_user(role="admin", login="fuzz@contoh.id")
    client.post("/masuk", data={"login": "fuzz@contoh.id", "password": PASSWORD})
    for rule in rules(app, "POST"):
        if rule.rule == "/keluar":
            continue
        assert client.post(concrete(rule), data=data).status_code < 500, (rule.rule, data)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(code=st.text(max_size=60))
def test_fuzzed_json_api_never_answers_500(app, code):
    client = app.test_client()
    response = client.get(
        "/api/v1/certificates/" + code.replace("/", "").replace("?", "").replace("#", "")
    )
    assert response.status_code in (200, 404, 400, 308, 301)
    if response.status_code == 404 and response.is_json:
        assert response.get_json() == {"status": "not_found"}


# Characters Python calls digits that int() refuses ("²", "①"): every number a form or a query
# string carries is read with str.isdecimal, so they are a clear 4xx like any other bad number.
NUMBER_FIELDS = [
    "halaman",
    "page",
    "minutes",
    "hours",
    "unit",
    "source",
    "into",
    "seat_limit",
    "course",
    "issuer",
    "version",
    "a",
    "b",
    "pass_mark",
    "max_attempts",
    "cooldown_minutes",
    "cohort",
    "time_limit_minutes",
    "questions_per_attempt",
    "nudge_after_days",
    "status",
    "correct",
]


def test_superscript_digits_never_answer_500(app, make_user, sample_course, issuer):
    make_user(role="admin", login="angka@contoh.id")
    client = app.test_client()
    client.post("/masuk", data={"login": "angka@contoh.id", "password": PASSWORD})
    for odd in ("²", "①", "٣"):
        data = dict.fromkeys(NUMBER_FIELDS, odd)
        for rule in rules(app, "GET"):
            response = client.get(concrete(rule), query_string=data)
            assert response.status_code < 500, (rule.rule, odd)
        for rule in rules(app, "POST"):
            if rule.rule == "/keluar":
                continue
            assert client.post(concrete(rule), data=data).status_code < 500, (rule.rule, odd)
