import re

import pytest
from sqlalchemy import select

from lms.accounts import services as accounts
from lms.cohorts.models import CohortMember
from lms.extensions import db

from .conftest import PASSWORD


class FakeSMTP:
    sent = []

    def __init__(self, host, port, timeout=None):
        self.host = host

    def __enter__(self):
        return self

    def __exit__(self, *args):
        return False

    def starttls(self):
        pass

    def login(self, user, password):
        pass

    def send_message(self, message):
        FakeSMTP.sent.append(message)


@pytest.fixture
def smtp(app, monkeypatch):
    FakeSMTP.sent = []
    monkeypatch.setattr("smtplib.SMTP", FakeSMTP)
    monkeypatch.setitem(app.config, "SMTP_HOST", "smtp.contoh.id")
    return FakeSMTP.sent


def link_from(message) -> str:
    return re.search(r"http://localhost(/atur-kata-sandi/\S+)", message.get_content()).group(1)


def test_reset_by_email_works_once_and_signs_out_everywhere(app, client, make_user, smtp):
    make_user(login="siti@contoh.id")
    phone = app.test_client()
    phone.post("/masuk", data={"login": "siti@contoh.id", "password": PASSWORD})
    page = client.post("/lupa-kata-sandi", data={"login": "Siti@contoh.id"}).get_data(as_text=True)
    assert "Jika ada akun dengan email ini" in page
    assert len(smtp) == 1 and smtp[0]["To"] == "siti@contoh.id"
    path = link_from(smtp[0])
    form = client.get(path).get_data(as_text=True)
    assert "Pilih kata sandi baru" in form and "menyetujui pemberitahuan privasi" not in form
    response = client.post(path, data={"password": "tenun-ikat-sumba"})
    assert response.status_code == 302
    assert phone.get("/akun").status_code == 302  # other devices are signed out
    assert client.get(path).status_code == 404  # used once
    client.post("/keluar")
    assert (
        client.post(
            "/masuk", data={"login": "siti@contoh.id", "password": "tenun-ikat-sumba"}
        ).status_code
        == 302
    )


def test_reset_never_reveals_whether_an_account_exists(client, make_user, smtp):
    make_user(login="081234567890")
    for login in ("tidak-ada@contoh.id", "081234567890", "bukan login"):
        page = client.post("/lupa-kata-sandi", data={"login": login}).get_data(as_text=True)
        assert "Jika ada akun dengan email ini" in page
    assert smtp == []  # no account, or no email to send to


def test_without_smtp_nothing_is_sent(client, make_user, monkeypatch):
    sent = []
    monkeypatch.setattr("smtplib.SMTP", lambda *a, **k: sent.append(a))
    make_user(login="siti@contoh.id")
    client.post("/lupa-kata-sandi", data={"login": "siti@contoh.id"})
    assert sent == []


def test_reset_links_are_short_lived(app, client, make_user, smtp, clock):
    make_user(login="siti@contoh.id")
    client.post("/lupa-kata-sandi", data={"login": "siti@contoh.id"})
    path = link_from(smtp[0])
    assert client.get(path).status_code == 200
    clock.jump(minutes=app.config["RESET_LINK_MINUTES"], seconds=1)
    assert client.get(path).status_code == 404


def test_an_admin_or_the_trainer_makes_a_link_for_someone_without_email(
    app, make_user, make_cohort, auth, client
):
    trainer = make_user(role="trainer", login="pelatih@contoh.id")
    cohort, _ = make_cohort(trainer)
    with app.app_context():  # imported by the trainer: no password of its own yet
        invited = accounts.invite_user(
            full_name="Pak Tani",
            email=None,
            phone="+6281234567890",
            province_code="11",
            regency_code="11.11",
        )
        db.session.flush()
        db.session.add(CohortMember(cohort_id=cohort, user_id=invited.id, source="import"))
        db.session.commit()
        trainee = invited.id
    auth.login("pelatih@contoh.id")
    page = client.post(f"/kelas/{cohort}/peserta/{trainee}/tautan").get_data(as_text=True)
    assert "Tautan kata sandi untuk Pak Tani" in page
    path = re.search(r"http://localhost(/atur-kata-sandi/[^<\s]+)", page).group(1)
    person = app.test_client()
    response = person.post(path, data={"password": "padi-menguning", "consent": "y"})
    assert response.status_code == 302
    assert person.get("/belajar").status_code == 200
    # Now that Pak Tani uses the account, the trainer can no longer reset it: only an admin.
    refused = client.post(f"/kelas/{cohort}/peserta/{trainee}/tautan")
    assert refused.status_code == 403

    make_user(role="trainer", login="lain@contoh.id")
    other = app.test_client()
    other.post("/masuk", data={"login": "lain@contoh.id", "password": PASSWORD})
    assert other.post(f"/kelas/{cohort}/peserta/{trainee}/tautan").status_code == 404

    make_user(role="admin", login="admin@contoh.id")
    admin = app.test_client()
    admin.post("/masuk", data={"login": "admin@contoh.id", "password": PASSWORD})
    assert "Tautan kata sandi untuk Pak Tani" in admin.post(
        f"/admin/pengguna/{trainee}/tautan"
    ).get_data(as_text=True)


