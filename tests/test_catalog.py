import re

from sqlalchemy import select

from lms.catalog.models import Enrolment, Lesson, LessonProgress
from lms.extensions import db

from .conftest import without_offline_script


def lesson_ids(app):
    with app.app_context():
        return list(
            db.session.scalars(
                select(Lesson.id)
                .join(Lesson.module)
                .order_by(Lesson.module.property.mapper.class_.position, Lesson.position)
            )
        )


def test_home_says_what_it_is_and_lists_courses(client, sample_course):
    html = client.get("/").get_data(as_text=True)
    assert "Kelompok Informasi Masyarakat" in html
    assert "UMKM" in html
    assert "Kursus Contoh" in html
    assert 'href="/daftar"' in html and 'href="/masuk"' in html
    assert "3 pelajaran" in html


def test_course_page_shows_modules_lessons_and_minutes(client, sample_course):
    html = client.get("/kursus/kursus-contoh").get_data(as_text=True)
    assert "Modul 1: Pengenalan" in html and "Modul 2: Praktik" in html
    assert "Apa itu KIM?" in html and "5 menit" in html
    assert "15 menit" in html  # the course total
    assert "Daftar untuk mulai" in html  # a visitor is led to register


def test_unknown_course_is_404(client):
    response = client.get("/kursus/tidak-ada")
    assert response.status_code == 404
    assert "Halaman tidak ditemukan" in response.get_data(as_text=True)


def test_lessons_need_enrolment(app, client, sample_course, trainee):
    first = lesson_ids(app)[0]
    response = client.get(f"/kursus/kursus-contoh/pelajaran/{first}")
    assert response.status_code == 302
    assert response.headers["Location"] == "/kursus/kursus-contoh"


def test_enrol_read_complete_and_continue(app, client, sample_course, trainee, auth):
    ids = lesson_ids(app)
    response = client.post("/kursus/kursus-contoh/daftar")
    assert response.headers["Location"] == f"/kursus/kursus-contoh/pelajaran/{ids[0]}"
    client.post("/kursus/kursus-contoh/daftar")  # twice is harmless
    with app.app_context():
        assert db.session.query(Enrolment).count() == 1

    page = client.get(f"/kursus/kursus-contoh/pelajaran/{ids[0]}").get_data(as_text=True)
    assert "Apa itu KIM?" in page
    assert f'rel="next" href="/kursus/kursus-contoh/pelajaran/{ids[1]}"' in page
    assert 'rel="prev"' not in page

    done = client.post(f"/kursus/kursus-contoh/pelajaran/{ids[0]}/selesai")
    assert done.headers["Location"] == f"/kursus/kursus-contoh/pelajaran/{ids[1]}"
    client.post(f"/kursus/kursus-contoh/pelajaran/{ids[0]}/selesai")  # idempotent
    client.post(f"/kursus/kursus-contoh/pelajaran/{ids[1]}/selesai")
    with app.app_context():
        assert db.session.query(LessonProgress).count() == 2

    middle = client.get(f"/kursus/kursus-contoh/pelajaran/{ids[1]}").get_data(as_text=True)
    assert f'rel="prev" href="/kursus/kursus-contoh/pelajaran/{ids[0]}"' in middle
    assert "Anda sudah menyelesaikan pelajaran ini" in middle

    mine = client.get("/belajar").get_data(as_text=True)
    assert "2 dari 3 pelajaran (67%)" in mine
    assert "Lanjutkan: Menulis kabar desa" in mine

    # Sign out and in again: they land on the next lesson.
    auth.logout()
    response = auth.login(trainee)
    assert response.headers["Location"] == f"/kursus/kursus-contoh/pelajaran/{ids[2]}"
    assert client.get("/kursus/kursus-contoh/lanjut").headers["Location"].endswith(f"/{ids[2]}")

    last = client.post(f"/kursus/kursus-contoh/pelajaran/{ids[2]}/selesai")
    assert last.headers["Location"] == "/kursus/kursus-contoh"
    assert "Semua pelajaran selesai" in client.get("/belajar").get_data(as_text=True)
    # The sample course also requires its quizzes: lessons alone do not complete it.
    with app.app_context():
        assert db.session.scalar(select(Enrolment.completed_at)) is None
    course = client.get("/kursus/kursus-contoh").get_data(as_text=True)
    assert "lulus semua kuis modul, lulus ujian akhir" in course


