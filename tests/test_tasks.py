"""Practice tasks (issue 14): handing in with photos, trainer reviews with revision, peer review
on the median, photos private to who may see the work, bad input, privacy and scale."""

import io
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from sqlalchemy import func, select

from lms.catalog.models import Course
from lms.extensions import db
from lms.storage import StoredFile
from lms.tasks.models import PeerAssignment, Task, TaskPhoto, TaskRound, TaskWork

from .conftest import PASSWORD, hand_in_task, jpeg_bytes

TEXT = " ".join(["Gotong royong membersihkan saluran air di Gampong Meunasah"] * 6)


def sign_in(app, login):
    client = app.test_client()
    client.post("/masuk", data={"login": login, "password": PASSWORD})
    return client


def task_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(Task.id))


def task_url(app) -> str:
    return f"/kursus/kursus-contoh/tugas/{task_id(app)}"


def work_row(app, email):
    from lms.accounts.models import User

    with app.app_context():
        work = db.session.scalar(
            select(TaskWork).join(User, User.id == TaskWork.user_id).where(User.email == email)
        )
        if work is not None:
            db.session.expunge(work)
        return work


def post_work(client, url, action="save", text=TEXT, photos=(), link="", remove=(), version=None):
    data = {"action": action, "text": text, "link": link}
    if version is not None:
        data["version"] = str(version)
    data["photos"] = [(io.BytesIO(p), f"foto{i}.jpg") for i, p in enumerate(photos)]
    if remove:
        data["remove"] = list(remove)
    return client.post(url, data=data, content_type="multipart/form-data")


@pytest.fixture
def cohort_world(app, sample_course, make_user, make_cohort):
    trainer = make_user(role="trainer", login="pelatih@contoh.id", full_name="Pelatih Bireuen")
    trainee = make_user(login="peserta@contoh.id", full_name="Cut Nyak Dhien")
    cohort_id, _ = make_cohort(trainer, members=[trainee])
    return {"trainer": trainer, "trainee": trainee, "cohort": cohort_id}


def test_the_task_is_synced_from_the_course_files(app, sample_course):
    with app.app_context():
        [task] = db.session.scalars(select(Task)).all()
        assert task.key == "module:praktik" and task.pass_score == 4 and task.max_score == 6
        assert task.submit["photos"] == {"min": 1, "max": 2} and task.review == "trainer_or_peer"


def test_a_trainee_saves_a_draft_with_a_photo_whose_location_is_removed(app, cohort_world):
    client = sign_in(app, "peserta@contoh.id")
    page = client.get(task_url(app)).get_data(as_text=True)
    assert "Tulis kabar desa dengan 5W+1H" in page and "Kelengkapan 5W+1H" in page
    big = jpeg_bytes(size=(4000, 3000), gps=True)
    response = post_work(client, task_url(app), photos=[big])
    assert response.status_code == 302
    work = work_row(app, "peserta@contoh.id")
    assert work.status == "draft" and work.draft_text == TEXT and len(work.draft_photos) == 1
    served = client.get(f"/tugas/foto/{work.draft_photos[0]}")
    assert served.status_code == 200 and served.content_type == "image/jpeg"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    image = Image.open(io.BytesIO(served.data))
    assert max(image.size) == 1600 and image.getexif() == {}  # resized, no EXIF (no GPS)
    assert b"Pabrikan Ponsel" not in served.data
    # The draft survives: the page shows it again.
    again = client.get(task_url(app)).get_data(as_text=True)
    assert "Gotong royong" in again and "Foto yang tersimpan di draf Anda" in again


