import pytest

from lms import create_app

from .conftest import app_config, without_offline_script


@pytest.fixture
def csrf_client(app):
    config = {**app_config(app.config["SQLALCHEMY_DATABASE_URI"]), "WTF_CSRF_ENABLED": True}
    return create_app(config).test_client()


def test_forms_without_a_csrf_token_are_refused(csrf_client):
    response = csrf_client.post("/masuk", data={"login": "a@contoh.id", "password": "x"})
    assert response.status_code == 400
    assert "Formulir sudah kedaluwarsa" in response.get_data(as_text=True)


def test_pages_carry_a_strict_content_security_policy(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    html = response.get_data(as_text=True)
    assert "<script" not in without_offline_script(html) and "style=" not in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org', "")
    assert "https://" not in html


def test_signed_in_pages_are_not_cached(client, trainee):
    assert "no-store" in client.get("/belajar").headers["Cache-Control"]


def test_an_unexpected_error_shows_a_friendly_page(app):
    broken = create_app({**app_config(app.config["SQLALCHEMY_DATABASE_URI"]), "TESTING": False})

    @broken.route("/_boom")
    def boom():
        raise RuntimeError("secret detail")

    response = broken.test_client().get("/_boom")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Terjadi kesalahan di sistem kami" in html
    assert "secret detail" not in html and "Traceback" not in html


@pytest.mark.parametrize(
    "url",
    [
        "/kursus/%00",
        "/kursus/kursus-contoh/pelajaran/99999999999999999999",
        "/admin/pengguna?page=-1",
        "/kursus/" + "a" * 5000,
        "/kursus/kursus-contoh/media/%2e%2e/x",
    ],
)
def test_odd_urls_never_answer_500(client, sample_course, make_user, auth, url):
    make_user(role="admin", login="admin@contoh.id")
    auth.login("admin@contoh.id")
    assert client.get(url).status_code < 500


def test_huge_and_odd_form_input_never_answers_500(client):
    response = client.post(
        "/daftar",
        data={
            "full_name": "x" * 100_000,
            "login": "\x00" * 10,
            "password": "p" * 5000,
            "province": "<script>",
            "regency": "../../",
            "consent": "y",
        },
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "<script>" not in html.split("<main")[1]
    login = client.post("/masuk", data={"login": "x" * 10_000, "password": "y" * 10_000})
    assert login.status_code == 400
