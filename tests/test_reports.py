"""The trainer's cohort dashboard, its charts and exports, and the organisers' overview."""

import csv
import io
import re
import zipfile
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import insert, select, update

from lms.accounts.models import User
from lms.catalog.models import LessonProgress
from lms.certificates.models import Certificate
from lms.cohorts.models import Cohort
from lms.extensions import db
from lms.quizzes.models import Attempt, Quiz
from lms.reports import services as reports
from lms.timeutil import utcnow

from .conftest import without_offline_script
from .seed import seed_trainees
from .test_quizzes import answer_form, paper_of, start

TODAY = date.today()
PAST = {"starts_on": (TODAY - timedelta(days=40)).isoformat(), "ends_on": TODAY.isoformat()}


@pytest.fixture
def trainer(make_user, auth):
    user_id = make_user(role="trainer", login="pelatih@contoh.id")
    return user_id


def sign_in(auth, login):
    auth.logout()
    auth.login(login)


def lessons(app):
    with app.app_context():
        from lms.catalog.models import Lesson

        return list(
            db.session.scalars(select(Lesson.id).order_by(Lesson.module_id, Lesson.position))
        )


def pass_quiz(client, app, key):
    attempt_id = start(client, app, key)
    client.post(f"/percobaan/{attempt_id}", data=answer_form(paper_of(app, attempt_id)))


def certify(app, user_id):
    with app.app_context():
        cohort = db.session.scalar(select(Cohort))
        db.session.execute(
            insert(Certificate),
            [
                {
                    "code": f"C{user_id}",
                    "number": f"{user_id}/KOMDIGI",
                    "user_id": user_id,
                    "course_id": cohort.course_id,
                    "issuer_id": cohort.issuer_id,
                    "full_name": "x",
                    "course_title": "x",
                    "certificate_title": "x",
                    "hours": 2,
                    "completed_on": TODAY,
                    "issuer_snapshot": {},
                }
            ],
        )
        db.session.commit()


def test_the_dashboard_follows_real_progress(app, client, auth, trainer, make_user, make_cohort):
    names = {"belum": "Ani Belum", "belajar": "Budi Belajar", "selesai": "Citra Selesai"}
    ids = {k: make_user(login=f"{k}@contoh.id", full_name=v) for k, v in names.items()}
    cohort_id, code = make_cohort(trainer, **PAST)
    lesson_ids = lessons(app)
    for key in ids:
        sign_in(auth, f"{key}@contoh.id")
        client.post(f"/gabung/{code}")
    sign_in(auth, "belajar@contoh.id")
    client.post(f"/kursus/kursus-contoh/pelajaran/{lesson_ids[0]}/selesai")
    sign_in(auth, "selesai@contoh.id")
    for lesson_id in lesson_ids:
        client.post(f"/kursus/kursus-contoh/pelajaran/{lesson_id}/selesai")
    pass_quiz(client, app, "module:pengenalan")
    pass_quiz(client, app, "final-exam")

    sign_in(auth, "pelatih@contoh.id")
    html = client.get(f"/kelas/{cohort_id}").get_data(as_text=True)
    rows = {
        name: row
        for name in names.values()
        for row in re.findall(r"<tr>.*?</tr>", html, re.S)
        if name in row
    }
    assert "Belum mulai" in rows["Ani Belum"] and "belum pernah" in rows["Ani Belum"]
    assert "Sedang belajar" in rows["Budi Belajar"] and "33%" in rows["Budi Belajar"]
    assert "1/3" in rows["Budi Belajar"] and "0/1" in rows["Budi Belajar"]
    citra = rows["Citra Selesai"]
    assert "Selesai" in citra and "100%" in citra and "3/3" in citra and "1/1" in citra
    assert "Memenuhi syarat" in citra  # best final exam score (100%)
    assert "3</strong> peserta" in html and "33%</strong> tingkat penyelesaian" in html
    assert "44%</strong> rata-rata kemajuan" in html  # (0 + 33 + 100) / 3

    certify(app, ids["selesai"])
    html = client.get(f"/kelas/{cohort_id}", query_string={"status": "bersertifikat"}).get_data(
        as_text=True
    )
    assert "Citra Selesai" in html and "Budi Belajar" not in html and "Bersertifikat" in html

    detail = client.get(f"/kelas/{cohort_id}/peserta/{ids['selesai']}").get_data(as_text=True)
    assert "Kuis Modul 1" in detail and "100%" in detail and "ujian akhir" in detail
    assert detail.count("selesai ") >= 3  # every lesson with its date
    budi = client.get(f"/kelas/{cohort_id}/peserta/{ids['belajar']}").get_data(as_text=True)
    assert "Belum ada kuis yang dikerjakan." in budi and "belum selesai" in budi
    stranger = make_user(login="asing@contoh.id")
    assert client.get(f"/kelas/{cohort_id}/peserta/{stranger}").status_code == 404


