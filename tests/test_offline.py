"""Offline reading (issue 17): the service worker and its script, the manifest, what a saved
copy holds, user-neutral copies of pages, completions sent from a device, module PDFs."""

import io
import re
import shutil
import subprocess
from datetime import datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from lms import create_app
from lms.catalog.models import Course, Lesson, LessonProgress, Module
from lms.extensions import db
from lms.timeutil import utcnow

from .conftest import PASSWORD, app_config

OFFLINE = {"X-LMS-Offline": "1"}
SLUG = "kursus-contoh"


def lessons(app) -> list[tuple[int, str]]:
    with app.app_context():
        rows = db.session.execute(
            select(Lesson.id, Lesson.title)
            .join(Module, Module.id == Lesson.module_id)
            .order_by(Module.position, Lesson.position)
        ).all()
        db.session.remove()
    return [tuple(r) for r in rows]


def progress_rows(app, lesson_id=None) -> list[LessonProgress]:
    with app.app_context():
        query = select(LessonProgress)
        if lesson_id:
            query = query.where(LessonProgress.lesson_id == lesson_id)
        rows = list(db.session.scalars(query))
        db.session.expunge_all()
        db.session.remove()
    return rows


@pytest.fixture
def enrolled(app, sample_course, trainee, client):
    client.post(f"/kursus/{SLUG}/daftar")
    return lessons(app)


def test_service_worker_and_script_stay_under_10_kb(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.mimetype == "text/javascript"
    assert "no-cache" in response.headers["Cache-Control"]
    script = client.get("/static/offline.js").get_data()
    total = len(response.get_data()) + len(script)
    print(f"service worker + script: {total} bytes")
    assert total < 10 * 1024
    # No request leaves the site: no address in either script.
    assert b"http" not in response.get_data() + script


def test_the_manifest_makes_the_app_installable_with_its_icons(client):
    response = client.get("/manifest.webmanifest")
    assert response.mimetype == "application/manifest+json"
    manifest = response.get_json()
    assert manifest["lang"] == "id" and manifest["display"] == "standalone"
    assert manifest["name"] == "Akademi KIM" and manifest["start_url"] == "/belajar"
    assert manifest["theme_color"] == "#0b5cad"
    sizes = set()
    for icon in manifest["icons"]:
        picture = client.get(icon["src"])
        assert picture.status_code == 200
        width, height = Image.open(io.BytesIO(picture.get_data())).size
        assert f"{width}x{height}" == icon["sizes"]
        sizes.add(icon["sizes"])
    assert {"192x192", "512x512"} <= sizes
    assert any(i.get("purpose") == "maskable" for i in manifest["icons"])
    page = client.get("/").get_data(as_text=True)
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page


def test_the_course_page_states_the_size_before_saving(app, client, enrolled):
    html = client.get(f"/kursus/{SLUG}").get_data(as_text=True)
    assert 'id="offline-save"' in html and "Simpan untuk offline" in html
    size = re.search(r"± (\d+) KB untuk 3 pelajaran", html)
    assert size, html
    copy = client.get(f"/kursus/{SLUG}/offline.json").get_json()
    assert int(size.group(1)) == round(copy["bytes"] / 1024)
    assert "Hapus dari perangkat" in html
    assert html.count("Unduh modul (PDF)") == 2


def test_no_save_button_for_someone_not_enrolled(app, client, sample_course, trainee):
    html = client.get(f"/kursus/{SLUG}").get_data(as_text=True)
    assert 'id="offline-save"' not in html and "Unduh modul (PDF)" not in html
    response = client.get(f"/kursus/{SLUG}/offline.json")
    assert response.status_code == 403
    assert "Daftar" in response.get_json()["error"]


def test_the_copy_lists_every_lesson_and_picture_at_the_published_version(app, client, enrolled):
    copy = client.get(f"/kursus/{SLUG}/offline.json").get_json()
    assert copy["lessons"] == 3 and copy["slug"] == SLUG
    assert copy["urls"][0] == f"/kursus/{SLUG}"
    for lesson_id, _ in enrolled:
        assert f"/kursus/{SLUG}/pelajaran/{lesson_id}" in copy["urls"]
    assert f"/kursus/{SLUG}/media/01-pengenalan/alur.svg" in copy["urls"]
    measured = sum(len(client.get(u, headers=OFFLINE).get_data()) for u in copy["urls"])
    measured += len(client.get("/static/style.css").get_data())
    measured += len(client.get("/static/offline.js").get_data())
    # The size stated first is an honest estimate of what is downloaded.
    assert 0.6 * measured < copy["bytes"] < 1.6 * measured, (measured, copy["bytes"])
    # Publishing a change gives a new version (the saved copy is offered an update).
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == SLUG))
        course.updated_at = utcnow() + timedelta(seconds=5)
        db.session.commit()
        db.session.remove()
    newer = client.get(f"/kursus/{SLUG}/offline.json").get_json()
    assert newer["version"] != copy["version"]
    html = client.get(f"/kursus/{SLUG}").get_data(as_text=True)
    assert f'data-version="{newer["version"]}"' in html


