import time

from lms import create_app

from .conftest import PASSWORD, app_config


def login(client, login, password=PASSWORD, address="10.0.0.1"):
    return client.post(
        "/masuk", data={"login": login, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


def test_sign_in_starts_a_new_session(client, make_user):
    make_user(login="siti@contoh.id")
    with client.session_transaction() as s:
        s["planted"] = "by an attacker"
    login(client, "siti@contoh.id")
    with client.session_transaction() as s:
        assert "planted" not in s
        assert s["login_at"] and s["seen_at"]


def test_sign_out_ends_the_other_sessions(app, client, make_user):
    make_user(login="siti@contoh.id")
    phone = app.test_client()
    login(phone, "siti@contoh.id")
    login(client, "siti@contoh.id")
    client.post("/keluar")
    assert phone.get("/akun").status_code == 302


def test_role_change_ends_the_persons_sessions(app, client, make_user):
    user_id = make_user(login="calon@contoh.id")
    make_user(role="admin", login="admin@contoh.id")
    trainee = app.test_client()
    login(trainee, "calon@contoh.id")
    login(client, "admin@contoh.id")
    client.post(f"/admin/pengguna/{user_id}/peran", data={"role": "trainer"})
    assert trainee.get("/akun").status_code == 302
    login(trainee, "calon@contoh.id")
    assert trainee.get("/akun").status_code == 200


def test_idle_and_absolute_timeouts(app, client, make_user):
    make_user(login="siti@contoh.id")
    login(client, "siti@contoh.id")
    idle = app.config["SESSION_IDLE_MINUTES"] * 60
    with client.session_transaction() as s:
        s["seen_at"] = int(time.time()) - idle - 5
    response = client.get("/akun", follow_redirects=True)
    assert "Sesi Anda sudah berakhir" in response.get_data(as_text=True)
    assert client.get("/akun").status_code == 302

    login(client, "siti@contoh.id")
    with client.session_transaction() as s:
        s["login_at"] = int(time.time()) - app.config["SESSION_MAX_HOURS"] * 3600 - 5
    assert client.get("/akun").status_code == 302


def test_cookies_and_transport_headers(app, client, make_user):
    make_user(login="siti@contoh.id")
    response = login(client, "siti@contoh.id")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Strict-Transport-Security" not in client.get("/").headers
    secure = client.get("/", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")
    config = {**app_config(app.config["SQLALCHEMY_DATABASE_URI"]), "SESSION_COOKIE_SECURE": True}
    other = create_app(config).test_client()
    assert "Secure" in login(other, "siti@contoh.id").headers["Set-Cookie"]


def test_failed_sign_ins_are_throttled_without_locking_the_owner_out(limited_app, make_user):
    make_user(login="siti@contoh.id")
    throttled = limited_app(
        LOGIN_ACCOUNT_IP_LIMIT="3 per minute",
        LOGIN_IP_LIMIT="6 per minute",
        LOGIN_ACCOUNT_LIMIT="50 per hour",
    )
    attacker = throttled.test_client()
    codes = [
        login(attacker, "siti@contoh.id", "tebak-tebak", "10.6.6.6").status_code for _ in range(4)
    ]
    assert codes == [400, 400, 400, 429]
    # The attacker's address is blocked even with the right password for this account...
    assert login(attacker, "siti@contoh.id", address="10.6.6.6").status_code == 429
    # ...but the owner, from their own address, still signs in.
    owner = throttled.test_client()
    assert login(owner, "siti@contoh.id", address="10.1.1.1").status_code == 302
    # Successful sign-ins do not count against anyone.
    for _ in range(5):
        assert (
            login(throttled.test_client(), "siti@contoh.id", address="10.1.1.1").status_code == 302
        )
    # One address trying many accounts is limited too.
    codes = [login(attacker, f"orang{i}@contoh.id", "x", "10.7.7.7").status_code for i in range(7)]
    assert codes[-1] == 429