def test_the_funnel_and_weekly_charts_are_svg_with_text_alternatives(
    app, client, auth, trainer, make_cohort
):
    cohort_id, _ = make_cohort(trainer, **PAST)
    with app.app_context():
        seed_trainees(cohort_id, 40, utcnow())
    sign_in(auth, "pelatih@contoh.id")
    html = client.get(f"/kelas/{cohort_id}").get_data(as_text=True)
    svgs = re.findall(r"<svg.*?</svg>", html, re.S)
    assert len(svgs) == 2
    for svg in svgs:
        assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    assert "Terdaftar: 40 (100%)" in svgs[0]  # the funnel says its numbers in words
    assert "style=" not in html and "<script" not in without_offline_script(html)
    table = html.split("Angka grafik dalam bentuk tabel")[1]
    assert "<td>Terdaftar</td><td>40</td>" in table


def test_weeks_are_counted_in_the_trainers_time_zone(app, trainer, make_cohort, make_user):
    cohort_id, code = make_cohort(trainer, starts_on="2026-06-01", ends_on="2026-06-30")
    user = make_user(login="p@contoh.id")
    with app.app_context():
        from lms.cohorts import services as cohorts

        cohorts.join(db.session.get(User, user), code)
        cohort = db.session.get(Cohort, cohort_id)
        ids = list(db.session.scalars(select(LessonProgress.id)))
        assert ids == []
        lesson_ids = lessons(app)
        times = [
            datetime(2026, 6, 2, 3, 0),  # Tuesday, week of 1 June
            datetime(2026, 6, 7, 18, 0),  # Sunday 18:00 UTC = Monday 01:00 WIB: next week
            datetime(2026, 6, 9, 8, 0),  # Tuesday, week of 8 June
        ]
        db.session.execute(
            insert(LessonProgress),
            [
                {
                    "user_id": user,
                    "lesson_id": lid,
                    "course_id": cohort.course_id,
                    "completed_at": t,
                }
                for lid, t in zip(lesson_ids, times, strict=True)
            ],
        )
        db.session.commit()
        report = reports.cohort_report(cohort, now=datetime(2026, 6, 20, 12, 0), tz_hours=7)
        weeks = {w.start: (w.active, w.events) for w in report.weeks}
        assert weeks == {
            date(2026, 6, 1): (1, 1),
            date(2026, 6, 8): (1, 2),
            date(2026, 6, 15): (0, 0),
        }
        utc = reports.cohort_report(cohort, now=datetime(2026, 6, 20, 12, 0), tz_hours=0)
        assert [w.events for w in utc.weeks] == [2, 1, 0]


def seeded_dashboard(app, client, auth, trainer, make_cohort, count=120):
    cohort_id, _ = make_cohort(trainer, **PAST)
    with app.app_context():
        seed_trainees(cohort_id, count, utcnow())
    sign_in(auth, "pelatih@contoh.id")
    return cohort_id


def names_on(html):
    return re.findall(r'/peserta/\d+">([^<]+)</a>', html)