def test_handing_in_checks_what_the_task_asks_and_writes_nothing_when_refused(app, cohort_world):
    client = sign_in(app, "peserta@contoh.id")
    short = post_work(client, task_url(app), action="submit", text="terlalu pendek")
    html = short.get_data(as_text=True)
    assert short.status_code == 400
    assert "Tulis minimal 30 kata (sekarang 2)" in html and "Tambahkan 1 sampai 2 foto" in html
    assert work_row(app, "peserta@contoh.id") is None  # nothing written
    bad_link = post_work(client, task_url(app), text=TEXT, link="javascript:alert(1)")
    assert bad_link.status_code == 400 and "https://" in bad_link.get_data(as_text=True)
    three = post_work(client, task_url(app), photos=[jpeg_bytes()] * 3)
    assert three.status_code == 400 and "Maksimal 2 foto" in three.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(TaskPhoto.id))) == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "bukan foto"),
        (b"GIF89a" + b"\x00" * 100, "bukan foto"),
        (jpeg_bytes()[:200], "bukan foto"),  # cut off
        (jpeg_bytes(fmt="GIF"), "bukan foto"),
        (jpeg_bytes(size=(10, 10)), "megapiksel"),
        (b"\xff\xd8" + b"x" * (10 * 1024 * 1024 + 10), "lebih besar dari 10 MB"),
    ],
)
def test_bad_photos_get_a_clear_message(app, cohort_world, content, message):
    client = sign_in(app, "peserta@contoh.id")
    response = client.post(
        task_url(app),
        data={"action": "save", "text": TEXT, "photos": [(io.BytesIO(content), "x.jpg")]},
        content_type="multipart/form-data",
    )
    if content:
        assert response.status_code == 400 and message in response.get_data(as_text=True)
    else:
        assert response.status_code == 302  # an empty file input is no photo at all
    with app.app_context():
        assert db.session.scalar(select(func.count(StoredFile.id))) == 0


def test_a_decompression_bomb_is_refused(app, cohort_world):
    bomb = io.BytesIO()
    Image.new("1", (30000, 30000)).save(bomb, format="PNG")  # tiny file, 900 megapixels
    client = sign_in(app, "peserta@contoh.id")
    response = post_work(client, task_url(app), photos=[bomb.getvalue()])
    assert response.status_code == 400 and "megapiksel" in response.get_data(as_text=True)


def test_trainer_asks_for_a_revision_then_passes_the_resubmission(app, cohort_world):
    """Issue 14's cohort journey, over HTTP: hand in → revision with comments → resubmit
    (history kept) → pass; the course then counts it."""
    trainee = sign_in(app, "peserta@contoh.id")
    post_work(trainee, task_url(app), photos=[jpeg_bytes()])
    assert post_work(trainee, task_url(app), action="submit").status_code == 302
    assert "Menunggu penilaian" in trainee.get(task_url(app)).get_data(as_text=True)

    trainer = sign_in(app, "pelatih@contoh.id")
    cohort = cohort_world["cohort"]
    queue = trainer.get(f"/kelas/{cohort}/tugas").get_data(as_text=True)
    assert "Cut Nyak Dhien" in queue and "Tulis kabar desa" in queue
    assert "1 menunggu" in trainer.get(f"/kelas/{cohort}").get_data(as_text=True)
    round_id = int(re.search(rf"/kelas/{cohort}/tugas/(\d+)", queue).group(1))
    url = f"/kelas/{cohort}/tugas/{round_id}"
    review = trainer.get(url).get_data(as_text=True)
    assert "Gotong royong" in review and "/tugas/foto/" in review
    levels = {"points-kelengkapan-5w1h": "2", "points-foto-dan-keterangan": "0"}
    too_low = trainer.post(url, data={**levels, "action": "pass"})
    assert too_low.status_code == 400 and "di bawah batas lulus" in too_low.get_data(as_text=True)
    silent = trainer.post(url, data={**levels, "action": "revise"})
    assert silent.status_code == 400 and "tulis komentar" in silent.get_data(as_text=True)
    tampered = trainer.post(
        url, data={**levels, "points-foto-dan-keterangan": "9", "action": "revise"}
    )
    assert tampered.status_code == 400
    sent = trainer.post(
        url,
        data={
            **levels,
            "comment-foto-dan-keterangan": "Tambahkan keterangan siapa dan di mana.",
            "comment": "Kabarnya sudah bagus, lengkapi fotonya.",
            "action": "revise",
        },
    )
    assert sent.status_code == 302
    full = {"points-kelengkapan-5w1h": "4", "points-foto-dan-keterangan": "2", "action": "pass"}
    assert trainer.post(url, data=full).status_code == 409  # already decided

    page = trainee.get(task_url(app)).get_data(as_text=True)
    assert "Perlu revisi" in page and "Tambahkan keterangan siapa dan di mana." in page
    assert "Penilaian dari pelatih Anda" in page and "2 dari 6 poin" in page
    version = work_row(app, "peserta@contoh.id").version
    assert post_work(trainee, task_url(app), action="submit", version=version).status_code == 302
    work = work_row(app, "peserta@contoh.id")
    assert (work.status, work.rounds) == ("submitted", 2)

    second = int(
        re.search(
            rf"/kelas/{cohort}/tugas/(\d+)",
            trainer.get(f"/kelas/{cohort}/tugas").get_data(as_text=True),
        ).group(1)
    )
    assert second != round_id
    earlier = trainer.get(f"/kelas/{cohort}/tugas/{second}").get_data(as_text=True)
    assert "Kiriman sebelumnya" in earlier
    passed = trainer.post(
        f"/kelas/{cohort}/tugas/{second}",
        data={"points-kelengkapan-5w1h": "4", "points-foto-dan-keterangan": "2", "action": "pass"},
    )
    assert passed.status_code == 302
    page = trainee.get(task_url(app)).get_data(as_text=True)
    assert "Lulus" in page and "6 dari 6 poin" in page and "Kiriman ke-1" in page
    course = trainee.get("/kursus/kursus-contoh").get_data(as_text=True)
    assert "Tugas praktik: Tulis kabar desa dengan 5W+1H" in course and "lulus" in course