def test_saved_pages_carry_nothing_of_the_person(app, client, make_user, auth, enrolled):
    first = enrolled[0][0]
    client.post(f"/kursus/{SLUG}/pelajaran/{first}/selesai")
    url = f"/kursus/{SLUG}/pelajaran/{first}"
    live = client.get(url).get_data(as_text=True)
    assert "csrf_token" in live and "Anda sudah menyelesaikan pelajaran ini" in live

    def neutral(path):
        response = client.get(path, headers=OFFLINE)
        assert response.status_code == 200
        assert "X-LMS-Offline" in response.headers["Vary"]
        assert response.headers["Cache-Control"] == "private, no-store"
        return response.get_data(as_text=True)

    pages = {path: neutral(path) for path in (url, f"/kursus/{SLUG}", "/offline")}
    for html in pages.values():
        assert "csrf_token" not in html and "data-user" not in html
        assert "Keluar" not in html and "Peserta" not in html
        assert "data-offline-copy" in html
    assert f'data-offline-lesson="{first}"' in pages[url]
    assert "Anda sudah menyelesaikan" not in pages[url] and "Kemajuan" not in pages[url]
    assert "Kemajuan Anda" not in pages[f"/kursus/{SLUG}"]
    # Another trainee, with no progress, gets the very same saved pages.
    auth.logout()
    make_user(login="peserta2@contoh.id", full_name="Rina Wati")
    auth.login("peserta2@contoh.id")
    client.post(f"/kursus/{SLUG}/daftar")
    for path, html in pages.items():
        assert neutral(path) == html, path


def test_a_saved_copy_does_not_take_the_persons_messages(client, enrolled):
    for lesson_id, _ in enrolled:  # the last one flashes a message
        client.post(f"/kursus/{SLUG}/pelajaran/{lesson_id}/selesai")
    client.get(f"/kursus/{SLUG}", headers=OFFLINE)
    client.get(f"/kursus/{SLUG}/pelajaran/{enrolled[0][0]}", headers=OFFLINE)
    html = client.get(f"/kursus/{SLUG}").get_data(as_text=True)
    assert "Anda sudah menyelesaikan semua pelajaran di kursus ini." in html


def sync(client, *items, **kwargs):
    body = {"completions": [{"lesson": lesson, "at": at} for lesson, at in items]}
    return client.post("/offline/selesai", json=body, **kwargs)


def test_completions_made_offline_count_once(app, clock, client, enrolled):
    (first, _), (second, _), (third, _) = enrolled
    clock.jump(minutes=10)
    tapped = utcnow().replace(microsecond=0)  # tapped offline, sent 20 minutes later
    clock.jump(minutes=20)
    client.post(f"/kursus/{SLUG}/pelajaran/{third}/selesai")  # completed online meanwhile
    at = tapped.isoformat() + "Z"
    response = sync(client, (first, at), (second, None), (third, at), (first, at))
    assert response.status_code == 200
    assert response.get_json() == {"recorded": [first, second], "already": [third], "refused": []}
    assert progress_rows(app, first)[0].completed_at == tapped  # the time on the device
    # Sent again (a second tab, a lost answer): nothing changes.
    before = {(p.lesson_id, p.completed_at) for p in progress_rows(app)}
    again = sync(client, (first, at), (second, at)).get_json()
    assert again == {"recorded": [], "already": [first, second], "refused": []}
    assert {(p.lesson_id, p.completed_at) for p in progress_rows(app)} == before
    assert len(progress_rows(app)) == 3
    page = client.get(f"/kursus/{SLUG}").get_data(as_text=True)
    assert "Kemajuan Anda: 3 dari 3 pelajaran" in page