def test_sort_filter_and_paginate(app, client, auth, trainer, make_cohort):
    cohort_id = seeded_dashboard(app, client, auth, trainer, make_cohort)
    url = f"/kelas/{cohort_id}"
    first = client.get(url).get_data(as_text=True)
    assert "Halaman 1 dari 3" in first and len(names_on(first)) == 50
    assert names_on(first) == sorted(names_on(first))
    third = client.get(url, query_string={"halaman": 3}).get_data(as_text=True)
    assert len(names_on(third)) == 20
    assert set(names_on(first)).isdisjoint(names_on(third))

    by_progress = client.get(url, query_string={"urut": "progres", "arah": "turun"}).get_data(
        as_text=True
    )
    percents = [int(p) for p in re.findall(r"<td>(\d+)%</td>", by_progress)]
    assert percents == sorted(percents, reverse=True) and percents[0] == 100
    ascending = client.get(url, query_string={"urut": "progres"}).get_data(as_text=True)
    assert [int(p) for p in re.findall(r"<td>(\d+)%</td>", ascending)][0] == 0

    with app.app_context():
        cohort = db.session.get(Cohort, cohort_id)
        report = reports.cohort_report(cohort)
        expected = {s: report.count(s) for s in reports.FILTERS}
    assert sum(expected[s] for s in reports.STATUSES) == 120
    for status, n in expected.items():
        page = client.get(url, query_string={"status": status}).get_data(as_text=True)
        assert f"Menampilkan {n} dari 120 peserta." in page
    not_started = client.get(url, query_string={"status": "belum-mulai"}).get_data(as_text=True)
    assert "Sedang belajar" not in re.sub(r"<option.*?</option>", "", not_started)
    # Odd parameters fall back to defaults rather than failing.
    odd = client.get(url, query_string={"urut": "x'--", "halaman": "-4", "hari": "99999999"})
    assert odd.status_code == 200


def test_inactive_means_no_activity_for_n_days(app, client, auth, trainer, make_cohort, make_user):
    cohort_id, code = make_cohort(trainer, **PAST)
    old, fresh = make_user(login="lama@contoh.id"), make_user(login="baru@contoh.id")
    with app.app_context():
        from lms.cohorts import services as cohorts

        for user in (old, fresh):
            cohorts.join(db.session.get(User, user), code)
        lesson = lessons(app)[0]
        course_id = db.session.scalar(select(Cohort.course_id))
        db.session.execute(
            insert(LessonProgress),
            [
                {
                    "user_id": old,
                    "lesson_id": lesson,
                    "course_id": course_id,
                    "completed_at": utcnow() - timedelta(days=20),
                },
                {
                    "user_id": fresh,
                    "lesson_id": lesson,
                    "course_id": course_id,
                    "completed_at": utcnow() - timedelta(days=2),
                },
            ],
        )
        db.session.commit()
    sign_in(auth, "pelatih@contoh.id")
    url = f"/kelas/{cohort_id}"
    page = client.get(url, query_string={"status": "tidak-aktif"}).get_data(as_text=True)
    assert "Menampilkan 1 dari 2 peserta." in page and "1</strong> tidak aktif 14 hari" in page
    page = client.get(url, query_string={"status": "tidak-aktif", "hari": 1}).get_data(as_text=True)
    assert "Menampilkan 2 dari 2 peserta." in page
    page = client.get(url, query_string={"status": "tidak-aktif", "hari": 30}).get_data(
        as_text=True
    )
    assert "Menampilkan 0 dari 2 peserta." in page


def test_csv_export_is_excel_friendly_and_neutralises_formulas(
    app, client, auth, trainer, make_cohort, make_user
):
    evil = make_user(login="jahat@contoh.id", full_name='=HYPERLINK("http://x","klik")')
    plus = make_user(login="plus@contoh.id", full_name="+62 Budi")
    cohort_id, _ = make_cohort(trainer, members=[evil, plus], **PAST)
    sign_in(auth, "pelatih@contoh.id")
    response = client.get(f"/kelas/{cohort_id}/ekspor.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Nama", "Email", "Nomor HP"]
    names = {r[0] for r in rows[1:]}
    assert names == {'\'=HYPERLINK("http://x","klik")', "'+62 Budi"}
    assert all(r[5] == "Belum mulai" for r in rows[1:])

    xlsx = client.get(f"/kelas/{cohort_id}/ekspor.xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.get_data())).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "Nama" and len(values) == 3
    # The XLSX holds the names as typed, in text cells (which Excel never runs).
    assert {v[0] for v in values[1:]} == {n[1:] for n in names}
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert all(row[0].data_type == "s" for row in sheet.iter_rows())


def test_exports_follow_the_filter(app, client, auth, trainer, make_cohort):
    cohort_id = seeded_dashboard(app, client, auth, trainer, make_cohort, count=30)
    with app.app_context():
        certified = reports.cohort_report(db.session.get(Cohort, cohort_id)).count("bersertifikat")
    body = client.get(
        f"/kelas/{cohort_id}/ekspor.csv", query_string={"status": "bersertifikat"}
    ).get_data()
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) - 1 == certified > 0
    column = rows[0].index("Sertifikat")
    assert {r[column] for r in rows[1:]} == {"ya"}