def test_the_certificate_can_require_the_tasks(app, cohort_world):
    from lms.accounts.models import User
    from lms.completion.services import status_of

    from .conftest import complete_course

    complete_course(app, cohort_world["trainee"])
    with app.app_context():
        course = db.session.scalar(select(Course))
        course.certificate_requires = [*course.certificate_requires, "tasks"]
        db.session.commit()
        status = status_of(cohort_world["trainee"], course)
        assert not status.complete and status.missing == ["tasks"]
    hand_in_task(app, cohort_world["trainee"])
    with app.app_context():
        entry = db.session.scalar(select(TaskRound))
        from lms.tasks import services as tasks

        tasks.review_as_staff(
            db.session.get(User, cohort_world["trainer"]),
            entry,
            tasks.Decision(
                points={"kelengkapan-5w1h": "4", "foto-dan-keterangan": "2"},
                comments={},
                outcome="passed",
            ),
        )
        course = db.session.scalar(select(Course))
        assert status_of(cohort_world["trainee"], course).complete


def test_another_trainer_and_other_trainees_cannot_see_or_review_the_work(
    app, cohort_world, make_user
):
    _, round_id = hand_in_task(app, cohort_world["trainee"])
    make_user(role="trainer", login="lain@contoh.id")
    make_user(login="tetangga@contoh.id")
    with app.app_context():
        key = db.session.scalar(select(TaskPhoto.key))
    other_trainer = sign_in(app, "lain@contoh.id")
    assert other_trainer.get(f"/kelas/{cohort_world['cohort']}/tugas/{round_id}").status_code == 404
    assert other_trainer.get(f"/tugas/foto/{key}").status_code == 404
    neighbour = sign_in(app, "tetangga@contoh.id")
    assert neighbour.get(f"/tugas/foto/{key}").status_code == 404
    assert neighbour.get(f"/kelas/{cohort_world['cohort']}/tugas").status_code == 403
    assert app.test_client().get(f"/tugas/foto/{key}").status_code == 302  # sign in first
    assert sign_in(app, "pelatih@contoh.id").get(f"/tugas/foto/{key}").status_code == 200


def test_a_double_submit_hands_in_once(app, cohort_world):
    client = sign_in(app, "peserta@contoh.id")
    post_work(client, task_url(app), photos=[jpeg_bytes()])
    version = work_row(app, "peserta@contoh.id").version
    first = post_work(client, task_url(app), action="submit", version=version)
    second = post_work(client, task_url(app), action="submit", version=version)
    assert first.status_code == 302 and second.status_code == 409
    with app.app_context():
        assert db.session.scalar(select(func.count(TaskRound.id))) == 1


@pytest.fixture
def self_paced(app, sample_course, make_user):
    """Three trainees outside any cohort, enrolled in the course."""
    from lms.accounts.models import User
    from lms.catalog import services as catalog

    ids = {}
    for name in ("Ani", "Budi", "Cici"):
        ids[name] = make_user(login=f"{name.lower()}@contoh.id", full_name=f"{name} Mandiri")
    with app.app_context():
        course = db.session.scalar(select(Course))
        for user_id in ids.values():
            catalog.enrol(db.session.get(User, user_id), course)
        db.session.remove()
    return ids


