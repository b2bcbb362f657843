"""WhatsApp: free wa.me share links, and the optional Cloud API gateway (checked against a
local stand-in of the documented API) for phone-only people and the sign-in code."""

import io
import re
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.notifications.models import SignInCode, WhatsAppMessage

from .conftest import PASSWORD


def login(client, who, password=PASSWORD):
    client.post("/keluar")
    return client.post("/masuk", data={"login": who, "password": password})


def share_text(html: str) -> str:
    href = re.search(r'class="whatsapp" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    parts = urlsplit(href)
    assert parts.scheme == "https" and parts.netloc == "wa.me" and parts.path == "/"
    return parse_qs(parts.query)["text"][0]


def test_poster_join_page_and_certificate_share_to_whatsapp(
    app, client, make_user, make_cohort, graduate
):
    trainer = make_user(role="trainer", login="pelatih@contoh.id")
    cohort_id, code = make_cohort(trainer)
    login(client, "pelatih@contoh.id")
    text = share_text(client.get(f"/kelas/{cohort_id}/poster").text)
    assert f"http://localhost/gabung/{code}" in text and f"Kode gabung: {code}" in text
    client.post("/keluar")
    text = share_text(client.get(f"/gabung/{code}", headers={"Host": "evil.example"}).text)
    assert f"http://localhost/gabung/{code}" in text  # LMS_BASE_URL, never the Host header
    login(client, graduate)
    client.post("/kursus/kursus-contoh/sertifikat", data={"full_name": "Siti Aminah"})
    verify = re.search(r'href="(/v/\w+)"', client.get("/sertifikat").text).group(1)
    text = share_text(client.get(verify).text)
    assert text.startswith("Sertifikat Kursus Contoh atas nama Siti Aminah")
    assert f"http://localhost{verify}" in text


def test_the_set_password_list_opens_a_chat_with_each_person(app, client, make_user, make_cohort):
    trainer = make_user(role="trainer", login="pelatih@contoh.id")
    cohort_id, _ = make_cohort(trainer)
    login(client, "pelatih@contoh.id")
    csv = b"nama;email;telepon\nTeuku Rizal;;0812 3456 7890\n"
    checked = client.post(
        f"/kelas/{cohort_id}/impor", data={"file": (io.BytesIO(csv), "peserta.csv")}
    ).text
    payload = re.search(r'name="payload"[^>]*value="([^"]*)"', checked).group(1)
    page = client.post(f"/kelas/{cohort_id}/impor/simpan", data={"payload": payload})
    href = re.search(r'class="whatsapp" href="([^"]+)"', page.text).group(1).replace("&amp;", "&")
    assert href.startswith("https://wa.me/6281234567890?text=")
    assert "http://localhost/atur-kata-sandi/" in unquote(href)


def test_without_configuration_the_code_option_is_not_shown(client):
    assert "WhatsApp" not in client.get("/lupa-kata-sandi").text
    assert client.get("/lupa-kata-sandi/whatsapp").status_code == 404


@pytest.fixture
def phone_user(make_user):
    return make_user(login="081234567890", full_name="Teuku Rizal")


def request_code(client, phone="0812 3456 7890"):
    return client.post("/lupa-kata-sandi/whatsapp", data={"phone": phone})


def test_a_phone_only_trainee_resets_the_password_with_a_code(
    app, client, phone_user, whatsapp_api
):
    assert "Minta kode lewat WhatsApp" in client.get("/lupa-kata-sandi").text
    response = request_code(client)
    assert response.status_code == 302
    assert whatsapp_api.problems == []
    [message] = whatsapp_api.messages
    assert message["to"] == "6281234567890" and message["type"] == "template"
    assert message["template"]["name"] == "akademi_kode_masuk"
    assert message["template"]["language"] == {"code": "id"}
    body, button = message["template"]["components"]
    code = body["parameters"][0]["text"]
    assert re.fullmatch(r"\d{6}", code) and button["parameters"][0]["text"] == code
    with app.app_context():
        stored = db.session.scalar(select(SignInCode.code_hash))
        assert code not in stored  # only a keyed hash
    form = client.get(response.headers["Location"]).text
    assert 'value="0812 3456 7890"' in form
    wrong = client.post(
        "/lupa-kata-sandi/whatsapp/kode",
        data={
            "phone": "081234567890",
            "code": "000000" if code != "000000" else "111111",
            "password": "kata-sandi-baru-99",
        },
    )
    assert wrong.status_code == 400 and "Kode ini salah atau sudah kedaluwarsa" in wrong.text
    done = client.post(
        "/lupa-kata-sandi/whatsapp/kode",
        data={"phone": "+62 812-3456-7890", "code": code, "password": "kata-sandi-baru-99"},
    )
    assert done.status_code == 302
    assert login(client, "081234567890", "kata-sandi-baru-99").status_code == 302
    assert "Keluar" in client.get("/belajar").text
    again = client.post(
        "/lupa-kata-sandi/whatsapp/kode",
        data={"phone": "081234567890", "code": code, "password": "lain-lagi-12345"},
    )
    assert again.status_code == 400  # a code works once


def test_a_code_allows_five_tries_and_ten_minutes(app, client, phone_user, whatsapp_api, clock):
    request_code(client)
    code = whatsapp_api.messages[-1]["template"]["components"][0]["parameters"][0]["text"]
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        response = client.post(
            "/lupa-kata-sandi/whatsapp/kode",
            data={"phone": "081234567890", "code": wrong, "password": "kata-sandi-baru-99"},
        )
        assert response.status_code == 400
    late = client.post(
        "/lupa-kata-sandi/whatsapp/kode",
        data={"phone": "081234567890", "code": code, "password": "kata-sandi-baru-99"},
    )
    assert late.status_code == 400  # the sixth try fails even with the right code
    request_code(client)
    code = whatsapp_api.messages[-1]["template"]["components"][0]["parameters"][0]["text"]
    clock.jump(minutes=11)
    expired = client.post(
        "/lupa-kata-sandi/whatsapp/kode",
        data={"phone": "081234567890", "code": code, "password": "kata-sandi-baru-99"},
    )
    assert expired.status_code == 400


def test_the_code_page_never_says_whether_a_number_has_an_account(client, whatsapp_api):
    response = request_code(client, "0813 0000 0000")
    assert response.status_code == 302 and whatsapp_api.messages == []
    bad = request_code(client, "12345")
    assert bad.status_code == 400 and "Masukkan nomor HP Indonesia" in bad.text
    fields = client.post(
        "/lupa-kata-sandi/whatsapp/kode", data={"phone": "x", "code": "12", "password": "a"}
    )
    assert fields.status_code == 400
    assert "Masukkan 6 angka kode." in fields.text


def test_code_requests_are_throttled_per_number_and_per_address(
    app, phone_user, whatsapp_api, limited_app
):
    limited = limited_app(**whatsapp_api.config(), CODE_PHONE_LIMIT="2 per hour")
    client = limited.test_client()
    statuses = [request_code(client).status_code for _ in range(3)]
    assert statuses == [302, 302, 429]
    assert len(whatsapp_api.messages) == 2
    other = limited_app(**whatsapp_api.config(), CODE_IP_LIMIT="2 per hour").test_client()
    codes = [
        other.post("/lupa-kata-sandi/whatsapp", data={"phone": f"08130000000{i}"}).status_code
        for i in range(3)
    ]
    assert codes[-1] == 429


def test_phone_only_people_get_notifications_by_whatsapp(
    app, client, make_user, make_cohort, sample_course, whatsapp_api
):
    trainer = make_user(role="trainer", login="pelatih@contoh.id", full_name="Pak Pelatih")
    member = make_user(login="081234567891", full_name="Teuku Rizal")
    cohort_id, _ = make_cohort(trainer, members=[member])
    login(client, "pelatih@contoh.id")
    client.post(
        f"/kelas/{cohort_id}/pengumuman", data={"title": "Libur", "body": "Besok tidak ada kelas."}
    )
    assert whatsapp_api.problems == []
    [message] = whatsapp_api.messages
    assert message["to"] == "6281234567891"
    assert message["template"]["name"] == "akademi_pemberitahuan"
    params = [p["text"] for p in message["template"]["components"][0]["parameters"]]
    assert params[0] == "Teuku Rizal" and "Libur" in params[1]
    assert params[2].startswith("http://localhost/pemberitahuan/")


def test_a_gateway_failure_is_retried_and_never_doubled(
    app, client, runner, phone_user, whatsapp_api, clock
):
    whatsapp_api.fail = True
    request_code(client)
    with app.app_context():
        assert db.session.scalar(select(WhatsAppMessage.status)) == "pending"
    whatsapp_api.fail = False
    clock.jump(minutes=2)
    assert "WhatsApp messages sent: 1." in runner.invoke(args=["notify", "run-due"]).output
    assert "WhatsApp messages sent: 0." in runner.invoke(args=["notify", "run-due"]).output
    assert len(whatsapp_api.messages) == 1