def test_dashboard_queries_do_not_grow_with_the_cohort(
    app, client, auth, trainer, make_cohort, count_queries
):
    small, _ = make_cohort(trainer, name="Kecil", **PAST)
    large, _ = make_cohort(trainer, name="Besar", **PAST)
    with app.app_context():
        seed_trainees(small, 10, utcnow(), prefix="kecil")
        seed_trainees(large, 500, utcnow(), prefix="besar")
    sign_in(auth, "pelatih@contoh.id")
    counts = {}
    for name, cohort_id in (("small", small), ("large", large)):
        for url in (f"/kelas/{cohort_id}", f"/kelas/{cohort_id}/ekspor.csv"):
            client.get(url)  # warm the course outline cache
            with count_queries() as statements:
                response = client.get(url, query_string={"urut": "progres", "halaman": 2})
            assert response.status_code == 200
            counts[(name, url.rsplit("/", 1)[-1].split(".")[-1])] = len(statements)
    assert counts[("small", str(small))] == counts[("large", str(large))], counts
    assert counts[("small", "csv")] == counts[("large", "csv")], counts
    assert counts[("large", str(large))] <= 10, counts


def test_the_overview_totals_cohorts_by_region_and_course(
    app, client, auth, trainer, make_cohort, make_user
):
    aceh, _ = make_cohort(trainer, name="Kelas Aceh", **PAST)
    jabar, _ = make_cohort(
        trainer,
        name="Kelas Bandung",
        province="32",
        regency="32.73",
        starts_on="2025-01-10",
        ends_on="2025-01-12",
    )
    with app.app_context():
        seed_trainees(aceh, 30, utcnow(), prefix="aceh")
        seed_trainees(jabar, 12, utcnow(), prefix="jabar")
        report = reports.cohort_report(db.session.get(Cohort, aceh))
        completed = sum(1 for r in report.rows if r.completed)
        certified = sum(1 for r in report.rows if r.certified)
    make_user(role="admin", login="admin@contoh.id")
    sign_in(auth, "admin@contoh.id")
    html = client.get("/admin/kelas").get_data(as_text=True)
    assert "Kelas Aceh" in html and "Kelas Bandung" in html
    assert f"/kelas/{aceh}" in html  # drill down to the dashboard
    totals = re.search(r"<tfoot>.*?</tfoot>", html, re.S).group(0)
    assert "<td>2</td><td>42</td>" in totals
    province_rows = re.findall(
        r"<tr><td><a[^>]*>([^<]+)</a></td><td>(\d+)</td><td>(\d+)</td>"
        r"<td>(\d+)</td><td>(\d+)</td></tr>",
        html,
    )
    assert ("Aceh", "1", "30", str(completed), str(certified)) in province_rows
    assert ("Jawa Barat", "1", "12") == province_rows[1][:3]

    only_aceh = client.get("/admin/kelas", query_string={"provinsi": "11"}).get_data(as_text=True)
    assert "Kelas Aceh" in only_aceh and "Kelas Bandung" not in only_aceh
    bandung = client.get("/admin/kelas", query_string={"provinsi": "32", "kabkota": "32.73"})
    assert "Kelas Bandung" in bandung.get_data(as_text=True)
    recent = client.get(
        "/admin/kelas", query_string={"dari": (TODAY - timedelta(days=5)).isoformat()}
    )
    assert "Kelas Bandung" not in recent.get_data(as_text=True)
    old = client.get("/admin/kelas", query_string={"sampai": "2025-06-30"}).get_data(as_text=True)
    assert "Kelas Bandung" in old and "Kelas Aceh" not in old
    with app.app_context():
        course = db.session.scalar(select(Cohort.course_id))
    by_course = client.get("/admin/kelas", query_string={"kursus": course + 1000})
    assert "Tidak ada kelas pelatihan yang cocok" in by_course.get_data(as_text=True)
    odd = client.get(
        "/admin/kelas", query_string={"provinsi": "<x>", "dari": "kemarin", "halaman": "x"}
    )
    assert odd.status_code == 200
    assert client.get(f"/kelas/{jabar}").status_code == 200