def test_self_paced_work_is_reviewed_by_two_peers_on_the_median(app, self_paced):
    for name in ("Ani", "Budi", "Cici"):
        hand_in_task(app, self_paced[name])
    with app.app_context():
        pairs = db.session.execute(
            select(TaskRound.id, TaskWork.user_id, PeerAssignment.reviewer_id)
            .join(TaskWork, TaskWork.id == TaskRound.work_id)
            .join(PeerAssignment, PeerAssignment.round_id == TaskRound.id)
        ).all()
    by_round: dict = {}
    for round_id, author, reviewer in pairs:
        assert author != reviewer  # nobody reviews their own work
        by_round.setdefault(round_id, set()).add(reviewer)
    assert len(by_round) == 3 and all(len(r) == 2 for r in by_round.values())

    ani = sign_in(app, "ani@contoh.id")
    todo = ani.get("/tugas/nilai").get_data(as_text=True)
    links = re.findall(r"/tugas/nilai/(\d+)", todo)
    assert len(links) == 2
    page = ani.get(f"/tugas/nilai/{links[0]}").get_data(as_text=True)
    for private in ("Budi", "Cici", "budi@", "cici@"):
        assert private not in page  # anonymous
    assert "kabar kabar" in page
    # Every review: Budi's work gets 6 and 2 (median 4 = pass), the others get 2 and 2.
    for name in ("Ani", "Budi", "Cici"):
        client = sign_in(app, f"{name.lower()}@contoh.id")
        for assignment in re.findall(
            r"/tugas/nilai/(\d+)", client.get("/tugas/nilai").get_data(as_text=True)
        ):
            with app.app_context():
                author = db.session.scalar(
                    select(TaskWork.user_id)
                    .join(TaskRound, TaskRound.work_id == TaskWork.id)
                    .join(PeerAssignment, PeerAssignment.round_id == TaskRound.id)
                    .where(PeerAssignment.id == int(assignment))
                )
            high = author == self_paced["Budi"] and name == "Ani"
            response = client.post(
                f"/tugas/nilai/{assignment}",
                data={
                    "points-kelengkapan-5w1h": "4" if high else "2",
                    "points-foto-dan-keterangan": "2" if high else "0",
                    "comment": "Sudah baik." if high else "Lengkapi unsur 5W+1H.",
                },
            )
            assert response.status_code == 302
            again = client.post(
                f"/tugas/nilai/{assignment}",
                data={"points-kelengkapan-5w1h": "0", "points-foto-dan-keterangan": "0"},
            )
            assert again.status_code == 409
    statuses = {n: work_row(app, f"{n.lower()}@contoh.id").status for n in self_paced}
    assert statuses == {"Ani": "revision", "Budi": "passed", "Cici": "revision"}
    budi = sign_in(app, "budi@contoh.id").get(task_url(app)).get_data(as_text=True)
    assert "Penilaian dari sesama peserta" in budi and "4 dari 6 poin" in budi
    assert "Ani" not in budi and "Cici" not in budi


def test_a_peer_sees_their_own_result_only_after_doing_their_reviews(app, self_paced):
    from lms.accounts.models import User
    from lms.tasks import services as tasks

    for name in ("Ani", "Budi", "Cici"):
        hand_in_task(app, self_paced[name])
    with app.app_context():
        ani_round = db.session.scalar(
            select(TaskRound).join(TaskWork).where(TaskWork.user_id == self_paced["Ani"])
        )
        for assignment in db.session.scalars(
            select(PeerAssignment).where(PeerAssignment.round_id == ani_round.id)
        ):
            tasks.review_as_peer(
                db.session.get(User, assignment.reviewer_id),
                assignment,
                tasks.Decision(
                    points={"kelengkapan-5w1h": "4", "foto-dan-keterangan": "2"}, comments={}
                ),
            )
    page = sign_in(app, "ani@contoh.id").get(task_url(app)).get_data(as_text=True)
    assert "Nilailah dulu karya sesama peserta" in page and "6 dari 6 poin" not in page


