"""Cohorts over HTTP: creating one, trainers, join codes, the poster and joining."""

import re
import shutil
import struct
import subprocess
import threading
import zlib

import pytest
from sqlalchemy import func, select

from lms import qr
from lms.catalog.models import Course, Enrolment
from lms.cohorts.models import Cohort, CohortMember
from lms.extensions import db

from .conftest import PASSWORD, cohort_form, without_offline_script
from .test_quizzes import run_in_parallel


@pytest.fixture
def trainer(make_user, auth, issuer, sample_course):
    user_id = make_user(role="trainer", login="pelatih@contoh.id", full_name="Bu Pelatih")
    auth.login("pelatih@contoh.id")
    return user_id


def course_id(app, slug="kursus-contoh"):
    with app.app_context():
        return db.session.scalar(select(Course.id).where(Course.slug == slug))


def the_cohort(app):
    with app.app_context():
        cohort = db.session.scalar(select(Cohort).order_by(Cohort.id.desc()))
        db.session.expunge(cohort)
        return cohort


def test_a_trainer_creates_a_cohort_and_lands_on_its_dashboard(app, client, trainer, issuer):
    form = client.get("/kelas/baru").get_data(as_text=True)
    assert "Kursus Contoh" in form and "KOMDIGI" in form
    data = cohort_form(course=str(course_id(app)), issuer=str(issuer), seat_limit="40")
    response = client.post("/kelas/baru", data=data)
    assert response.status_code == 302
    cohort = the_cohort(app)
    assert response.headers["Location"] == f"/kelas/{cohort.id}"
    assert cohort.seat_limit == 40 and cohort.regency_code == "11.11"
    assert re.fullmatch(r"[A-HJKMNP-Z2-9]{6}", cohort.join_code)
    page = client.get(f"/kelas/{cohort.id}").get_data(as_text=True)
    assert "Pemasaran Digital UMKM Bireuen" in page and cohort.join_code in page
    listing = client.get("/kelas").get_data(as_text=True)
    assert "Pemasaran Digital UMKM Bireuen" in listing