def test_a_quiz_attempt_counts_as_activity(app, trainer, make_cohort, make_user):
    cohort_id, code = make_cohort(trainer, **PAST)
    user = make_user(login="p@contoh.id")
    with app.app_context():
        from lms.cohorts import services as cohorts

        cohorts.join(db.session.get(User, user), code)
        quiz = db.session.scalar(select(Quiz).where(Quiz.module_id.is_not(None)))
        when = utcnow() - timedelta(days=1)
        db.session.execute(
            insert(Attempt),
            [
                {
                    "user_id": user,
                    "quiz_id": quiz.id,
                    "course_id": quiz.course_id,
                    "number": 1,
                    "started_at": when,
                    "paper": [],
                    "answers": {},
                    "max_points": 5,
                }
            ],
        )
        db.session.commit()
        row = reports.cohort_report(db.session.get(Cohort, cohort_id)).rows[0]
        assert row.status == "sedang-belajar" and row.last_activity == when
        assert row.quizzes_passed == 0 and row.final_best is None
        db.session.execute(update(Attempt).values(submitted_at=when, percent=90.0, passed=True))
        db.session.commit()
        row = reports.cohort_report(db.session.get(Cohort, cohort_id)).rows[0]
        assert row.quizzes_passed == 1


def test_the_dashboard_and_its_exports_speak_english_too(app, client, auth, trainer, make_cohort):
    cohort_id = seeded_dashboard(app, client, auth, trainer, make_cohort, count=12)
    client.post("/bahasa", data={"locale": "en"})
    html = client.get(f"/kelas/{cohort_id}").get_data(as_text=True)
    assert "From enrolment to certificate" in html and "Module quizzes passed" in html
    assert "Enrolled: 12 (100%)" in html
    header = client.get(f"/kelas/{cohort_id}/ekspor.csv").get_data().decode("utf-8-sig")
    assert header.startswith("Name,Email,Mobile number,Province")


def test_the_dashboard_is_kept_briefly_for_reloads_and_paging(
    app, client, auth, trainer, make_cohort, count_queries, monkeypatch
):
    cohort_id, _ = make_cohort(trainer, name="Besar", **PAST)
    with app.app_context():
        seed_trainees(cohort_id, 120, utcnow(), prefix="besar")
    sign_in(auth, "pelatih@contoh.id")
    monkeypatch.setitem(app.config, "DASHBOARD_CACHE_SECONDS", 60)
    first = client.get(f"/kelas/{cohort_id}")
    with count_queries() as statements:
        second = client.get(f"/kelas/{cohort_id}", query_string={"halaman": 2})
    assert first.status_code == second.status_code == 200
    # The session's user, the cohort, its trainers and the practice tasks waiting for review:
    # the report itself is not recomputed.
    assert len(statements) <= 6
    assert "120" in second.get_data(as_text=True)