def test_device_times_are_kept_within_sense(app, client, enrolled):
    (first, _), (second, _), _ = enrolled
    future = (utcnow() + timedelta(days=3)).isoformat() + "+00:00"
    sync(client, (first, future), (second, "2001-01-01T00:00:00+07:00"))
    rows = {p.lesson_id: p.completed_at for p in progress_rows(app)}
    assert rows[first] <= utcnow()
    assert rows[second] > datetime(2020, 1, 1)  # not before enrolling


def test_lessons_of_a_course_not_enrolled_are_refused(app, client, sample_course, trainee):
    (first, _), *_ = lessons(app)
    assert sync(client, (first, None), (2**31 - 1, None)).get_json() == {
        "recorded": [],
        "already": [],
        "refused": [first, 2**31 - 1],
    }
    assert progress_rows(app) == []


@pytest.mark.parametrize(
    "body",
    [
        None,
        "",
        "\x00\xff",
        [],
        {"completions": []},
        {"completions": "1"},
        {"completions": [{"lesson": "1"}]},
        {"completions": [{"lesson": True}]},
        {"completions": [{"lesson": 2**40}]},
        {"completions": [{"lesson": -3}]},
        {"completions": [{"lesson": 1}] * 501},
    ],
)
def test_bad_sync_bodies_get_a_clear_400(app, client, enrolled, body):
    if isinstance(body, str):
        response = client.post("/offline/selesai", data=body, content_type="application/json")
    else:
        response = client.post("/offline/selesai", json=body)
    assert response.status_code == 400
    assert response.get_json()["error"]
    assert progress_rows(app) == []


def test_a_bad_time_falls_back_to_now(app, client, enrolled):
    first = enrolled[0][0]
    assert sync(client, (first, "kemarin sore")).get_json()["recorded"] == [first]
    assert abs(progress_rows(app, first)[0].completed_at - utcnow()) < timedelta(minutes=1)


def test_the_sync_needs_the_form_token_in_a_header(app, sample_course, make_user):
    csrf_app = create_app(
        {**app_config(app.config["SQLALCHEMY_DATABASE_URI"]), "WTF_CSRF_ENABLED": True}
    )
    make_user(login="peserta@contoh.id")
    client = csrf_app.test_client()
    page = client.get("/masuk").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post(
        "/masuk", data={"login": "peserta@contoh.id", "password": PASSWORD, "csrf_token": token}
    )
    page = client.get(f"/kursus/{SLUG}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post(f"/kursus/{SLUG}/daftar", data={"csrf_token": token})
    first = lessons(app)[0][0]
    assert sync(client, (first, None)).status_code == 400  # no token: refused
    assert progress_rows(app) == []
    response = sync(client, (first, None), headers={"X-CSRFToken": token})
    assert response.get_json()["recorded"] == [first]


def test_signing_out_clears_the_saved_copies(client, trainee):
    response = client.post("/keluar")
    assert response.status_code == 302
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'


def test_quizzes_and_tasks_say_they_are_online_only(app, client, enrolled):
    html = client.get(f"/kursus/{SLUG}").get_data(as_text=True)
    for link in re.findall(r'href="(/kursus/kursus-contoh/(?:kuis|tugas)/\d+)"', html):
        page = client.get(link).get_data(as_text=True)
        assert "Kuis, ujian, dan tugas praktik hanya bisa dikerjakan online" in page, link


def test_the_offline_page_lists_what_is_saved(client):
    html = client.get("/offline").get_data(as_text=True)
    assert 'id="offline-saved"' in html and "Halaman ini tidak tersimpan" in html


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "modul.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils (make test)")
def test_a_module_downloads_as_a_printable_pdf(app, client, enrolled, tmp_path):
    html = client.get(f"/kursus/{SLUG}").get_data(as_text=True)
    link = re.search(r'href="(/kursus/kursus-contoh/modul/\d+\.pdf)"', html).group(1)
    response = client.get(link)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "kursus-contoh-modul-1-pengenalan.pdf" in response.headers["Content-Disposition"]
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(response.get_data()))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4
    fonts = {
        str(f.get_object()["/BaseFont"])
        for page in reader.pages
        for f in page["/Resources"]["/Font"].values()
    }
    assert any("DejaVuSans" in f for f in fonts), fonts
    text = pdf_text(response.get_data(), tmp_path)
    assert "Modul 1: Pengenalan" in text
    assert "Apa itu KIM?" in text and "Kegiatan ADINDA" in text
    assert "Menulis kabar desa" not in text  # the other module's lesson
    assert "Kelompok Informasi Masyarakat" in text  # the lesson text
    assert "Halaman 1" in text and f"Halaman {len(reader.pages)}" in text
    assert "alert(" not in text
    # The SVG figure is drawn (as vector graphics, not left out).
    assert len(reader.pages) >= 3