def test_completing_without_enrolment_is_refused(app, client, sample_course, trainee):
    first = lesson_ids(app)[0]
    response = client.post(
        f"/kursus/kursus-contoh/pelajaran/{first}/selesai", follow_redirects=True
    )
    assert "Daftar ke kursus ini terlebih dahulu" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(LessonProgress).count() == 0


def test_lesson_of_another_course_is_404(app, client, sample_course, trainee):
    client.post("/kursus/kursus-contoh/daftar")
    assert client.get("/kursus/kursus-contoh/pelajaran/999999").status_code == 404
    assert client.post("/kursus/kursus-contoh/pelajaran/999999/selesai").status_code == 302


def test_lesson_html_is_sanitised_and_images_are_served_with_cache_headers(
    app, client, sample_course, trainee
):
    client.post("/kursus/kursus-contoh/daftar")
    first = lesson_ids(app)[0]
    html = client.get(f"/kursus/kursus-contoh/pelajaran/{first}").get_data(as_text=True)
    assert "<script" not in without_offline_script(html) and "alert(" not in html
    assert "<strong>KIM</strong>" in html
    src = re.search(r'<img[^>]*src="([^"]+)"', html).group(1)
    assert src == "/kursus/kursus-contoh/media/01-pengenalan/alur.svg"
    image = client.get(src)
    assert image.status_code == 200
    assert image.content_type == "image/svg+xml"
    assert "max-age" in image.headers["Cache-Control"]
    assert client.get(src, headers={"If-None-Match": image.headers["ETag"]}).status_code == 304
    assert client.get("/kursus/kursus-contoh/media/../course.yaml").status_code == 404


def test_lesson_page_stays_within_the_query_budget(
    app, client, sample_course, trainee, count_queries
):
    client.post("/kursus/kursus-contoh/daftar")
    first = lesson_ids(app)[0]
    client.get(f"/kursus/kursus-contoh/pelajaran/{first}")  # warm the outline cache
    with count_queries() as statements:
        response = client.get(f"/kursus/kursus-contoh/pelajaran/{first}")
    assert response.status_code == 200
    assert len(statements) <= 3, statements


def test_my_learning_is_empty_before_enrolling(client, sample_course, trainee):
    html = client.get("/belajar").get_data(as_text=True)
    assert "Anda belum mengikuti kursus apa pun" in html


def test_hours_of_reading_use_the_indonesian_decimal_comma(client, sample_course):
    """Issue 11, item 20: 15 minutes is "sekitar 0,2 jam", not 0.2 (and 0.2 in English)."""
    assert "sekitar 0,2 jam membaca" in client.get("/kursus").get_data(as_text=True)
    client.get("/bahasa/en")
    assert "about 0.2 hours of reading" in client.get("/kursus").get_data(as_text=True)


def test_my_learning_shows_each_courses_certificate(app, client, graduate, make_user):
    """Issue 11, item 22: a finished course says so, with the certificate's state and link."""
    html = client.get("/belajar").get_data(as_text=True)
    assert "Kursus selesai pada" in html and "Klaim sertifikat" in html
    client.post("/kursus/kursus-contoh/sertifikat", data={"full_name": "Siti Aminah"})
    html = client.get("/belajar").get_data(as_text=True)
    assert "Klaim sertifikat" not in html and "Unduh PDF" in html
    assert re.search(r'href="/sertifikat/\d+/unduh"', html) and 'href="/v/' in html
    from lms.certificates.models import Certificate

    with app.app_context():
        cert = db.session.scalar(select(Certificate))
        cert.revoked_at, cert.revoked_reason = cert.issued_at, "Data tidak sah"
        db.session.commit()
    html = client.get("/belajar").get_data(as_text=True)
    assert "dicabut pada" in html and "Unduh PDF" not in html and "Klaim sertifikat" not in html
