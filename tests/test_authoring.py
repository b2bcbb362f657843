"""Course authoring in the browser (issue 13): a unit's authors copy, write, publish, compare,
restore, export and import courses in the courses/ format, checked by the import's loader."""

import io
import re
import stat
import zipfile

import pytest
from PIL import Image
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.authoring import services as authoring
from lms.authoring import tree
from lms.authoring.models import CourseDraft, CourseVersion
from lms.catalog.models import Course, Enrolment, Lesson, LessonProgress
from lms.cohorts import services as cohorts
from lms.content.loader import load_tree
from lms.extensions import db
from lms.issuers.models import Issuer
from lms.quizzes.models import Attempt, Quiz

from .conftest import PASSWORD, cohort_form, jpeg_bytes


def make_unit(code: str) -> int:
    unit = Issuer(
        name=f"Dinas Kominfo {code}",
        code=code,
        signatory_name="Teuku Ahmad, S.Kom.",
        signatory_title="Kepala Dinas",
        signatory_nip="197501012000031001",
        city="Bireuen",
    )
    db.session.add(unit)
    db.session.commit()
    return unit.id


@pytest.fixture
def units(app, sample_course, make_user):
    """Units A and B, each with an author (a trainer), and an admin who granted the rights."""
    admin = make_user(role="admin", login="admin@contoh.id")
    author = make_user(role="trainer", login="penulis@contoh.id", full_name="Penulis Bireuen")
    other = make_user(role="trainer", login="penulis2@contoh.id", full_name="Penulis Aceh")
    with app.app_context():
        a, b = make_unit("DKBIR"), make_unit("DKACE")
        admin_user = db.session.get(User, admin)
        authoring.grant_author(admin_user, db.session.get(User, author), db.session.get(Issuer, a))
        authoring.grant_author(admin_user, db.session.get(User, other), db.session.get(Issuer, b))
        db.session.remove()
    return {"a": a, "b": b, "admin": admin, "author": author, "other": other}


def sign_in(app, login):
    client = app.test_client()
    client.post("/masuk", data={"login": login, "password": PASSWORD})
    return client


def course_id(app, slug):
    with app.app_context():
        return db.session.scalar(select(Course.id).where(Course.slug == slug))


def draft_version(app, cid) -> int:
    with app.app_context():
        return db.session.scalar(select(CourseDraft.version).where(CourseDraft.course_id == cid))