def test_module_pdfs_of_other_courses_or_hidden_modules_are_not_found(app, client, enrolled):
    with app.app_context():
        module = db.session.scalar(select(Module).order_by(Module.position))
        module_id = module.id
        last = db.session.scalar(select(func.max(Module.id)))
        module.hidden = True
        module.course.updated_at = utcnow() + timedelta(seconds=1)  # as an import does
        db.session.commit()
        db.session.remove()
    assert client.get(f"/kursus/{SLUG}/modul/{module_id}.pdf").status_code == 404
    assert client.get(f"/kursus/{SLUG}/modul/{last + 100}.pdf").status_code == 404
    assert client.get(f"/kursus/{SLUG}/modul/0.pdf").status_code == 404


def test_module_pdfs_draw_photos_and_survive_odd_lesson_html(app, client, enrolled, tmp_path):
    """A photo (PNG or JPEG, as authors upload them), a table, nested lists, code and markup
    that reportlab cannot take as it is all come out as text and pictures, never a 500."""
    from pypdf import PdfReader

    from lms.catalog.models import CourseAsset

    from .conftest import jpeg_bytes

    first = enrolled[0][0]
    with app.app_context():
        lesson = db.session.get(Lesson, first)
        course = db.session.get(Course, lesson.course_id)
        photo = jpeg_bytes(size=(1200, 900))
        db.session.add(
            CourseAsset(
                course_id=course.id,
                path="01-pengenalan/foto.jpg",
                content_type="image/jpeg",
                sha256="b" * 64,
                data=photo,
            )
        )
        lesson.html += (
            '<p><img src="/kursus/kursus-contoh/media/01-pengenalan/foto.jpg" alt="Foto balai">'
            "</p><table><tr><th>Hari</th><th>Kegiatan</th></tr><tr><td>Senin</td>"
            "<td>Rapat &amp; <b>piket</b></td></tr></table>"
            "<ul><li>Satu<ul><li>Dua <em>miring</em></li></ul></li></ul>"
            "<pre><code>kode &lt;b&gt;</code></pre><blockquote><p>Kutipan</p></blockquote>"
            "<p>Tanda &lt;para&gt; dan <a href='https://contoh.id'>tautan</a></p><hr>"
            '<p><img src="/kursus/kursus-contoh/media/tidak-ada.png" alt="Hilang"></p>'
        )
        course.updated_at = utcnow() + timedelta(seconds=2)
        module_id = lesson.module_id
        db.session.commit()
        db.session.remove()
    response = client.get(f"/kursus/{SLUG}/modul/{module_id}.pdf")
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.get_data()))
    images = [img for page in reader.pages for img in page.images]
    assert len(images) == 1  # the photo; the missing picture is left out
    text = pdf_text(response.get_data(), tmp_path) if shutil.which("pdftotext") else ""
    if text:
        for words in ("Senin", "piket", "miring", "kode <b>", "Kutipan", "Tanda <para>"):
            assert words in text, words
        assert "https://contoh.id" in text


def test_a_saved_lesson_page_stays_within_the_query_budget(client, enrolled, count_queries):
    url = f"/kursus/{SLUG}/pelajaran/{enrolled[0][0]}"
    client.get(url, headers=OFFLINE)  # warm the outline cache
    with count_queries() as statements:
        response = client.get(url, headers=OFFLINE)
    assert response.status_code == 200 and "data-offline-copy" in response.get_data(as_text=True)
    assert len(statements) <= 3, statements