def test_a_trainers_own_import_shows_on_the_dashboard_at_once(
    app, client, auth, trainer, make_cohort, make_user, monkeypatch
):
    """Issue 11, item 16: with the dashboard cached, the trainer's own import shows at once;
    a trainee's own activity shows within the cache time, and the page says when."""
    import io

    monkeypatch.setitem(app.config, "DASHBOARD_CACHE_SECONDS", 60)
    cohort_id, code = make_cohort(trainer)
    sign_in(auth, "pelatih@contoh.id")
    assert "Belum ada peserta" in client.get(f"/kelas/{cohort_id}").get_data(as_text=True)
    csv = b"nama,email\nRina Wati,rina@contoh.id\n"
    preview = client.post(
        f"/kelas/{cohort_id}/impor",
        data={"file": (io.BytesIO(csv), "peserta.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    payload = re.search(r'name="payload"[^>]*value="([^"]*)"', preview).group(1)
    client.post(f"/kelas/{cohort_id}/impor/simpan", data={"payload": payload})
    html = client.get(f"/kelas/{cohort_id}").get_data(as_text=True)
    assert "Rina Wati" in html and "Belum ada peserta" not in html
    assert "Angka diperbarui pukul" in html
    # A trainee who joins by code (not the trainer's action) also resets it: joining changes
    # the roster the trainer is looking at.
    joiner = make_user(login="bergabung@contoh.id", full_name="Dewi Bergabung")
    with app.app_context():
        from lms.accounts.models import User
        from lms.cohorts import services as cohorts

        cohorts.join(db.session.get(User, joiner), code)
    assert "Dewi Bergabung" in client.get(f"/kelas/{cohort_id}").get_data(as_text=True)


def test_a_control_character_before_a_formula_does_not_slip_past_the_guard(
    app, client, auth, trainer, make_cohort, make_user
):
    """Issue 11, item 6: "\\x01=HYPERLINK(…)" lost its control character only after the
    formula check, so the XLSX held a live formula. Every export strips control characters
    first; the XLSX keeps user text as typed text cells (no visible apostrophe needed)."""
    formula = '=HYPERLINK("http://jahat.example","klik")'
    sneaky = make_user(login="licik@contoh.id", full_name="\x01" + formula)
    tabbed = make_user(login="tab@contoh.id")
    with app.app_context():  # as an older version or another tool may have stored it
        db.session.execute(update(User).where(User.id == tabbed).values(full_name="\t\x1f+62 Budi"))
        db.session.commit()
    cohort_id, _ = make_cohort(trainer, members=[sneaky, tabbed], **PAST)
    sign_in(auth, "pelatih@contoh.id")

    body = client.get(f"/kelas/{cohort_id}/ekspor.csv", query_string={"pemisah": "koma"})
    rows = list(csv.reader(io.StringIO(body.get_data().decode("utf-8-sig"))))
    names = {r[0] for r in rows[1:]}
    assert names == {"'" + formula, "' +62 Budi"}
    assert not any(ch < " " for r in rows for cell in r for ch in cell)

    xlsx = client.get(f"/kelas/{cohort_id}/ekspor.xlsx").get_data()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml  # no formula at all
    sheet = load_workbook(io.BytesIO(xlsx)).active
    cells = {row[0].value: row[0] for row in sheet.iter_rows(min_row=2)}
    assert set(cells) == {formula, " +62 Budi"}  # as typed, without an apostrophe
    assert all(cell.data_type == "s" for cell in cells.values())
    phones = [row[2] for row in sheet.iter_rows(min_row=2) if row[2].value]
    assert all(cell.data_type == "s" for cell in phones)


def test_the_csv_separator_is_a_choice_with_semicolons_for_indonesian(
    app, client, auth, trainer, make_cohort, make_user
):
    """Issue 11, item 19a: Excel in the Indonesian locale splits CSV columns at semicolons."""
    member = make_user(login="siti@contoh.id", full_name="Siti, Aminah")
    cohort_id, _ = make_cohort(trainer, members=[member], **PAST)
    sign_in(auth, "pelatih@contoh.id")
    page = client.get(f"/kelas/{cohort_id}", query_string={"status": "belum-mulai"})
    html = page.get_data(as_text=True)
    form = re.search(r'<form method="get" action="/kelas/\d+/ekspor\.csv".*?</form>', html, re.S)
    assert form, "the CSV download is a small form with the separator"
    form = form.group(0)
    assert '<label for="pemisah">Pemisah</label>' in form
    assert re.search(r'<option value="titik-koma" selected>titik koma \(Excel Indonesia\)', form)
    assert '<option value="koma">koma</option>' in form
    assert 'name="status" value="belum-mulai"' in form  # the download follows the filter

    def first_line(**query):
        body = client.get(f"/kelas/{cohort_id}/ekspor.csv", query_string=query).get_data()
        return body.decode("utf-8-sig").splitlines()[:2]

    header, row = first_line()
    assert header.startswith("Nama;Email;Nomor HP;Provinsi;") and row.startswith("Siti, Aminah;")
    header, row = first_line(pemisah="koma")
    assert header.startswith("Nama,Email,Nomor HP,") and row.startswith('"Siti, Aminah",')
    assert first_line(pemisah="titik-koma")[0].startswith("Nama;Email;")
    assert first_line(pemisah="tab")[0].startswith("Nama;Email;")  # unknown: the default

    client.post("/bahasa", data={"locale": "en"})
    html = client.get(f"/kelas/{cohort_id}").get_data(as_text=True)
    assert '<option value="koma" selected>' in html
    assert first_line()[0].startswith("Name,Email,Mobile number,")
    assert first_line(pemisah="titik-koma")[0].startswith("Name;Email;Mobile number;")
