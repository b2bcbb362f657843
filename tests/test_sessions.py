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
    assert all("Secure" in c for c in login(other, "siti@contoh.id").headers.getlist("Set-Cookie"))


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


def test_the_owners_own_phone_signs_in_while_attackers_elsewhere_are_throttled(
    limited_app, make_user
):
    """Issue 11, item 4: failures from many other addresses exhaust the per-account limit;
    the owner, on the browser where they signed in before, still gets in from a new address,
    while a browser the account never used is throttled."""
    make_user(login="siti@contoh.id")
    throttled = limited_app(LOGIN_ACCOUNT_LIMIT="5 per hour", LOGIN_ACCOUNT_IP_LIMIT="3 per minute")
    phone = throttled.test_client()
    assert login(phone, "siti@contoh.id", address="10.1.1.1").status_code == 302
    phone.post("/keluar")
    for i in range(6):  # a botnet: one guess per address
        login(throttled.test_client(), "siti@contoh.id", "tebak", f"10.9.9.{i}")
    stranger = throttled.test_client()
    assert login(stranger, "siti@contoh.id", address="10.2.2.2").status_code == 429
    # Same phone, now on mobile data (another address): the device cookie lets it in.
    assert login(phone, "siti@contoh.id", address="10.3.3.3").status_code == 302
    # A forged or foreign device cookie does not help.
    stranger.set_cookie("perangkat", "palsu")
    assert login(stranger, "siti@contoh.id", address="10.2.2.2").status_code == 429


def test_a_workshop_room_on_one_address_is_not_locked_out_by_others_typos(limited_app, make_user):
    """Issue 11, item 4: 30 failed sign-ins of other people on the workshop Wi-Fi do not stop
    the next person (on a phone never used before) from signing in."""
    make_user(login="peserta@contoh.id")
    room = limited_app()  # the default limits
    for i in range(30):
        login(room.test_client(), f"orang{i}@contoh.id", "salah-ketik", "10.4.4.4")
    assert login(room.test_client(), "peserta@contoh.id", address="10.4.4.4").status_code == 302


def test_behind_the_trusted_proxy_each_client_has_its_own_limit(limited_app, make_user):
    """Issue 11, item 5: with LMS_TRUSTED_PROXIES=1 the address comes from X-Forwarded-For
    set by the proxy; without it, a client cannot dodge the limit by sending that header."""

    def via_proxy(client, client_address, login_name="x@contoh.id"):
        return client.post(
            "/masuk",
            data={"login": login_name, "password": "salah"},
            environ_base={"REMOTE_ADDR": "10.0.0.254"},  # every request arrives from the proxy
            headers={"X-Forwarded-For": client_address},
        )

    behind = limited_app(TRUSTED_PROXIES=1, LOGIN_IP_LIMIT="2 per minute")
    assert [via_proxy(behind.test_client(), "203.0.113.7").status_code for _ in range(3)] == [
        400,
        400,
        429,
    ]
    assert via_proxy(behind.test_client(), "198.51.100.9").status_code == 400  # another client
    direct = limited_app(TRUSTED_PROXIES=0, LOGIN_IP_LIMIT="2 per minute")
    codes = [via_proxy(direct.test_client(), f"198.51.100.{i}").status_code for i in range(3)]
    assert codes == [400, 400, 429]  # the forged header changes nothing


def test_the_session_cookie_is_secure_whenever_the_request_is_https(limited_app, make_user):
    """Issue 11, item 14: through the trusted proxy, X-Forwarded-Proto https makes the session
    cookie Secure (and turns HSTS on) without any other setting."""
    make_user(login="siti@contoh.id")
    behind = limited_app(TRUSTED_PROXIES=1, RATELIMIT_ENABLED=False).test_client()
    response = behind.post(
        "/masuk",
        data={"login": "siti@contoh.id", "password": PASSWORD},
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"},
    )
    cookies = response.headers.getlist("Set-Cookie")
    assert all("Secure" in c for c in cookies) and len(cookies) >= 2
    assert "Strict-Transport-Security" in response.headers
    plain = limited_app(RATELIMIT_ENABLED=False).test_client()
    assert not any(
        "Secure" in c for c in login(plain, "siti@contoh.id").headers.getlist("Set-Cookie")
    )


def test_personal_exports_are_never_stored_by_a_cache(client, make_user, auth):
    make_user(login="siti@contoh.id")
    auth.login("siti@contoh.id")
    assert client.get("/akun/data.json").headers["Cache-Control"] == "no-store"
    assert "no-store" in client.get("/belajar").headers["Cache-Control"]