def test_reset_email_links_use_the_configured_address_not_the_host_header(
    app, client, make_user, smtp
):
    """Issue 11, item 2: a forged Host header never reaches the link in the email."""
    make_user(login="siti@contoh.id")
    client.post(
        "/lupa-kata-sandi",
        data={"login": "siti@contoh.id"},
        headers={"Host": "penipu.example"},
    )
    body = smtp[0].get_content()
    assert "penipu.example" not in body
    assert "http://localhost/atur-kata-sandi/" in body


def test_staff_links_use_the_configured_address_not_the_host_header(app, make_user):
    make_user(role="admin", login="admin@contoh.id")
    target = make_user(login="warga@contoh.id")
    admin = app.test_client()
    forged = {"base_url": "http://penipu.example"}  # every request carries the forged Host
    admin.post("/masuk", data={"login": "admin@contoh.id", "password": PASSWORD}, **forged)
    page = admin.post(f"/admin/pengguna/{target}/tautan", **forged).get_data(as_text=True)
    assert "penipu.example/atur" not in page and "http://localhost/atur-kata-sandi/" in page


def test_changing_ones_password_ends_every_one_time_link(app, client, make_user, smtp, auth):
    """Issue 11, item 12: a reset link requested earlier dies when the owner changes the
    password themselves."""
    make_user(login="siti@contoh.id")
    client.post("/lupa-kata-sandi", data={"login": "siti@contoh.id"})
    path = link_from(smtp[0])
    auth.login("siti@contoh.id")
    response = client.post(
        "/akun/kata-sandi",
        data={"current_password": PASSWORD, "new_password": "sawah-hijau-2026"},
    )
    assert response.status_code == 302
    assert app.test_client().get(path).status_code == 404


def test_reset_requests_are_rate_limited(limited_app):
    client = limited_app(RESET_LIMIT="2 per minute").test_client()
    codes = [
        client.post("/lupa-kata-sandi", data={"login": "x@contoh.id"}).status_code for _ in range(3)
    ]
    assert codes == [200, 200, 429]


class DownSMTP(FakeSMTP):
    def __init__(self, host, port, timeout=None):
        raise ConnectionRefusedError("SMTP down")


def test_reset_with_smtp_down_answers_normally_and_the_email_is_retried(
    app, client, make_user, smtp, monkeypatch, runner, clock
):
    """Issue 11, item 7: SMTP failing never gives a 500 (which told attackers the account
    exists); the email waits in the outbox and `notify run-due` sends it once."""
    from lms.mail.models import OutboxEmail

    make_user(login="siti@contoh.id")
    monkeypatch.setattr("smtplib.SMTP", DownSMTP)
    page = client.post("/lupa-kata-sandi", data={"login": "siti@contoh.id"})
    assert page.status_code == 200 and "Jika ada akun dengan email ini" in page.get_data(
        as_text=True
    )
    with app.app_context():
        [message] = db.session.scalars(select(OutboxEmail)).all()
        assert (message.status, message.attempts) == ("pending", 1)
        assert "SMTP down" in message.last_error
    monkeypatch.setattr("smtplib.SMTP", FakeSMTP)
    assert "Emails sent: 0." in runner.invoke(args=["notify", "run-due"]).output  # not yet due
    clock.jump(minutes=2)  # the first retry waits a minute
    assert "Emails sent: 1." in runner.invoke(args=["notify", "run-due"]).output
    assert "Emails sent: 0." in runner.invoke(args=["notify", "run-due"]).output
    assert len(smtp) == 1 and "/atur-kata-sandi/" in smtp[0].get_content()


def test_a_failed_sign_in_checks_a_password_hash_whether_or_not_the_account_exists(
    client, make_user, monkeypatch
):
    """Issue 11, item 7: the timing of a failed sign-in does not tell whether the account
    exists: a hash is checked in every case."""
    from lms.accounts import services as account_services

    checked = []
    real = account_services.check_password_hash
    monkeypatch.setattr(
        account_services,
        "check_password_hash",
        lambda stored, given: checked.append(stored) or real(stored, given),
    )
    make_user(login="ada@contoh.id")
    for login in ("ada@contoh.id", "tidak-ada@contoh.id", "0812 0000 1111"):
        assert (
            client.post("/masuk", data={"login": login, "password": "salah-sekali"}).status_code
            == 400
        )
    assert len(checked) == 3 and all(h.startswith("pbkdf2:") for h in checked)