def test_an_admin_reviews_self_paced_work_or_decides_instead_of_peers(app, self_paced, make_user):
    make_user(role="admin", login="admin@contoh.id")
    _, round_id = hand_in_task(app, self_paced["Ani"])
    admin = sign_in(app, "admin@contoh.id")
    listing = admin.get("/admin/tugas", query_string={"oleh": "sesama"}).get_data(as_text=True)
    assert f"/admin/tugas/{round_id}" in listing and "Ani Mandiri" not in listing
    response = admin.post(
        f"/admin/tugas/{round_id}",
        data={"points-kelengkapan-5w1h": "4", "points-foto-dan-keterangan": "2", "action": "pass"},
    )
    assert response.status_code == 302
    assert work_row(app, "ani@contoh.id").status == "passed"
    assert "Penilaian dari penyelenggara" in sign_in(app, "ani@contoh.id").get(
        task_url(app)
    ).get_data(as_text=True)


def test_the_queue_of_a_thousand_works_pages_with_few_queries(
    app, cohort_world, make_user, count_queries
):
    from lms.timeutil import utcnow

    with app.app_context():
        task = db.session.scalar(select(Task))
        from lms.accounts.models import User

        users = [
            User(
                full_name=f"Peserta {i}",
                email=f"p{i}@contoh.id",
                password_hash="!",
                province_code="11",
                regency_code="11.11",
            )
            for i in range(1000)
        ]
        db.session.add_all(users)
        db.session.flush()
        works = [
            TaskWork(
                task_id=task.id,
                user_id=u.id,
                course_id=task.course_id,
                cohort_id=cohort_world["cohort"],
                status="submitted",
                rounds=1,
            )
            for u in users
        ]
        db.session.add_all(works)
        db.session.flush()
        db.session.add_all(
            TaskRound(
                work_id=w.id,
                task_id=task.id,
                number=1,
                reviewed_by="trainer",
                submitted_at=utcnow(),
            )
            for w in works
        )
        db.session.commit()
    trainer = sign_in(app, "pelatih@contoh.id")
    with count_queries() as statements:
        page = trainer.get(f"/kelas/{cohort_world['cohort']}/tugas", query_string={"halaman": 3})
    assert page.status_code == 200 and "1000 karya" in page.get_data(as_text=True)
    assert len(statements) <= 12, len(statements)


def test_personal_data_includes_the_work_and_deletion_removes_it(app, cohort_world):
    hand_in_task(app, cohort_world["trainee"])
    client = sign_in(app, "peserta@contoh.id")
    data = client.get("/akun/data.json").get_json()
    [entry] = data["tasks"]
    assert entry["status"] == "submitted" and entry["rounds"][0]["photos"] == 1
    assert client.post("/akun/hapus", data={"password": PASSWORD}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(TaskWork.id))) == 0
        assert db.session.scalar(select(func.count(TaskPhoto.id))) == 0
        assert (
            db.session.scalar(
                select(func.count(StoredFile.id)).where(StoredFile.content_type == "image/jpeg")
            )
            == 0
        )


fuzz_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.dictionaries(
        st.sampled_from(
            [
                "action",
                "text",
                "link",
                "version",
                "remove",
                "comment",
                "points-kelengkapan-5w1h",
                "points-foto-dan-keterangan",
                "points-lain",
                "comment-kelengkapan-5w1h",
            ]
        ),
        fuzz_text,
        max_size=8,
    )
)
def test_fuzzed_task_forms_never_answer_500(app, cohort_world, data):
    trainee = sign_in(app, "peserta@contoh.id")
    assert trainee.post(task_url(app), data=data).status_code < 500, data
    with app.app_context():
        entry = db.session.scalar(select(TaskRound))
    if entry is not None:
        trainer = sign_in(app, "pelatih@contoh.id")
        url = f"/kelas/{cohort_world['cohort']}/tugas/{entry.id}"
        assert trainer.post(url, data=data).status_code < 500, data


def test_cohort_trainees_are_not_asked_to_review_self_paced_work(app, cohort_world, self_paced):
    """Peers are trainees whose own work is peer-reviewed (they owe reviews); a cohort trainee,
    reviewed by the trainer, is never assigned and so never leaves a work waiting."""
    hand_in_task(app, cohort_world["trainee"])
    hand_in_task(app, self_paced["Ani"])
    with app.app_context():
        reviewers = set(db.session.scalars(select(PeerAssignment.reviewer_id)))
    assert cohort_world["trainee"] not in reviewers and reviewers == set()