def copy_sample(app, client, slug="cek-fakta-bireuen"):
    source = course_id(app, "kursus-contoh")
    response = client.post(
        "/penulis/kursus/baru",
        data={"source": str(source), "title": "Cek Fakta Bireuen", "slug": slug},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/penulis/kursus/(\d+)", response.headers["Location"]).group(1))


def publish(client, cid, app):
    response = client.post(
        f"/penulis/kursus/{cid}/terbitkan", data={"version": str(draft_version(app, cid))}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def unit_cohort(app, trainer_id, unit_id, slug, members=()):
    with app.app_context():
        trainer = db.session.get(User, trainer_id)
        cid = db.session.scalar(select(Course.id).where(Course.slug == slug))
        cohort = cohorts.create_cohort(
            trainer, cohorts.CohortInput(**cohort_form(course=str(cid), issuer=str(unit_id)))
        )
        for user_id in members:
            cohorts.join(db.session.get(User, user_id), cohort.join_code)
        db.session.remove()


# ---------------------------------------------------------------- who may author


def test_admin_grants_the_author_right_from_the_users_page(app, sample_course, make_user):
    admin = make_user(role="admin", login="admin@contoh.id")
    trainer = make_user(role="trainer", login="pelatih@contoh.id", full_name="Pelatih Satu")
    trainee = make_user(login="peserta@contoh.id")
    with app.app_context():
        unit = make_unit("DKBIR")
    assert sign_in(app, "pelatih@contoh.id").get("/penulis").status_code == 403

    client = sign_in(app, "admin@contoh.id")
    page = client.get("/admin/pengguna").get_data(as_text=True)
    assert f'action="/admin/pengguna/{trainer}/penulis"' in page
    assert f'action="/admin/pengguna/{trainee}/penulis"' not in page  # trainees cannot be
    response = client.post(
        f"/admin/pengguna/{trainer}/penulis", data={"unit": str(unit)}, follow_redirects=True
    )
    assert "Pelatih Satu sekarang menulis kursus untuk Dinas Kominfo DKBIR" in response.get_data(
        as_text=True
    )
    refused = client.post(
        f"/admin/pengguna/{trainee}/penulis", data={"unit": str(unit)}, follow_redirects=True
    )
    assert "Hanya pelatih dan administrator" in refused.get_data(as_text=True)

    author = sign_in(app, "pelatih@contoh.id")
    home = author.get("/penulis")
    assert home.status_code == 200
    assert "Dinas Kominfo DKBIR" in home.get_data(as_text=True)
    assert "/penulis" in author.get("/kelas").get_data(as_text=True)  # the way in

    client.post(f"/admin/pengguna/{trainer}/penulis", data={"unit": ""})
    assert author.get("/penulis").status_code == 403
    with app.app_context():
        assert db.session.get(User, admin) is not None


def test_shipped_courses_are_read_only_but_can_be_copied(app, units):
    client = sign_in(app, "penulis@contoh.id")
    shipped = course_id(app, "kursus-contoh")
    assert client.get(f"/penulis/kursus/{shipped}").status_code == 404  # managed as files
    cid = copy_sample(app, client)
    with app.app_context():
        course = db.session.get(Course, cid)
        assert (course.source, course.issuer_id, course.hidden) == ("browser", units["a"], True)
        files = db.session.scalar(select(CourseDraft.files).where(CourseDraft.course_id == cid))
        assert "01-pengenalan/01-apa-itu.md" in files or any(p.endswith(".md") for p in files)
        assert any(p.endswith("alur.svg") for p in files)  # images come along
    page = client.get(f"/penulis/kursus/{cid}").get_data(as_text=True)
    assert "Cek Fakta Bireuen" in page
    # Nothing shows to trainees before the first publication.
    assert app.test_client().get("/kursus/cek-fakta-bireuen").status_code == 404
    # The other unit's author finds nothing, not even the copy's pages.
    other = sign_in(app, "penulis2@contoh.id")
    assert other.get(f"/penulis/kursus/{cid}").status_code == 404
    assert "Cek Fakta Bireuen" not in other.get("/penulis").get_data(as_text=True)


def test_new_course_form_says_what_is_wrong_in_indonesian(app, units):
    client = sign_in(app, "penulis@contoh.id")
    response = client.post("/penulis/kursus/baru", data={"title": "", "slug": "Bukan Slug!"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Isi judul kursus" in html
    assert "huruf kecil, angka, dan tanda hubung" in html
    taken = client.post("/penulis/kursus/baru", data={"title": "X", "slug": "kursus-contoh"})
    assert taken.status_code == 400 and "sudah dipakai" in taken.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Course.id))) == 1


# ---------------------------------------------------------------- writing


def test_write_a_lesson_with_a_photo_preview_and_word_count(app, units):
    client = sign_in(app, "penulis@contoh.id")
    cid = copy_sample(app, client)
    response = client.post(
        f"/penulis/kursus/{cid}",
        data={
            "action": "add-module",
            "title": "Hoaks di Bireuen",
            "version": draft_version(app, cid),
        },
    )
    assert response.status_code == 302
    with app.app_context():
        files = db.session.scalar(select(CourseDraft.files).where(CourseDraft.course_id == cid))
    folder = next(p.split("/")[0] for p in files if "hoaks-di-bireuen" in p)
    assert folder.startswith("03-")

    # A 3000 px phone photo with its location in EXIF: shrunk, upright, without metadata.
    photo = jpeg_bytes(size=(3000, 2000), gps=True)
    response = client.post(
        f"/penulis/kursus/{cid}/modul/{folder}",
        data={
            "action": "image",
            "version": draft_version(app, cid),
            "image": (io.BytesIO(photo), "Pasar Bireuen.JPG"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    markdown = re.search(
        r'value="(!\[[^"]*\]\(pasar-bireuen\.jpg\))"', response.get_data(as_text=True)
    )
    assert markdown, response.get_data(as_text=True)
    with app.app_context():
        entry = db.session.scalar(select(CourseDraft.files).where(CourseDraft.course_id == cid))[
            f"{folder}/pasar-bireuen.jpg"
        ]
        stored = tree.entry_bytes(entry)
    with Image.open(io.BytesIO(stored)) as image:
        assert max(image.size) == 1600
        assert not image.getexif()

    lesson = f"{folder}/01-pengantar.md"
    body = (
        "## Kabar bohong di pasar\n\nFoto ini beredar di grup WhatsApp warga.\n\n"
        "![Pasar Bireuen pagi hari](pasar-bireuen.jpg)\n\n"
        "<script>alert(1)</script> [klik](javascript:alert(1)) **Periksa dulu.**"
    )
    preview = client.post(
        f"/penulis/kursus/{cid}/pelajaran/{lesson}",
        data={"action": "preview", "title": "Kabar di pasar", "minutes": "5", "body": body},
    )
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    article = html.split('class="lesson preview-box">', 1)[1].split("</article>", 1)[0]
    assert "<script" not in article and "javascript:" not in article
    assert f'src="/penulis/kursus/{cid}/media/{folder}/pasar-bireuen.jpg"' in article
    assert "<strong>Periksa dulu.</strong>" in article
    assert client.get(f"/penulis/kursus/{cid}/media/{folder}/pasar-bireuen.jpg").data == stored

    saved = client.post(
        f"/penulis/kursus/{cid}/pelajaran/{lesson}",
        data={
            "action": "save",
            "title": "Kabar di pasar",
            "minutes": "5",
            "body": body,
            "version": draft_version(app, cid),
        },
        follow_redirects=True,
    )
    page = saved.get_data(as_text=True)
    assert "Pelajaran disimpan di draf" in page
    assert re.search(r"\d+ kata", page)


def test_refused_lesson_keeps_the_text_and_says_why(app, units):
    client = sign_in(app, "penulis@contoh.id")
    cid = copy_sample(app, client)
    lesson = "01-pengenalan/01-apa-itu.md"
    with app.app_context():
        files = db.session.scalar(select(CourseDraft.files).where(CourseDraft.course_id == cid))
        lesson = next(p for p in files if p.startswith("01-") and p.endswith(".md"))
    body = "Lihat foto ini: ![foto](https://contoh.id/foto.jpg)"
    response = client.post(
        f"/penulis/kursus/{cid}/pelajaran/{lesson}",
        data={"title": "", "minutes": "x", "body": body, "version": draft_version(app, cid)},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Wajib diisi." in html  # the title, next to the field
    assert "Gambar dari situs lain tidak boleh" in html
    assert "https://contoh.id/foto.jpg" in html  # the text typed is still in the form
    preview = client.post(
        f"/penulis/kursus/{cid}/pelajaran/{lesson}",
        data={"action": "preview", "title": "T", "minutes": "5", "body": body},
    ).get_data(as_text=True)
    assert "https://contoh.id/foto.jpg" not in preview.split('preview-box">', 1)[1]  # never fetched


def test_two_authors_saving_the_same_lesson(app, units, make_user):
    first = sign_in(app, "penulis@contoh.id")
    cid = copy_sample(app, first)
    with app.app_context():
        second_author = make_user(role="trainer", login="penulis3@contoh.id")
        authoring.grant_author(
            db.session.get(User, units["admin"]),
            db.session.get(User, second_author),
            db.session.get(Issuer, units["a"]),
        )
        files = db.session.scalar(select(CourseDraft.files).where(CourseDraft.course_id == cid))
        lesson = next(p for p in files if p.startswith("01-") and p.endswith(".md"))
    second = sign_in(app, "penulis3@contoh.id")
    opened = draft_version(app, cid)  # both opened the page at this version
    form = {"action": "save", "title": "Judul", "minutes": "5", "version": opened}
    ok = first.post(f"/penulis/kursus/{cid}/pelajaran/{lesson}", data={**form, "body": "Versi A"})
    assert ok.status_code == 302
    late = second.post(
        f"/penulis/kursus/{cid}/pelajaran/{lesson}", data={**form, "body": "Versi B"}
    )
    assert late.status_code == 409
    html = late.get_data(as_text=True)
    assert "sejak Anda membuka halaman ini" in html
    assert "Versi B" in html  # their text is not lost
    with app.app_context():
        files = db.session.scalar(select(CourseDraft.files).where(CourseDraft.course_id == cid))
    assert "Versi A" in files[lesson]["text"] and "Versi B" not in files[lesson]["text"]


def test_reorder_and_remove_modules_and_lessons(app, units):
    client = sign_in(app, "penulis@contoh.id")
    cid = copy_sample(app, client)

    def folders():
        with app.app_context():
            files = db.session.scalar(select(CourseDraft.files).where(CourseDraft.course_id == cid))
        return sorted({p.split("/")[0] for p in files if "/" in p})

    before = folders()
    assert [f[3:] for f in before] == ["pengenalan", "praktik"]
    client.post(
        f"/penulis/kursus/{cid}",
        data={"action": "down", "folder": before[0], "version": draft_version(app, cid)},
    )
    assert [f[3:] for f in folders()] == ["praktik", "pengenalan"]
    module = folders()[1]
    client.post(
        f"/penulis/kursus/{cid}/modul/{module}",
        data={
            "action": "add-lesson",
            "lesson_title": "Latihan Tambahan",
            "version": draft_version(app, cid),
        },
    )
    with app.app_context():
        files = db.session.scalar(select(CourseDraft.files).where(CourseDraft.course_id == cid))
    lessons = sorted(p for p in files if p.startswith(module) and p.endswith(".md"))
    assert lessons[-1].endswith("-latihan-tambahan.md")
    client.post(
        f"/penulis/kursus/{cid}/modul/{module}",
        data={"action": "up", "path": lessons[-1], "version": draft_version(app, cid)},
    )
    with app.app_context():
        files = db.session.scalar(select(CourseDraft.files).where(CourseDraft.course_id == cid))
    moved = sorted(p for p in files if p.startswith(module) and p.endswith(".md"))
    assert moved[-2].endswith("-latihan-tambahan.md")
    client.post(
        f"/penulis/kursus/{cid}",
        data={"action": "remove", "folder": folders()[0], "version": draft_version(app, cid)},
    )
    assert [f[3:] for f in folders()] == ["pengenalan"]
    assert folders()[0].startswith("01-")  # renumbered


QUESTIONS = {
    "single": {"option-0": "Cek sumber", "option-1": "Langsung sebar", "correct": "0"},
    "multiple": {
        "option-0": "Cek tanggal",
        "option-1": "Cek sumber",
        "option-2": "Percaya judul",
        "correct": ["0", "1"],
    },
    "true_false": {"answer": "false"},
    "short_answer": {"answers": "Mafindo\nmafindo.or.id"},
    "matching": {
        "left-0": "Satire",
        "right-0": "Lelucon",
        "left-1": "Konten palsu",
        "right-1": "Sumber tiruan",
    },
}


def test_a_quiz_with_all_five_question_types_and_its_rules(app, units):
    client = sign_in(app, "penulis@contoh.id")
    cid = copy_sample(app, client)
    module = "02-praktik"
    for qtype, fields in QUESTIONS.items():
        response = client.post(
            f"/penulis/kursus/{cid}/kuis/{module}/soal?jenis={qtype}",
            data={
                "prompt": f"Soal {qtype} Bireuen?",
                "explanation": "Karena begitulah cara memeriksa kabar.",
                "version": draft_version(app, cid),
                **fields,
            },
        )
        assert response.status_code == 302, (qtype, response.get_data(as_text=True))
    with app.app_context():
        files = db.session.scalar(select(CourseDraft.files).where(CourseDraft.course_id == cid))
    text = files[f"{module}/quiz.yaml"]["text"]
    for qtype in QUESTIONS:
        assert f"type: {qtype}" in text

    # Every rule of the check applies on save, next to the field, in Indonesian.
    bad = client.post(
        f"/penulis/kursus/{cid}/kuis/{module}/soal?jenis=single",
        data={
            "prompt": "Tanpa jawaban benar?",
            "explanation": "x",
            "option-0": "A",
            "option-1": "B",
        },
    )
    assert bad.status_code == 400
    assert "Tandai tepat satu pilihan sebagai jawaban benar" in bad.get_data(as_text=True)
    bad = client.post(
        f"/penulis/kursus/{cid}/kuis/{module}",
        data={"title": "Kuis", "pass_mark": "150", "questions_per_attempt": "99"},
    )
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert "Isi angka dari 0 sampai 100" in html
    settings = client.post(
        f"/penulis/kursus/{cid}/kuis/{module}",
        data={
            "title": "Kuis Praktik",
            "pass_mark": "60",
            "max_attempts": "3",
            "cooldown_minutes": "10",
            "time_limit_minutes": "15",
            "questions_per_attempt": "4",
            "shuffle_options": "y",
            "review": "after_pass",
            "version": draft_version(app, cid),
        },
    )
    assert settings.status_code == 302
    page = client.get(f"/penulis/kursus/{cid}/kuis/{module}").get_data(as_text=True)
    assert 'value="15"' in page and "Soal matching Bireuen?" in page


def test_publish_shows_the_changes_and_trainees_of_the_unit_take_the_quiz(app, units, make_user):
    client = sign_in(app, "penulis@contoh.id")
    cid = copy_sample(app, client)
    for qtype, fields in QUESTIONS.items():
        client.post(
            f"/penulis/kursus/{cid}/kuis/02-praktik/soal?jenis={qtype}",
            data={"prompt": f"Soal {qtype}?", "explanation": "Penjelasan.", **fields},
        )
    summary = client.get(f"/penulis/kursus/{cid}/terbitkan").get_data(as_text=True)
    assert "Pelajaran ditambahkan" in summary
    # Counts are whole numbers ("3", not "3,0").
    counts = re.findall(r"<dd>([^<]*)", summary)
    assert counts and all(c.isdecimal() for c in counts), counts
    publish(client, cid, app)
    with app.app_context():
        course = db.session.get(Course, cid)
        assert not course.hidden and course.version == "1"
        version = db.session.scalar(select(CourseVersion).where(CourseVersion.course_id == cid))
        assert version.published_by_id == units["author"]
    trainer = make_user(role="trainer", login="pelatih@contoh.id")
    member = make_user(login="peserta@contoh.id")
    outsider = make_user(login="luar@contoh.id")
    unit_cohort(app, trainer, units["a"], "cek-fakta-bireuen", members=[member])

    inside = sign_in(app, "peserta@contoh.id")
    assert inside.get("/kursus/cek-fakta-bireuen").status_code == 200
    with app.app_context():
        quiz = db.session.scalar(
            select(Quiz.id).join(Course).where(Course.id == cid, Quiz.key == "module:praktik")
        )
    started = inside.post(f"/kursus/cek-fakta-bireuen/kuis/{quiz}/mulai")
    assert started.status_code == 302 and "/percobaan/" in started.headers["Location"]
    paper = inside.get(started.headers["Location"]).get_data(as_text=True)
    assert "Soal matching?" in paper and "Soal short_answer?" in paper

    # Only the unit's cohorts see it: others get "not found" and no catalogue entry.
    away = sign_in(app, "luar@contoh.id")
    assert away.get("/kursus/cek-fakta-bireuen").status_code == 404
    assert "Cek Fakta Bireuen" not in away.get("/kursus").get_data(as_text=True)
    assert away.post("/kursus/cek-fakta-bireuen/daftar").status_code == 404
    other_author = sign_in(app, "penulis2@contoh.id")
    assert other_author.get("/kursus/cek-fakta-bireuen").status_code == 404
    # Its pictures too: only the unit's people get them, and never from a shared cache.
    picture = "/kursus/cek-fakta-bireuen/media/01-pengenalan/alur.svg"
    for outside in (away, other_author, app.test_client()):
        assert outside.get(picture).status_code == 404
    seen = inside.get(picture)
    assert seen.status_code == 200 and seen.headers["Cache-Control"].startswith("private")
    # And its lesson discussions: a trainer of another unit may not read them.
    with app.app_context():
        lesson = db.session.scalar(
            select(Lesson.id).where(Lesson.module.has(course_id=cid)).order_by(Lesson.id)
        )
    board = f"/kursus/cek-fakta-bireuen/pelajaran/{lesson}/diskusi"
    assert other_author.get(board).status_code == 404
    assert inside.get(board).status_code == 200
    public = app.test_client().get("/kursus/kursus-contoh/media/01-pengenalan/alur.svg")
    assert public.status_code == 200 and public.headers["Cache-Control"].startswith("public")
    with app.app_context():
        assert db.session.get(User, outsider) is not None

    # Public visibility puts it in the catalogue.
    meta = {
        "action": "settings",
        "title": "Cek Fakta Bireuen",
        "summary": "Memeriksa kabar di Bireuen.",
        "level": "dasar",
        "hours": "3",
        "certificate_title": "Sertifikat Cek Fakta",
        "requires": ["all_lessons"],
        "visibility": "public",
        "version": draft_version(app, cid),
    }
    assert client.post(f"/penulis/kursus/{cid}", data=meta).status_code == 302
    assert "Cek Fakta Bireuen" in away.get("/kursus").get_data(as_text=True)


def test_publishing_keeps_progress_hides_removed_lessons_and_open_papers(app, units, make_user):
    client = sign_in(app, "penulis@contoh.id")
    cid = copy_sample(app, client)
    publish(client, cid, app)
    trainer = make_user(role="trainer", login="pelatih@contoh.id")
    member = make_user(login="peserta@contoh.id")
    unit_cohort(app, trainer, units["a"], "cek-fakta-bireuen", members=[member])
    trainee = sign_in(app, "peserta@contoh.id")
    with app.app_context():
        lessons = db.session.execute(
            select(Lesson.id, Lesson.slug)
            .join(Lesson.module)
            .where(Lesson.module.has(course_id=cid))
            .order_by(Lesson.id)
        ).all()
        quiz = db.session.scalar(
            select(Quiz.id).join(Course).where(Course.id == cid, Quiz.key == "module:pengenalan")
        )
    first = lessons[0]
    last = next(lesson for lesson in lessons if lesson.slug == "adinda")
    trainee.post(f"/kursus/cek-fakta-bireuen/pelajaran/{first.id}/selesai")
    started = trainee.post(f"/kursus/cek-fakta-bireuen/kuis/{quiz}/mulai")
    attempt_url = started.headers["Location"]
    assert "Siapa yang membentuk KIM?" in trainee.get(attempt_url).get_data(as_text=True)

    with app.app_context():
        files = db.session.scalar(select(CourseDraft.files).where(CourseDraft.course_id == cid))
        removed = next(p for p in files if p.endswith(f"-{last.slug}.md"))
    # The author rewrites the question the open attempt shows, and removes a lesson.
    edited = client.post(
        f"/penulis/kursus/{cid}/kuis/01-pengenalan/soal?id=siapa-membentuk",
        data={
            "prompt": "Siapa pembentuk KIM di gampong?",
            "explanation": "Masyarakat sendiri.",
            "option-0": "Masyarakat sendiri",
            "option-1": "Perusahaan swasta",
            "correct": "0",
            "version": draft_version(app, cid),
        },
    )
    assert edited.status_code == 302, edited.get_data(as_text=True)
    client.post(
        f"/penulis/kursus/{cid}/modul/{removed.split('/')[0]}",
        data={"action": "remove", "path": removed, "version": draft_version(app, cid)},
    )
    summary = client.get(f"/penulis/kursus/{cid}/terbitkan").get_data(as_text=True)
    assert "Pelajaran disembunyikan" in summary and "Kuis diubah" in summary
    publish(client, cid, app)
    with app.app_context():
        assert db.session.get(Lesson, last.id).hidden  # hidden, not deleted
        done = select(func.count(LessonProgress.id)).where(LessonProgress.lesson_id == first.id)
        assert db.session.scalar(done) == 1
        assert db.session.scalar(select(func.count(Attempt.id))) == 1
    paper = trainee.get(attempt_url).get_data(as_text=True)
    assert "Siapa yang membentuk KIM?" in paper  # the open attempt keeps its paper
    assert "Siapa pembentuk KIM di gampong?" not in paper


def test_versions_compare_and_restore(app, units):
    client = sign_in(app, "penulis@contoh.id")
    cid = copy_sample(app, client)
    publish(client, cid, app)
    client.post(
        f"/penulis/kursus/{cid}",
        data={"action": "add-module", "title": "Modul Lokal", "version": draft_version(app, cid)},
    )
    publish(client, cid, app)
    page = client.get(f"/penulis/kursus/{cid}/versi?a=1&b=2").get_data(as_text=True)
    assert "Versi 2" in page and "Penulis Bireuen" in page
    assert "03-modul-lokal/module.yaml" in page and "+title: Modul Lokal" in page
    assert client.get(f"/penulis/kursus/{cid}/versi?a=1&b=9").status_code == 404
    assert client.post(f"/penulis/kursus/{cid}/versi/1/pulihkan").status_code == 302
    with app.app_context():
        draft = db.session.scalar(select(CourseDraft).where(CourseDraft.course_id == cid))
        v1 = db.session.scalar(
            select(CourseVersion.files).where(
                CourseVersion.course_id == cid, CourseVersion.number == 1
            )
        )
        assert draft.files == v1
        assert db.session.get(Course, cid).version == "2"  # trainees still see version 2


# ---------------------------------------------------------------- export and import


def zip_of(entries: dict, symlink: str | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
    return out.getvalue()


def exported(client, cid) -> bytes:
    response = client.get(f"/penulis/ekspor/{cid}.zip")
    assert response.status_code == 200
    assert response.content_type == "application/zip"
    return response.data


@pytest.mark.parametrize(
    "entries, symlink, message",
    [
        ({"kursus/../../etc/cron.d/x.yaml": "a: 1"}, None, "Jalur di luar folder kursus"),
        ({"/abs/course.yaml": "a: 1"}, None, "Jalur di luar folder kursus"),
        ({"kursus/course.yaml": "a: 1"}, "kursus/01-a/link.md", "Tautan, bukan berkas"),
        ({"kursus/course.yaml": "a: 1", "kursus/lain.zip": "PK"}, None, "Arsip di dalam arsip"),
        ({f"kursus/{i:03d}.md": "x" for i in range(501)}, None, "Lebih dari 500 berkas"),
        ({"kursus/course.yaml": "a" * (21 * 1024 * 1024)}, None, "Lebih dari 20 MB"),
        ({"kursus/catatan.exe": "MZ"}, None, "Berkas tak terduga"),
    ],
)
def test_unsafe_zips_are_refused_and_nothing_is_written(app, units, entries, symlink, message):
    client = sign_in(app, "penulis@contoh.id")
    with app.app_context():
        courses = db.session.scalar(select(func.count(Course.id)))
    response = client.post(
        "/penulis/impor",
        data={"zip": (io.BytesIO(zip_of(entries, symlink)), "kursus.zip"), "slug": "kursus"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Course.id))) == courses


def test_not_a_zip_and_a_zip_with_problems(app, units):
    client = sign_in(app, "penulis@contoh.id")
    junk = client.post(
        "/penulis/impor",
        data={"zip": (io.BytesIO(b"\x00\xff" * 100), "a.zip")},
        content_type="multipart/form-data",
    )
    assert junk.status_code == 400 and "bukan berkas ZIP" in junk.get_data(as_text=True)
    cid = copy_sample(app, client)
    data = exported_draft = None
    publish(client, cid, app)
    data = exported(client, cid)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        entries = {n: archive.read(n) for n in archive.namelist()}
    entries["cek-fakta-bireuen/course.yaml"] = entries["cek-fakta-bireuen/course.yaml"].replace(
        b"level: dasar", b"level: super"
    )
    response = client.post(
        "/penulis/impor",
        data={"zip": (io.BytesIO(zip_of(entries)), "x.zip"), "slug": "salinan-rusak"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "salinan-rusak/course.yaml:" in html and "&#39;level&#39; must be one of" in html
    assert course_id(app, "salinan-rusak") is None
    assert exported_draft is None


def test_round_trip_a_shipped_course_reports_zero_changes(app, units, runner, tmp_path):
    client = sign_in(app, "penulis@contoh.id")
    shipped = course_id(app, "kursus-contoh")
    data = exported(client, shipped)
    with app.app_context():
        folder, files = tree.read_zip(data)
        assert folder == "kursus-contoh"
        course, problems = tree.load(files, "kursus-contoh")
        assert problems == []
        savepoint = db.session.begin_nested()
        from lms.content.sync import sync

        report = sync([course], hide_missing=False)
        savepoint.rollback()
        assert report.total("created") == report.total("updated") == report.total("hidden") == 0
        db.session.remove()
    # Importing the export as a unit's course gives the same course.
    response = client.post(
        "/penulis/impor",
        data={"zip": (io.BytesIO(data), "kursus-contoh.zip"), "slug": "contoh-bireuen"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    new = course_id(app, "contoh-bireuen")
    with app.app_context():
        draft = db.session.scalar(select(CourseDraft.files).where(CourseDraft.course_id == new))
        assert {p: e.get("text") for p, e in draft.items()} == {
            p: e.get("text") for p, e in files.items()
        }
    # The command line does the same, and the export passes `courses check`.
    result = runner.invoke(args=["courses", "export", "kursus-contoh", str(tmp_path)])
    assert result.exit_code == 0, result.output
    _, problems = load_tree(tmp_path / "kursus-contoh")
    assert problems == []
    check = runner.invoke(args=["courses", "check", str(tmp_path)])
    assert check.exit_code == 0, check.output


def test_an_authored_course_exports_and_passes_the_check(app, units, runner, tmp_path):
    client = sign_in(app, "penulis@contoh.id")
    cid = copy_sample(app, client)
    client.post(
        f"/penulis/kursus/{cid}",
        data={
            "action": "cover",
            "version": draft_version(app, cid),
            "cover": (io.BytesIO(jpeg_bytes(size=(2400, 1200))), "sampul.jpg"),
        },
        content_type="multipart/form-data",
    )
    publish(client, cid, app)
    with app.app_context():
        assert db.session.get(Course, cid).cover == "sampul.jpg"
    catalogue = client.get("/kursus/cek-fakta-bireuen").get_data(as_text=True)
    assert 'src="/kursus/cek-fakta-bireuen/media/sampul.jpg"' in catalogue
    with zipfile.ZipFile(io.BytesIO(exported(client, cid))) as archive:
        archive.extractall(tmp_path)
    check = runner.invoke(args=["courses", "check", str(tmp_path)])
    assert check.exit_code == 0, check.output
    with Image.open(tmp_path / "cek-fakta-bireuen" / "sampul.jpg") as cover:
        assert cover.width == 800
    # Another unit's author cannot export a course only for unit A.
    assert sign_in(app, "penulis2@contoh.id").get(f"/penulis/ekspor/{cid}.zip").status_code == 404


# ---------------------------------------------------------------- scale


def test_authoring_pages_run_a_bounded_number_of_queries(app, units, count_queries):
    client = sign_in(app, "penulis@contoh.id")
    cid = copy_sample(app, client)
    pages = [
        f"/penulis/kursus/{cid}",
        f"/penulis/kursus/{cid}/modul/01-pengenalan",
        f"/penulis/kursus/{cid}/kuis/01-pengenalan",
        f"/penulis/kursus/{cid}/terbitkan",
    ]

    def counts():
        result = []
        for url in pages:
            with count_queries() as statements:
                assert client.get(url).status_code == 200
            result.append(len(statements))
        return result

    publish(client, cid, app)
    small = counts()
    for i in range(12):
        client.post(
            f"/penulis/kursus/{cid}",
            data={
                "action": "add-module",
                "title": f"Modul {i}",
                "version": draft_version(app, cid),
            },
        )
    publish(client, cid, app)
    large = counts()
    assert large == small, (small, large)
    assert max(large) <= 40, large


def test_enrolment_survives_a_republication(app, units, make_user):
    """Enrolments and the course's id stay: a publication never recreates the course."""
    client = sign_in(app, "penulis@contoh.id")
    cid = copy_sample(app, client)
    publish(client, cid, app)
    trainer = make_user(role="trainer", login="pelatih@contoh.id")
    member = make_user(login="peserta@contoh.id")
    unit_cohort(app, trainer, units["a"], "cek-fakta-bireuen", members=[member])
    client.post(
        f"/penulis/kursus/{cid}",
        data={"action": "add-module", "title": "Tambahan", "version": draft_version(app, cid)},
    )
    publish(client, cid, app)
    with app.app_context():
        assert (
            db.session.scalar(select(func.count(Enrolment.id)).where(Enrolment.course_id == cid))
            == 1
        )
        assert course_id(app, "cek-fakta-bireuen") == cid
