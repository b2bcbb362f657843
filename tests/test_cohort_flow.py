"""The issue's whole story, through the web pages a trainer and trainees use."""

import csv
import io
import re

from openpyxl import load_workbook
from sqlalchemy import select

from lms.catalog.models import Course, Lesson
from lms.extensions import db

from .conftest import cohort_form
from .test_cohort_import import confirm, thirty_participants, upload


def test_create_print_import_join_and_follow_progress(
    app, client, auth, make_user, issuer, sample_course
):
    make_user(role="trainer", login="pelatih@contoh.id")
    auth.login("pelatih@contoh.id")
    with app.app_context():
        course_id = db.session.scalar(select(Course.id))
        lesson_ids = list(
            db.session.scalars(select(Lesson.id).order_by(Lesson.module_id, Lesson.position))
        )
    data = cohort_form(
        course=str(course_id), issuer=str(issuer), starts_on="2026-01-05", ends_on="2026-01-07"
    )
    created = client.post("/kelas/baru", data=data)
    cohort_url = created.headers["Location"]
    cohort_id = int(cohort_url.rsplit("/", 1)[1])

    poster = client.get(f"{cohort_url}/poster").get_data(as_text=True)
    code = re.search(r'class="poster-code"[^>]*>(\w+)<', poster).group(1)
    assert f"/gabung/{code}" in poster and "<svg" in poster

    preview = upload(client, cohort_id, thirty_participants()).get_data(as_text=True)
    assert "30 akun baru" in preview
    links = re.findall(
        r'value="http://localhost(/atur-kata-sandi/[\w-]+)" readonly',
        confirm(client, cohort_id, preview).get_data(as_text=True),
    )
    assert len(links) == 30

    # An imported trainee sets a password and finishes the first lesson.
    auth.logout()
    client.post(links[1], data={"password": "kopi-gayo-2026", "consent": "y"})
    client.post(f"/kursus/kursus-contoh/pelajaran/{lesson_ids[0]}/selesai")
    auth.logout()

    # A newcomer registers from the join link and comes back to join.
    register = client.post(
        f"/daftar?next=/gabung/{code}",
        data={
            "full_name": "Dewi Baru",
            "login": "dewi@contoh.id",
            "password": "kopi-gayo-2026",
            "province": "11",
            "regency": "11.11",
            "consent": "y",
        },
    )
    assert register.headers["Location"] == f"/gabung/{code}"
    client.post(f"/gabung/{code}")
    for lesson_id in lesson_ids:
        client.post(f"/kursus/kursus-contoh/pelajaran/{lesson_id}/selesai")
    auth.logout()
    # Another trainee types the code.
    make_user(login="eko@contoh.id", full_name="Eko Ketik")
    auth.login("eko@contoh.id")
    target = client.get("/gabung", query_string={"kode": code.lower()}).headers["Location"]
    client.post(target)
    auth.logout()

    auth.login("pelatih@contoh.id")
    dashboard = client.get(cohort_url).get_data(as_text=True)
    assert "32</strong> peserta" in dashboard
    assert "Terdaftar: 32 (100%)" in dashboard and "Sudah mulai: 2 (6%)" in dashboard
    assert "Dewi Baru" in dashboard and "Eko Ketik" in dashboard
    exported = client.get(f"{cohort_url}/ekspor.csv").get_data().decode("utf-8-sig")
    rows = {r[0]: r for r in csv.reader(io.StringIO(exported), delimiter=";")}
    assert len(rows) == 33  # the header and 32 trainees
    assert rows["Dewi Baru"][7] == "100" and rows["Peserta Nomor 1"][7] == "33"
    assert rows["Eko Ketik"][5] == "Belum mulai"
    sheet = load_workbook(io.BytesIO(client.get(f"{cohort_url}/ekspor.xlsx").get_data())).active
    assert sheet.max_row == 33