def test_cohort_form_errors_stand_next_to_the_fields_in_indonesian(app, client, trainer, issuer):
    data = cohort_form(
        name="",
        course="999999",
        starts_on="2026-12-05",
        ends_on="2026-12-01",
        regency="12.01",
        issuer="abc",
        seat_limit="-3",
    )
    response = client.post("/kelas/baru", data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    for message in (
        "Isi nama kelas pelatihan.",
        "Pilih kursus.",
        "Tanggal selesai tidak boleh sebelum tanggal mulai.",
        "Pilih kabupaten/kota di provinsi ini.",
        "Pilih penerbit sertifikat.",
        "Isi bilangan bulat dari 1 sampai 100000",
    ):
        assert message in html
    assert 'id="ends_on-error"' in html
    with app.app_context():
        assert db.session.scalar(select(func.count(Cohort.id))) == 0
    odd = client.post("/kelas/baru", data=cohort_form(starts_on="31/12/2026", ends_on="x" * 500))
    assert odd.status_code == 400
    assert "Isi tanggal seperti 2026-12-01." in odd.get_data(as_text=True)


def test_trainees_cannot_create_cohorts(client, make_user, auth, issuer):
    make_user(login="peserta@contoh.id")
    auth.login("peserta@contoh.id")
    assert client.get("/kelas/baru").status_code == 403
    assert client.post("/kelas/baru", data=cohort_form()).status_code == 403


def test_co_trainers_share_the_cohort_and_others_do_not_see_it(
    app, client, trainer, make_user, make_cohort, auth
):
    cohort_id, _ = make_cohort(trainer)
    co = make_user(role="trainer", login="rekan@contoh.id", full_name="Pak Rekan")
    make_user(role="trainer", login="lain@contoh.id")
    make_user(login="peserta@contoh.id", full_name="Peserta Biasa")

    refused = client.post(f"/kelas/{cohort_id}/pelatih", data={"login": "peserta@contoh.id"})
    assert refused.status_code == 400
    assert "Peserta Biasa bukan pelatih" in refused.get_data(as_text=True)
    unknown = client.post(f"/kelas/{cohort_id}/pelatih", data={"login": "siapa@contoh.id"})
    assert "Tidak ada akun dengan email atau nomor ini." in unknown.get_data(as_text=True)

    assert (
        client.post(f"/kelas/{cohort_id}/pelatih", data={"login": "rekan@contoh.id"}).status_code
        == 302
    )
    assert "Pak Rekan" in client.get(f"/kelas/{cohort_id}/ubah").get_data(as_text=True)

    auth.logout()
    auth.login("rekan@contoh.id")
    assert client.get(f"/kelas/{cohort_id}").status_code == 200
    assert "Pemasaran Digital UMKM Bireuen" in client.get("/kelas").get_data(as_text=True)

    auth.logout()
    auth.login("lain@contoh.id")
    assert client.get(f"/kelas/{cohort_id}").status_code == 404
    assert client.get(f"/kelas/{cohort_id}/ekspor.csv").status_code == 404
    assert "Pemasaran Digital UMKM Bireuen" not in client.get("/kelas").get_data(as_text=True)

    # The co-trainer removes the lead trainer; the last trainer cannot be removed.
    auth.logout()
    auth.login("rekan@contoh.id")
    assert client.post(f"/kelas/{cohort_id}/pelatih/{trainer}/hapus").status_code == 302
    last = client.post(f"/kelas/{cohort_id}/pelatih/{co}/hapus", follow_redirects=True)
    assert "Kelas pelatihan harus punya setidaknya satu pelatih." in last.get_data(as_text=True)
    auth.logout()
    auth.login("pelatih@contoh.id")
    assert client.get(f"/kelas/{cohort_id}").status_code == 404


def test_a_demoted_trainer_loses_the_cohort(app, client, trainer, make_cohort, make_user, auth):
    cohort_id, _ = make_cohort(trainer)
    make_user(role="admin", login="admin@contoh.id")
    auth.logout()
    auth.login("admin@contoh.id")
    assert client.get(f"/kelas/{cohort_id}").status_code == 200  # admins see every cohort
    client.post(f"/admin/pengguna/{trainer}/peran", data={"role": "trainee"})
    auth.logout()
    auth.login("pelatih@contoh.id")
    assert client.get(f"/kelas/{cohort_id}").status_code == 403


def test_the_poster_shows_code_link_and_a_qr_code(app, client, trainer, make_cohort):
    cohort_id, code = make_cohort(trainer)
    response = client.get(f"/kelas/{cohort_id}/poster")
    html = response.get_data(as_text=True)
    assert code in html and f"http://localhost/gabung/{code}" in html
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    assert "<title>" in svg and f"http://localhost/gabung/{code}" in svg
    assert "style=" not in html and "<script" not in without_offline_script(html)


def qr_png(modules, scale=6) -> bytes:
    """A PNG of the modules, as a camera would see the printed poster."""
    size = len(modules) + 2 * qr.QUIET
    raw = b""
    for y in range(size * scale):
        row = bytearray([0])
        my = y // scale - qr.QUIET
        for x in range(size * scale):
            mx = x // scale - qr.QUIET
            dark = 0 <= my < len(modules) and 0 <= mx < len(modules) and modules[my][mx]
            row.append(0 if dark else 255)
        raw += bytes(row)

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", size * scale, size * scale, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def svg_modules(svg: str) -> set:
    """The dark modules drawn by the SVG path (runs 'Mx yhNv1h-Nz'), as (row, column)."""
    dark = set()
    for x, y, n in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\d+z", svg):
        for dx in range(int(n)):
            dark.add((int(y) - qr.QUIET, int(x) + dx - qr.QUIET))
    return dark


def test_qr_svg_draws_exactly_the_encoded_modules():
    text = "http://localhost/gabung/K7PQ3M"
    modules = qr.matrix(text)
    svg = qr.svg(text, "Kode QR")
    expected = {(r, c) for r, row in enumerate(modules) for c, v in enumerate(row) if v}
    assert svg_modules(svg) == expected
    # Three finder patterns: 7x7 dark rings in the corners.
    n = len(modules)
    for r0, c0 in ((0, 0), (0, n - 7), (n - 7, 0)):
        assert all(modules[r0][c0 + i] and modules[r0 + 6][c0 + i] for i in range(7))
    assert "style" not in svg and "<title>Kode QR</title>" in svg


@pytest.mark.skipif(not shutil.which("zbarimg"), reason="zbarimg (zbar-tools) not installed")
def test_qr_code_scans_back_to_the_join_link(tmp_path):
    text = "http://localhost/gabung/K7PQ3M"
    path = tmp_path / "qr.png"
    path.write_bytes(qr_png(qr.matrix(text)))
    out = subprocess.run(["zbarimg", "-q", str(path)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"QR-Code:{text}"


def test_a_trainee_joins_by_link_and_is_enrolled(
    app, client, trainer, make_cohort, make_user, auth
):
    cohort_id, code = make_cohort(trainer)
    auth.logout()
    anonymous = client.get(f"/gabung/{code}").get_data(as_text=True)
    assert "Pemasaran Digital UMKM Bireuen" in anonymous
    assert (
        f"/daftar?next=/gabung/{code}" in anonymous and f"/masuk?next=/gabung/{code}" in anonymous
    )

    trainee = make_user(login="peserta@contoh.id")
    auth.login("peserta@contoh.id")
    joined = client.post(f"/gabung/{code}")
    assert joined.status_code == 302
    assert joined.headers["Location"] == "/kursus/kursus-contoh/lanjut"
    assert "Anda bergabung dengan" in client.get("/belajar").get_data(as_text=True)
    with app.app_context():
        assert (
            db.session.scalar(select(Enrolment.id).where(Enrolment.user_id == trainee)) is not None
        )
        assert db.session.scalar(select(func.count(CohortMember.id))) == 1
    # Joining twice changes nothing.
    again = client.post(f"/gabung/{code}", follow_redirects=True)
    assert "Anda sudah ada di" in again.get_data(as_text=True)
    page = client.get(f"/gabung/{code}").get_data(as_text=True)
    assert "Anda sudah ada di kelas pelatihan ini." in page
    with app.app_context():
        assert db.session.scalar(select(func.count(CohortMember.id))) == 1


def test_a_typed_code_is_forgiving_about_case_and_spaces(client, trainer, make_cohort):
    _, code = make_cohort(trainer)
    typed = f" {code[:3].lower()}-{code[3:].lower()} "
    response = client.get("/gabung", query_string={"kode": typed})
    assert response.status_code == 302 and response.headers["Location"] == f"/gabung/{code}"
    assert client.get(f"/gabung/{code.lower()}").headers["Location"] == f"/gabung/{code}"
    short = client.get("/gabung", query_string={"kode": "AB"})
    assert short.status_code == 400
    assert "Kode gabung terdiri dari 6 huruf dan angka" in short.get_data(as_text=True)
    unknown = client.get("/gabung/ZZZZZZ")
    assert unknown.status_code == 404
    assert "Kode gabung ini tidak berlaku" in unknown.get_data(as_text=True)


def test_rotating_or_closing_the_code_stops_the_old_one(
    app, client, trainer, make_cohort, make_user, auth
):
    cohort_id, old = make_cohort(trainer)
    client.post(f"/kelas/{cohort_id}/kode", data={"action": "rotate"})
    new = the_cohort(app).join_code
    assert new != old and client.get(f"/gabung/{old}").status_code == 404
    assert client.get(f"/gabung/{new}").status_code == 200
    client.post(f"/kelas/{cohort_id}/kode", data={"action": "close"})
    assert the_cohort(app).join_code is None
    assert client.get(f"/gabung/{new}").status_code == 404
    poster = client.get(f"/kelas/{cohort_id}/poster", follow_redirects=True)
    assert "Bergabung dengan kode ditutup" in poster.get_data(as_text=True)
    make_user(login="peserta@contoh.id")
    auth.logout()
    auth.login("peserta@contoh.id")
    assert client.post(f"/gabung/{new}").status_code == 404


def test_a_full_cohort_refuses_one_more(app, client, trainer, make_cohort, make_user, auth):
    first = make_user(login="satu@contoh.id")
    cohort_id, code = make_cohort(trainer, members=[first], seat_limit="1")
    make_user(login="dua@contoh.id")
    auth.logout()
    auth.login("dua@contoh.id")
    assert "Kelas pelatihan ini sudah penuh" in client.get(f"/gabung/{code}").get_data(as_text=True)
    response = client.post(f"/gabung/{code}", follow_redirects=True)
    assert "Kelas pelatihan ini sudah penuh" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(CohortMember.id))) == 1


def test_seat_limit_cannot_go_below_the_members(
    app, client, trainer, make_cohort, make_user, issuer
):
    members = [make_user(login=f"p{i}@contoh.id") for i in range(3)]
    cohort_id, _ = make_cohort(trainer, members=members)
    data = cohort_form(course=str(course_id(app)), issuer=str(issuer), seat_limit="2")
    response = client.post(f"/kelas/{cohort_id}/ubah", data=data)
    assert response.status_code == 400
    assert "3 peserta sudah bergabung" in response.get_data(as_text=True)
    data["seat_limit"] = "3"
    data["name"] = "Nama Baru"
    assert client.post(f"/kelas/{cohort_id}/ubah", data=data).status_code == 302
    assert the_cohort(app).name == "Nama Baru"


def test_parallel_joins_never_exceed_the_seat_limit(app, trainer, make_cohort, make_user):
    cohort_id, code = make_cohort(trainer, seat_limit="2")
    clients = []
    for i in range(6):
        make_user(login=f"serentak{i}@contoh.id")
        c = app.test_client()
        c.post("/masuk", data={"login": f"serentak{i}@contoh.id", "password": PASSWORD})
        clients.append(c)
    it = iter(clients)
    lock = threading.Lock()

    def join():
        with lock:
            c = next(it)
        return c.post(f"/gabung/{code}").status_code

    results, errors = run_in_parallel(app, 6, join)
    assert errors == [] and all(status == 302 for status in results)
    with app.app_context():
        members = db.session.scalar(
            select(func.count(CohortMember.id)).where(CohortMember.cohort_id == cohort_id)
        )
        enrolled = db.session.scalar(select(func.count(Enrolment.id)))
    assert members == 2 and enrolled == 2


@pytest.mark.parametrize(
    "method, url",
    [
        ("GET", "/kelas/99999999999999999999"),
        ("GET", "/kelas/1/peserta/0"),
        ("GET", "/gabung/" + "x" * 3000),
        ("GET", "/gabung/%F0%9F%98%80"),
        ("GET", "/gabung?kode=%F0%9F%98%80" + "A" * 500),
        ("GET", "/atur-kata-sandi/%00"),
        ("GET", "/atur-kata-sandi/" + "a" * 5000),
        ("POST", "/kelas/{cohort}/impor/simpan?payload=x"),
        ("POST", "/kelas/{cohort}/ubah"),
        ("GET", "/admin/kelas?halaman=99999999999&dari=2026-02-31&kursus=99999999999999"),
        ("GET", "/kelas/{cohort}?status=%00&urut=%F0&hari=-1&halaman=abc"),
    ],
)
def test_odd_cohort_urls_never_answer_500(
    client, trainer, make_cohort, make_user, auth, method, url
):
    cohort_id, _ = make_cohort(trainer)
    make_user(role="admin", login="admin@contoh.id")
    auth.logout()
    auth.login("admin@contoh.id")
    data = {"payload": "!!not base64!!", "starts_on": "\u202e", "seat_limit": "9" * 50}
    response = client.open(url.format(cohort=cohort_id), method=method, data=data)
    assert 200 <= response.status_code < 500, response.status_code


def test_join_codes_cannot_be_guessed_quickly(limited_app, make_user, make_cohort):
    """Issue 11, item 13: wrong codes are limited per address and per account; the right
    code still works for someone else."""
    trainer_id = make_user(role="trainer", login="pelatih@contoh.id")
    _, code = make_cohort(trainer_id)
    app = limited_app(JOIN_IP_LIMIT="5 per 10 minutes", JOIN_ACCOUNT_LIMIT="3 per 10 minutes")
    guesser = app.test_client()
    codes = [guesser.get(f"/gabung/ZZZZZ{i}").status_code for i in range(6)]
    assert codes == [404] * 5 + [429]
    # Right codes never count: the room on another address keeps opening the join page.
    room = app.test_client()
    for _ in range(8):
        assert (
            room.get(f"/gabung/{code}", environ_base={"REMOTE_ADDR": "10.5.5.5"}).status_code == 200
        )
    make_user(login="peserta@contoh.id")
    member = app.test_client()
    member.post(
        "/masuk",
        data={"login": "peserta@contoh.id", "password": "rahasia-kuat-2026"},
        environ_base={"REMOTE_ADDR": "10.8.8.8"},
    )
    tries = [
        member.post(f"/gabung/YYYYY{i}", environ_base={"REMOTE_ADDR": f"10.8.8.{i}"}).status_code
        for i in range(4)
    ]
    assert tries == [404, 404, 404, 429]  # per account, whatever the address
