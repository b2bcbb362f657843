from sqlalchemy import select

from lms.accounts.models import ConsentEvent, User
from lms.accounts.services import normalize_phone
from lms.extensions import db

from .conftest import PASSWORD


def form(**overrides):
    data = {
        "full_name": "Siti Aminah",
        "login": "0812-3456-7890",
        "password": "kopi-gayo-2026",
        "province": "11",
        "regency": "11.11",
        "consent": "y",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_register_with_phone_signs_in_and_records_consent(app, client):
    response = client.post("/daftar", data=form())
    assert response.status_code == 302
    page = client.get("/belajar")
    assert page.status_code == 200
    with app.app_context():
        user = db.session.scalar(select(User))
        assert user.phone == "+6281234567890"
        assert user.email is None
        assert user.full_name == "Siti Aminah"
        assert user.role == "trainee"
        assert user.timezone == "WIB"
        consent = db.session.scalar(select(ConsentEvent))
        assert consent.user_id == user.id
        assert consent.version == app.config["PRIVACY_VERSION"]
        assert consent.accepted_at is not None


def test_region_sets_time_zone(app, client):
    client.post("/daftar", data=form(province="73", regency="73.71"))  # Makassar
    with app.app_context():
        assert db.session.scalar(select(User.timezone)) == "WITA"


def test_phone_forms_normalise_to_one_number():
    for raw in (
        "081234567890",
        "+6281234567890",
        "6281234567890",
        "0812 3456 7890",
        "0812.3456.7890",
        "+62 0812 3456 7890",  # issue 11, item 21: the country code before the 0
        "62 0812-3456-7890",
    ):
        assert normalize_phone(raw) == "+6281234567890"
    for bad in ("021345678", "12345", "0812", "+1 555 1234567", "08123456789012345", "abc"):
        assert normalize_phone(bad) is None


def errors_of(response):
    return response.get_data(as_text=True)


def test_register_errors_stand_next_to_fields_in_indonesian(client, make_user):
    make_user(login="081234567890")
    cases = [
        (form(login="081234567890"), "Nomor ini tidak dapat dipakai di sini"),
        (form(login="0212345"), "nomor HP Indonesia seperti"),
        (form(password="pendek"), "minimal 8 karakter"),
        (form(password="bismillah"), "terlalu umum"),
        (form(consent=None), "harus menyetujui pemberitahuan privasi"),
        (form(full_name="x" * 121), "maksimal 120 karakter"),
        (form(full_name="   "), "Masukkan nama lengkap"),
        (form(province="99"), "Pilih provinsi Anda"),
        (form(regency="31.71"), "Pilih kabupaten/kota di provinsi Anda"),
        (form(login="budi@@contoh"), "Masukkan email yang benar"),
    ]
    for data, message in cases:
        response = client.post("/daftar", data=data)
        assert response.status_code == 400, message
        html = errors_of(response)
        assert message in html, message
        assert 'aria-invalid="true"' in html


def test_duplicate_email_is_refused_case_insensitively(app, client, make_user):
    make_user(login="budi@contoh.id")
    response = client.post("/daftar", data=form(login="Budi@Contoh.ID"))
    assert response.status_code == 400
    assert "Email ini tidak dapat dipakai di sini" in errors_of(response)
    with app.app_context():
        assert db.session.query(User).count() == 1


def test_failed_registration_writes_nothing(app, client):
    client.post("/daftar", data=form(password="123"))
    with app.app_context():
        assert db.session.query(User).count() == 0
        assert db.session.query(ConsentEvent).count() == 0


def test_choosing_a_province_shows_its_kabupaten_without_javascript(client):
    response = client.post("/daftar", data={"province": "11", "pick_province": "1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Kabupaten Bireuen" in html
    assert "Kota Surabaya" not in html
    assert "harus menyetujui" not in html  # picking a province does not validate yet


def test_sign_in_with_email_or_any_phone_form(client, make_user, auth):
    make_user(login="081234567890")
    for login in ("081234567890", "+62 812-3456-7890", "6281234567890"):
        response = auth.login(login)
        assert response.status_code == 302, login
        assert client.get("/akun").status_code == 200
        auth.logout()
        assert client.get("/akun").status_code == 302


def test_wrong_password_is_refused(client, make_user, auth):
    make_user(login="siti@contoh.id")
    response = auth.login("siti@contoh.id", "salah-sekali")
    assert response.status_code == 400
    assert "Email/nomor HP atau kata sandi salah" in response.get_data(as_text=True)
    assert client.get("/akun").status_code == 302


def test_sign_out_needs_post(client, trainee):
    assert client.get("/keluar").status_code == 405
    assert client.post("/keluar").status_code == 302
    assert client.get("/belajar").status_code == 302


def test_change_password_signs_out_other_devices(app, make_user, auth):
    make_user(login="siti@contoh.id")
    other = app.test_client()
    other.post("/masuk", data={"login": "siti@contoh.id", "password": PASSWORD})
    assert other.get("/akun").status_code == 200

    auth.login("siti@contoh.id")
    bad = auth.client.post(
        "/akun/kata-sandi", data={"current_password": "keliru", "new_password": "pendek"}
    )
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    assert "Kata sandi saat ini salah" in html and "minimal 8 karakter" in html

    ok = auth.client.post(
        "/akun/kata-sandi", data={"current_password": PASSWORD, "new_password": "tenun-ikat-sumba"}
    )
    assert ok.status_code == 302
    assert auth.client.get("/akun").status_code == 200  # this device stays signed in
    assert other.get("/akun").status_code == 302  # the other one does not
    auth.logout()
    assert auth.login("siti@contoh.id", "tenun-ikat-sumba").status_code == 302


def test_edit_profile(app, client, make_user, auth):
    make_user(login="siti@contoh.id")
    make_user(login="081299990000")
    auth.login("siti@contoh.id")
    taken = client.post(
        "/akun",
        data={
            "full_name": "Siti",
            "login": "0812 9999 0000",
            "province": "11",
            "regency": "11.11",
            "timezone": "WIB",
            "locale": "id",
        },
    )
    assert taken.status_code == 400
    assert "Nomor ini tidak dapat dipakai di sini" in taken.get_data(as_text=True)

    response = client.post(
        "/akun",
        data={
            "full_name": "  Siti   Nurhaliza ",
            "login": "siti.baru@contoh.id",
            "province": "51",
            "regency": "51.71",
            "timezone": "WITA",
            "locale": "en",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "siti.baru@contoh.id"))
        assert (user.full_name, user.regency_code, user.timezone, user.locale) == (
            "Siti Nurhaliza",
            "51.71",
            "WITA",
            "en",
        )
    assert "Your account" in client.get("/akun").get_data(as_text=True)


def test_next_parameter_cannot_leave_the_site(client, make_user, auth):
    make_user(login="siti@contoh.id")
    response = client.post(
        "/masuk?next=https://jahat.example/x",
        data={"login": "siti@contoh.id", "password": PASSWORD},
    )
    assert "jahat.example" not in response.headers["Location"]
    client.post("/keluar")
    response = client.post(
        "/masuk?next=/kursus", data={"login": "siti@contoh.id", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/kursus"


def test_cli_creates_an_admin(app, runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--role",
            "admin",
            "--name",
            "Admin Kominfo",
            "--login",
            "admin@komdigi.go.id",
            "--province",
            "31",
            "--regency",
            "31.71",
            "--password",
            "admin-kuat-2026",
        ],
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert (
            db.session.scalar(select(User.role).where(User.email == "admin@komdigi.go.id"))
            == "admin"
        )
    again = runner.invoke(
        args=[
            "users",
            "create",
            "--role",
            "admin",
            "--name",
            "X",
            "--login",
            "admin@komdigi.go.id",
            "--province",
            "31",
            "--regency",
            "31.71",
            "--password",
            "123",
        ],
    )
    assert again.exit_code == 1
    assert "login:" in again.output and "password:" in again.output


def test_demo_accounts_only_on_an_empty_database(app, runner, make_user, issuer, sample_course):
    first = runner.invoke(args=["demo-accounts"])
    assert first.exit_code == 0 and "081234567890" in first.output
    # Demo data: the trainee is two lessons into the trainer's cohort, with a welcome and a thread.
    trainee = app.test_client()
    trainee.post("/masuk", data={"login": "081234567890", "password": "akademi-kim-demo"})
    learning = trainee.get("/belajar").get_data(as_text=True)
    assert "Selamat datang di kelas cek fakta" in learning
    with app.app_context():
        from lms.catalog.models import LessonProgress
        from lms.cohorts.models import Cohort

        cohort = db.session.scalar(select(Cohort))
        assert db.session.query(LessonProgress).count() == 2
    board = trainee.get(f"/kelas/{cohort.id}/diskusi").get_data(as_text=True)
    assert "Kabar yang ingin dicek minggu ini" in board
    with app.app_context():
        assert sorted(db.session.scalars(select(User.role))) == ["admin", "trainee", "trainer"]
    # The demo trainer may try course authoring for the seeded unit.
    client = app.test_client()
    client.post("/masuk", data={"login": "pelatih@contoh.id", "password": "akademi-kim-demo"})
    assert client.get("/penulis").status_code == 200
    second = runner.invoke(args=["demo-accounts"])
    assert "no demo accounts created" in second.output
    with app.app_context():
        assert db.session.query(User).count() == 3


def test_a_typed_password_is_never_written_back_into_the_page(client, make_user):
    """Issue 11, item 21: neither the kabupaten round trip nor an error echoes the password."""
    secret = "rahasia-Bireuen-99"
    round_trip = client.post(
        "/daftar", data={"password": secret, "province": "11", "pick_province": "1"}
    ).get_data(as_text=True)
    assert secret not in round_trip and "Kabupaten Bireuen" in round_trip
    refused = client.post("/daftar", data=form(password=secret, consent=None))
    assert refused.status_code == 400 and secret not in refused.get_data(as_text=True)
    assert "ketik ulang" in refused.get_data(as_text=True)


def test_control_characters_in_a_name_are_not_kept(app, client):
    """Invisible control characters typed or pasted into a name are dropped (they would
    print as boxes on the certificate and confuse spreadsheets)."""
    client.post("/daftar", data=form(full_name="\x01Siti\x07  Aminah\x1b"))
    with app.app_context():
        assert db.session.scalar(select(User.full_name)) == "Siti Aminah"
