"""Walk every route as each kind of person and check the answer."""

import pytest
from sqlalchemy import select

from lms.accounts import services as accounts
from lms.accounts.models import User
from lms.catalog.models import Course, Enrolment, Lesson
from lms.certificates import services as certificate_services
from lms.cohorts.models import CohortMember
from lms.extensions import db
from lms.issuers.models import StoredImage
from lms.jobs.models import Job
from lms.quizzes.models import Attempt, Quiz
from lms.timeutil import utcnow

from .conftest import PASSWORD, hand_in_task

ROLES = (
    "anonymous",
    "trainee",
    "other_trainee",
    "trainer",
    "other_trainer",
    "author",  # a trainer who writes courses for unit A (penulis kursus)
    "other_author",  # a trainer who writes courses for unit B
    "admin",
)

# (method, url template, expected status per role). {lesson} and {user} are filled in.
LOGIN = "login"  # a redirect to the sign-in page
SIGNED_IN_200 = dict.fromkeys(ROLES, 200)
SIGNED_IN_302 = dict.fromkeys(ROLES, 302)
ADMIN_ONLY = {**dict.fromkeys(ROLES, 403), "admin": 200, "anonymous": LOGIN}
OWNER_ONLY = {**dict.fromkeys(ROLES, 404), "anonymous": LOGIN}  # others' attempts are not found
TRAINER_ROLES = ("trainer", "other_trainer", "author", "other_author", "admin")
TRAINERS_200 = {
    **dict.fromkeys(ROLES, 403),
    **dict.fromkeys(TRAINER_ROLES, 200),
    "anonymous": LOGIN,
}


def own_cohort(status):
    """Its trainers and admins get `status`; another trainer: not found; trainees: forbidden."""
    return {
        **dict.fromkeys(ROLES, 403),
        "trainer": status,
        "admin": status,
        "other_trainer": 404,
        "author": 404,
        "other_author": 404,
        "anonymous": LOGIN,
    }


def own_course(status):
    """Course authoring: unit A's author and admins get `status`; unit B's author and trainers
    who are no unit's author: not found; trainees: forbidden."""
    return {
        **dict.fromkeys(ROLES, 403),
        **dict.fromkeys(("trainer", "other_trainer", "other_author"), 404),
        "author": status,
        "admin": status,
        "anonymous": LOGIN,
    }


AUTHORS = {
    **dict.fromkeys(ROLES, 403),
    "author": 200,
    "other_author": 200,
    "admin": 200,
    "anonymous": LOGIN,
}
OWN_COHORT_200 = own_cohort(200)


def board(status):
    """A cohort's board: its member trainee, its trainers and admins get `status`."""
    return {
        **dict.fromkeys(ROLES, 403),
        "trainee": status,
        "trainer": status,
        "admin": status,
        "anonymous": LOGIN,
    }


BOARD_200 = board(200)
MATRIX = [
    ("GET", "/", dict.fromkeys(ROLES, 200)),
    ("GET", "/kursus", dict.fromkeys(ROLES, 200)),
    ("GET", "/kursus/kursus-contoh", dict.fromkeys(ROLES, 200)),
    ("GET", "/privasi", dict.fromkeys(ROLES, 200)),
    ("GET", "/kursus/kursus-contoh/media/01-pengenalan/alur.svg", dict.fromkeys(ROLES, 200)),
    ("GET", "/daftar", {**dict.fromkeys(ROLES, 302), "anonymous": 200}),
    ("POST", "/daftar", {**dict.fromkeys(ROLES, 302), "anonymous": 400}),
    ("GET", "/masuk", {**dict.fromkeys(ROLES, 302), "anonymous": 200}),
    ("POST", "/masuk", {**dict.fromkeys(ROLES, 302), "anonymous": 400}),
    ("POST", "/keluar", dict.fromkeys(ROLES, 302)),
    ("POST", "/bahasa", dict.fromkeys(ROLES, 302)),
    ("GET", "/bahasa/en", dict.fromkeys(ROLES, 302)),
    ("GET", "/akun", {**dict.fromkeys(ROLES, 200), "anonymous": LOGIN}),
    ("GET", "/lupa-kata-sandi", dict.fromkeys(ROLES, 200)),
    ("POST", "/lupa-kata-sandi", dict.fromkeys(ROLES, 200)),
    ("GET", "/akun/data.json", {**SIGNED_IN_200, "anonymous": LOGIN}),
    ("GET", "/akun/persetujuan", {**SIGNED_IN_200, "anonymous": LOGIN}),
    ("POST", "/akun/persetujuan", {**SIGNED_IN_302, "anonymous": LOGIN}),
    ("GET", "/akun/hapus", {**SIGNED_IN_200, "anonymous": LOGIN}),
    ("POST", "/akun/hapus", {**dict.fromkeys(ROLES, 400), "anonymous": LOGIN}),
    ("POST", "/akun", {**dict.fromkeys(ROLES, 400), "anonymous": LOGIN}),
    ("GET", "/akun/kata-sandi", {**dict.fromkeys(ROLES, 200), "anonymous": LOGIN}),
    ("POST", "/akun/kata-sandi", {**dict.fromkeys(ROLES, 400), "anonymous": LOGIN}),
    ("GET", "/belajar", {**dict.fromkeys(ROLES, 200), "anonymous": LOGIN}),
    ("GET", "/kursus/kursus-contoh/lanjut", {**dict.fromkeys(ROLES, 302), "anonymous": LOGIN}),
    # Quizzes: only the trainee is enrolled and has an open attempt.
    ("GET", "/kursus/kursus-contoh/kuis/{quiz}", {**SIGNED_IN_200, "anonymous": LOGIN}),
    ("POST", "/kursus/kursus-contoh/kuis/{quiz}/mulai", {**SIGNED_IN_302, "anonymous": LOGIN}),
    ("GET", "/percobaan/{attempt}", {**OWNER_ONLY, "trainee": 200}),
    ("POST", "/percobaan/{attempt}", {**OWNER_ONLY, "trainee": 302}),
    ("GET", "/percobaan/{attempt}/hasil", {**OWNER_ONLY, "trainee": 302}),
    # Certificates: the trainee holds one; admins manage them; verification is public.
    ("GET", "/kursus/kursus-contoh/sertifikat", {**SIGNED_IN_302, "anonymous": LOGIN}),
    ("POST", "/kursus/kursus-contoh/sertifikat", {**SIGNED_IN_302, "anonymous": LOGIN}),
    ("GET", "/sertifikat", {**SIGNED_IN_200, "anonymous": LOGIN}),
    ("GET", "/sertifikat/{certificate}/unduh", {**OWNER_ONLY, "trainee": 200, "admin": 200}),
    ("GET", "/v", dict.fromkeys(ROLES, 200)),
    ("GET", "/v/{cert_code}", dict.fromkeys(ROLES, 200)),
    ("GET", "/api/v1/certificates/{cert_code}", dict.fromkeys(ROLES, 200)),
    ("GET", "/v/{cert_code}/ob3.jwt", dict.fromkeys(ROLES, 200)),
    ("POST", "/v/periksa-berkas", dict.fromkeys(ROLES, 400)),
    ("GET", "/ob/penerbit/{issuer_code}", dict.fromkeys(ROLES, 200)),
    ("GET", "/ob/penerbit/{issuer_code}/jwks.json", dict.fromkeys(ROLES, 200)),
    ("GET", "/ob/penerbit/{issuer_code}/status/1", dict.fromkeys(ROLES, 200)),
    ("GET", "/admin/penerbit", ADMIN_ONLY),
    ("GET", "/admin/penerbit/baru", ADMIN_ONLY),
    ("POST", "/admin/penerbit/baru", {**ADMIN_ONLY, "admin": 400}),
    ("GET", "/admin/penerbit/{issuer}", ADMIN_ONLY),
    ("POST", "/admin/penerbit/{issuer}", {**ADMIN_ONLY, "admin": 400}),
    ("POST", "/admin/penerbit/{issuer}/utama", {**ADMIN_ONLY, "admin": 302}),
    ("GET", "/admin/penerbit/pratinjau-nomor", ADMIN_ONLY),
    ("GET", "/admin/penerbit/{issuer}/tanda-tangan", ADMIN_ONLY),
    ("POST", "/admin/penerbit/{issuer}/tanda-tangan", {**ADMIN_ONLY, "admin": 400}),
    ("POST", "/admin/penerbit/{issuer}/tanda-tangan/jarak-jauh", {**ADMIN_ONLY, "admin": 302}),
    ("POST", "/admin/penerbit/{issuer}/tanda-tangan/hapus", {**ADMIN_ONLY, "admin": 302}),
    ("GET", "/admin/gambar/{image}", ADMIN_ONLY),
    ("GET", "/admin/sertifikat", ADMIN_ONLY),
    ("GET", "/admin/sertifikat/{certificate}", ADMIN_ONLY),
    ("POST", "/admin/sertifikat/{certificate}/cabut", {**ADMIN_ONLY, "admin": 302}),
    ("POST", "/admin/sertifikat/{certificate}/izinkan-klaim", {**ADMIN_ONLY, "admin": 302}),
    ("POST", "/admin/sertifikat/{certificate}/terbitkan-ulang", {**ADMIN_ONLY, "admin": 302}),
    # Only the trainee is enrolled: others are sent to the course page to enrol.
    (
        "GET",
        "/kursus/kursus-contoh/pelajaran/{lesson}",
        {**dict.fromkeys(ROLES, 302), "trainee": 200, "anonymous": LOGIN},
    ),
    # Offline copies and module PDFs (issue 17): only the enrolled trainee.
    (
        "GET",
        "/kursus/kursus-contoh/offline.json",
        {**dict.fromkeys(ROLES, 403), "trainee": 200, "anonymous": LOGIN},
    ),
    (
        "GET",
        "/kursus/kursus-contoh/modul/{module}.pdf",
        {**dict.fromkeys(ROLES, 302), "trainee": 200, "anonymous": LOGIN},
    ),
    ("POST", "/offline/selesai", {**dict.fromkeys(ROLES, 400), "anonymous": LOGIN}),
    ("GET", "/sw.js", dict.fromkeys(ROLES, 200)),
    ("GET", "/manifest.webmanifest", dict.fromkeys(ROLES, 200)),
    ("GET", "/offline", dict.fromkeys(ROLES, 200)),
    # Practice tasks (before the others enrol below): see the task rows further down.
    (
        "GET",
        "/kursus/kursus-contoh/tugas/{task}",
        {**dict.fromkeys(ROLES, 302), "trainee": 200, "anonymous": LOGIN},
    ),
    (
        "POST",
        "/kursus/kursus-contoh/tugas/{task}",
        {**dict.fromkeys(ROLES, 302), "trainee": 409, "anonymous": LOGIN},  # already handed in
    ),
    # Lesson discussions (before the others enrol): the enrolled trainee, trainers and admins.
    (
        "GET",
        "/kursus/kursus-contoh/pelajaran/{lesson}/diskusi",
        {**SIGNED_IN_200, "other_trainee": 403, "anonymous": LOGIN},
    ),
    (
        "POST",
        "/kursus/kursus-contoh/pelajaran/{lesson}/diskusi",  # an empty question
        {**dict.fromkeys(ROLES, 400), "other_trainee": 403, "anonymous": LOGIN},
    ),
    ("POST", "/kursus/kursus-contoh/daftar", {**dict.fromkeys(ROLES, 302), "anonymous": LOGIN}),
    (
        "POST",
        "/kursus/kursus-contoh/pelajaran/{lesson}/selesai",
        {**dict.fromkeys(ROLES, 302), "anonymous": LOGIN},
    ),
    ("GET", "/admin", ADMIN_ONLY),
    ("GET", "/admin/pengguna", {**dict.fromkeys(ROLES, 403), "admin": 200, "anonymous": LOGIN}),
    (
        "POST",
        "/admin/pengguna/{user}/peran",
        {**dict.fromkeys(ROLES, 403), "admin": 302, "anonymous": LOGIN},
    ),
    # Cohorts: run by "trainer" (with a co-trainer); "other_trainer" types its id into the URL.
    ("GET", "/kelas", TRAINERS_200),
    ("GET", "/kelas/baru", TRAINERS_200),
    ("POST", "/kelas/baru", {**TRAINERS_200, **dict.fromkeys(TRAINER_ROLES, 400)}),
    ("GET", "/kelas/{cohort}", OWN_COHORT_200),
    ("GET", "/kelas/{cohort}/ubah", OWN_COHORT_200),
    ("POST", "/kelas/{cohort}/ubah", own_cohort(400)),
    ("POST", "/kelas/{cohort}/pelatih", own_cohort(400)),
    ("GET", "/kelas/{cohort}/poster", OWN_COHORT_200),
    ("GET", "/kelas/{cohort}/sertifikat", OWN_COHORT_200),
    ("GET", "/pekerjaan/{job}", OWN_COHORT_200),
    ("GET", "/pekerjaan/{job}/unduh", own_cohort(404)),  # a job without a file
    ("POST", "/pekerjaan/{job}/ulang", own_cohort(409)),  # only a failed job starts again
    ("POST", "/kelas/{cohort}/sertifikat", own_cohort(302)),
    ("GET", "/kelas/{cohort}/sertifikat.zip", own_cohort(302)),
    ("GET", "/kelas/{cohort}/impor", OWN_COHORT_200),
    ("POST", "/kelas/{cohort}/impor", own_cohort(400)),
    ("POST", "/kelas/{cohort}/impor/simpan", own_cohort(400)),
    ("GET", "/kelas/{cohort}/impor/contoh.csv", OWN_COHORT_200),
    ("GET", "/kelas/{cohort}/impor/contoh.xlsx", OWN_COHORT_200),
    ("GET", "/kelas/{cohort}/peserta/{member}", OWN_COHORT_200),
    # The member uses the account (has a password): only an admin may reset it (issue 11).
    ("POST", "/kelas/{cohort}/peserta/{member}/tautan", {**OWN_COHORT_200, "trainer": 403}),
    ("POST", "/admin/pengguna/{user}/tautan", ADMIN_ONLY),
    ("GET", "/kelas/{cohort}/ekspor.csv", OWN_COHORT_200),
    ("GET", "/kelas/{cohort}/ekspor.xlsx", OWN_COHORT_200),
    ("GET", "/admin/kelas", {**dict.fromkeys(ROLES, 403), "admin": 200, "anonymous": LOGIN}),
    # Cohort board (issue 15): the member trainee, the cohort's trainers and admins. {thread}
    # is the trainee's question on it, {post} its first message, {report} a report of it.
    ("GET", "/kelas/{cohort}/diskusi", BOARD_200),
    ("POST", "/kelas/{cohort}/diskusi", board(400)),  # an empty question
    ("GET", "/diskusi/{thread}", BOARD_200),
    ("POST", "/diskusi/{thread}", board(400)),  # an empty reply
    ("POST", "/diskusi/{thread}/atur", board(400)),  # no action given
    ("POST", "/diskusi/pos/{post}/sembunyikan", {**board(303), "trainee": 403}),  # no reason
    ("POST", "/diskusi/pos/{post}/tampilkan", {**board(302), "trainee": 403}),
    ("POST", "/diskusi/pos/{post}/laporkan", board(302)),
    ("GET", "/moderasi", TRAINERS_200),
    ("POST", "/moderasi/{report}/abaikan", {**own_cohort(302), "other_author": 404}),
    ("GET", "/kelas/{cohort}/pengumuman", OWN_COHORT_200),
    ("POST", "/kelas/{cohort}/pengumuman", own_cohort(400)),  # no title
    # Notifications: {notification} is the trainee's.
    ("GET", "/pemberitahuan", {**SIGNED_IN_200, "anonymous": LOGIN}),
    ("GET", "/pemberitahuan/{notification}", {**OWNER_ONLY, "trainee": 302}),
    ("POST", "/pemberitahuan/{notification}/baca", {**SIGNED_IN_302, "anonymous": LOGIN}),
    ("POST", "/pemberitahuan/baca-semua", {**SIGNED_IN_302, "anonymous": LOGIN}),
    ("GET", "/pemberitahuan/pengaturan", {**SIGNED_IN_200, "anonymous": LOGIN}),
    ("POST", "/pemberitahuan/pengaturan", {**SIGNED_IN_302, "anonymous": LOGIN}),
    ("GET", "/berhenti/{unsubscribe}", dict.fromkeys(ROLES, 200)),
    ("POST", "/berhenti/{unsubscribe}", dict.fromkeys(ROLES, 200)),
    # Without a WhatsApp gateway the sign-in code does not exist.
    ("GET", "/lupa-kata-sandi/whatsapp", dict.fromkeys(ROLES, 404)),
    ("POST", "/lupa-kata-sandi/whatsapp", dict.fromkeys(ROLES, 404)),
    ("GET", "/lupa-kata-sandi/whatsapp/kode", dict.fromkeys(ROLES, 404)),
    ("POST", "/lupa-kata-sandi/whatsapp/kode", dict.fromkeys(ROLES, 404)),
    ("POST", "/kelas/{cohort}/diskusi/bisukan/{member}", {**board(302), "trainee": 403}),
    ("GET", "/gabung", dict.fromkeys(ROLES, 200)),
    ("GET", "/gabung/{code}", dict.fromkeys(ROLES, 200)),
    ("POST", "/gabung/{code}", {**SIGNED_IN_302, "anonymous": LOGIN}),
    ("GET", "/atur-kata-sandi/{token}", dict.fromkeys(ROLES, 200)),
    ("POST", "/atur-kata-sandi/{token}", dict.fromkeys(ROLES, 400)),
    # Practice tasks: the trainee (enrolled, in the cohort) handed in the task; others are sent
    # to the course page to enrol. Photos: the author, the cohort's trainers and admins.
    (
        "GET",
        "/tugas/foto/{photo}",
        {**OWNER_ONLY, "trainee": 200, "trainer": 200, "admin": 200},
    ),
    ("GET", "/tugas/nilai", {**SIGNED_IN_200, "anonymous": LOGIN}),
    ("GET", "/tugas/nilai/{assignment}", {**OWNER_ONLY, "trainee": 200}),
    ("POST", "/tugas/nilai/{assignment}", {**OWNER_ONLY, "trainee": 400}),  # no levels chosen
    ("GET", "/kelas/{cohort}/tugas", OWN_COHORT_200),
    ("GET", "/kelas/{cohort}/tugas/{round}", OWN_COHORT_200),
    ("POST", "/kelas/{cohort}/tugas/{round}", own_cohort(400)),
    ("GET", "/admin/tugas", ADMIN_ONLY),
    ("GET", "/admin/tugas/{round}", ADMIN_ONLY),
    ("POST", "/admin/tugas/{round}", {**ADMIN_ONLY, "admin": 400}),
    # Course authoring: unit A's author wrote and published {course} (unit A's cohorts only).
    ("GET", "/penulis", AUTHORS),
    ("POST", "/penulis/kursus/baru", {**AUTHORS, "author": 400, "other_author": 400, "admin": 400}),
    ("POST", "/penulis/impor", {**AUTHORS, "author": 302, "other_author": 302, "admin": 302}),
    (
        "GET",
        "/penulis/ekspor/{course}.zip",
        {**own_course(200), "trainer": 403, "other_trainer": 403},
    ),
    ("GET", "/penulis/ekspor/{shipped}.zip", AUTHORS),
    ("GET", "/penulis/kursus/{course}", own_course(200)),
    ("POST", "/penulis/kursus/{course}", own_course(400)),
    ("GET", "/penulis/kursus/{course}/modul/01-pengantar", own_course(200)),
    ("POST", "/penulis/kursus/{course}/modul/01-pengantar", own_course(400)),
    (
        "GET",
        "/penulis/kursus/{course}/pelajaran/01-pengantar/01-selamat-datang.md",
        own_course(200),
    ),
    (
        "POST",
        "/penulis/kursus/{course}/pelajaran/01-pengantar/01-selamat-datang.md",
        own_course(400),
    ),
    ("GET", "/penulis/kursus/{course}/media/{picture}", own_course(200)),
    ("GET", "/penulis/kursus/{course}/kuis/01-pengantar", own_course(200)),
    ("POST", "/penulis/kursus/{course}/kuis/01-pengantar", own_course(400)),
    ("GET", "/penulis/kursus/{course}/kuis/01-pengantar/soal", own_course(200)),
    ("POST", "/penulis/kursus/{course}/kuis/01-pengantar/soal", own_course(400)),
    ("GET", "/penulis/kursus/{course}/tugas/01-pengantar", own_course(200)),
    ("POST", "/penulis/kursus/{course}/tugas/01-pengantar", own_course(400)),
    ("GET", "/penulis/kursus/{course}/terbitkan", own_course(200)),
    ("GET", "/penulis/kursus/{course}/versi", own_course(200)),
    ("POST", "/penulis/kursus/{course}/terbitkan", own_course(302)),
    ("POST", "/penulis/kursus/{course}/versi/1/pulihkan", own_course(302)),
    # The unit's course is for unit A's cohorts: others do not find it.
    (
        "GET",
        "/kursus/{course_slug}",
        {**dict.fromkeys(ROLES, 404), "author": 200, "admin": 200, "anonymous": 404},
    ),
    ("POST", "/admin/pengguna/{user}/penulis", {**ADMIN_ONLY, "admin": 302}),
    # Last: these change the cohort (a co-trainer removed, a new join code) or replace the
    # invited member's link.
    ("POST", "/kelas/{cohort}/tautan", OWN_COHORT_200),  # the invited member gets a link
    ("POST", "/kelas/{cohort}/peserta/{invited}/tautan", OWN_COHORT_200),
    ("POST", "/kelas/{cohort}/pelatih/{cotrainer}/hapus", own_cohort(302)),
    ("POST", "/kelas/{cohort}/kode", own_cohort(302)),
]


@pytest.fixture
def world(app, sample_course, make_user, client, issuer, make_cohort):
    ids = {
        "trainee": make_user(login="peserta@contoh.id"),
        "other_trainee": make_user(login="peserta2@contoh.id"),
        "trainer": make_user(role="trainer", login="pelatih@contoh.id"),
        "other_trainer": make_user(role="trainer", login="pelatih2@contoh.id"),
        "admin": make_user(role="admin", login="admin@contoh.id"),
        "author": make_user(role="trainer", login="penulis@contoh.id"),
        "other_author": make_user(role="trainer", login="penulis2@contoh.id"),
    }
    course_id, course_slug, picture = authors_world(app, ids)
    client.post("/masuk", data={"login": "peserta@contoh.id", "password": PASSWORD})
    client.post("/kursus/kursus-contoh/daftar")
    with app.app_context():
        lesson = db.session.scalar(select(Lesson.id).order_by(Lesson.id))
        module = db.session.scalar(select(Lesson.module_id).order_by(Lesson.id))
        quiz = db.session.scalar(select(Quiz.id).where(Quiz.key == "module:pengenalan"))
        shipped = db.session.scalar(select(Course.id).where(Course.slug == "kursus-contoh"))
    client.post(f"/kursus/kursus-contoh/kuis/{quiz}/mulai")
    with app.app_context():
        attempt = db.session.scalar(select(Attempt.id))
    with app.app_context():  # the trainee also holds a certificate of another course
        other = Course(
            slug="kursus-lain",
            title="Kursus Lain",
            summary="-",
            level="dasar",
            hours=1,
            version="1",
            certificate_requires=[],
        )
        db.session.add(other)
        db.session.flush()
        db.session.add(Enrolment(user_id=ids["trainee"], course_id=other.id, completed_at=utcnow()))
        image = StoredImage(key="a" * 32, content_type="image/png", width=1, height=1, data=b"x")
        db.session.add(image)
        db.session.commit()
        user = db.session.get(User, ids["trainee"])
        cert = certificate_services.claim(user, other, "Peserta Satu")
        cert_id, cert_code = cert.id, cert.code
    client.post("/keluar")
    co_trainer = make_user(role="trainer", login="pelatih3@contoh.id")
    cohort_id, code = make_cohort(
        ids["trainer"], co_trainers=[co_trainer], members=[ids["trainee"]]
    )
    with app.app_context():
        invited = accounts.invite_user(
            full_name="Undangan",
            email="undangan@contoh.id",
            phone=None,
            province_code="11",
            regency_code="11.11",
        )
        token = accounts.new_password_link(invited, None)
        db.session.flush()
        db.session.add(CohortMember(cohort_id=cohort_id, user_id=invited.id, source="import"))
        job = Job(kind="build_zip", cohort_id=cohort_id, status="done")
        db.session.add(job)
        db.session.commit()
        job_id = job.id
        invited_id = invited.id
    # Practice tasks: the trainee handed in the task in the cohort (reviewed by its trainers)
    # and was asked to review another trainee's work (peer review).
    task_id, round_id = hand_in_task(app, ids["trainee"])
    with app.app_context():
        from lms.tasks.models import PeerAssignment, TaskPhoto, TaskRound, TaskWork

        photo = db.session.scalar(select(TaskPhoto.key))
        other = TaskWork(task_id=task_id, user_id=ids["other_trainee"], course_id=1, rounds=1)
        other.course_id = db.session.scalar(select(Course.id).where(Course.slug == "kursus-contoh"))
        db.session.add(other)
        db.session.flush()
        peer_round = TaskRound(work_id=other.id, task_id=task_id, number=1, reviewed_by="peer")
        db.session.add(peer_round)
        db.session.flush()
        assignment = PeerAssignment(round_id=peer_round.id, reviewer_id=ids["trainee"])
        db.session.add(assignment)
        db.session.commit()
        assignment_id = assignment.id
    with app.app_context():
        from lms.cohorts.models import Cohort
        from lms.discussions import services as discussions
        from lms.discussions.models import Post, Report
        from lms.notifications import services as notifications
        from lms.notifications.models import Notification

        member = db.session.get(User, ids["trainee"])
        place = discussions.cohort_place(member, cohort_id)
        thread = discussions.start_thread(member, place, "Jadwal?", "Kapan pertemuan kedua?")
        trainer = db.session.get(User, ids["trainer"])
        discussions.reply(trainer, thread, discussions.cohort_place(trainer, cohort_id), "Kamis.")
        post_id = db.session.scalar(select(Post.id).order_by(Post.id))
        db.session.add(Report(post_id=post_id, reporter_id=co_trainer, reason="uji"))
        db.session.commit()
        report_id = db.session.scalar(select(Report.id))
        notification_id = db.session.scalar(select(Notification.id))
        unsubscribe = notifications.unsubscribe_token(ids["trainee"], "reply")
        thread_id = thread.id
        assert db.session.get(Cohort, cohort_id) is not None
    return {
        "thread": thread_id,
        "post": post_id,
        "report": report_id,
        "notification": notification_id,
        "unsubscribe": unsubscribe,
        "task": task_id,
        "round": round_id,
        "photo": photo,
        "assignment": assignment_id,
        "lesson": lesson,
        "module": module,
        "user": ids["other_trainee"],
        "quiz": quiz,
        "attempt": attempt,
        "certificate": cert_id,
        "cert_code": cert_code,
        "issuer": issuer,
        "issuer_code": "KOMDIGI",
        "image": "a" * 32,
        "cohort": cohort_id,
        "member": ids["trainee"],
        "cotrainer": co_trainer,
        "code": code,
        "token": token,
        "invited": invited_id,
        "job": job_id,
        "course": course_id,
        "course_slug": course_slug,
        "picture": picture,
        "shipped": shipped,
    }


def authors_world(app, ids):
    """Units A and B with an author each; A's author wrote, illustrated and published a course."""
    from lms.authoring import services as authoring
    from lms.issuers.models import Issuer

    from .conftest import jpeg_bytes

    with app.app_context():
        units = []
        for code in ("DKBIR", "DKACE"):
            unit = Issuer(
                name=f"Dinas Kominfo {code}",
                code=code,
                signatory_name="Teuku Ahmad",
                signatory_title="Kepala Dinas",
                city="Bireuen",
            )
            db.session.add(unit)
            units.append(unit)
        db.session.commit()
        admin = db.session.get(User, ids["admin"])
        for role, unit in zip(("author", "other_author"), units, strict=True):
            authoring.grant_author(admin, db.session.get(User, ids[role]), unit)
        author = db.session.get(User, ids["author"])
        course = authoring.create_course(
            author, authoring.NewCourse(title="Cek Fakta Bireuen", slug="cek-fakta-bireuen")
        )
        authoring.add_image(author, course, None, "01-pengantar", jpeg_bytes(), "foto.jpg")
        authoring.publish(author, course, None)
        result = course.id, course.slug, "01-pengantar/foto.jpg"
        db.session.remove()
    return result


def test_every_route_is_in_the_matrix(app):
    routes = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    listed = {
        (
            m,
            url.replace("{lesson}", "<id:lesson_id>")
            .replace("{module}", "<id:module_id>")
            .replace("{user}", "<id:user_id>")
            .replace("{quiz}", "<id:quiz_id>")
            .replace("{attempt}", "<id:attempt_id>")
            .replace("{certificate}", "<id:certificate_id>")
            .replace("{cert_code}", "<code>")
            .replace("{issuer_code}", "<code>")
            .replace("/status/1", "/status/<int:number>")
            .replace("{issuer}", "<id:issuer_id>")
            .replace("{image}", "<key>")
            .replace("{cohort}", "<id:cohort_id>")
            .replace("{member}", "<id:user_id>")
            .replace("{cotrainer}", "<id:user_id>")
            .replace("{invited}", "<id:user_id>")
            .replace("{code}", "<code>")
            .replace("{token}", "<token>")
            .replace("{job}", "<id:job_id>")
            .replace("{task}", "<id:task_id>")
            .replace("{thread}", "<id:thread_id>")
            .replace("{post}", "<id:post_id>")
            .replace("{report}", "<id:report_id>")
            .replace("{notification}", "<id:notification_id>")
            .replace("{unsubscribe}", "<token>")
            .replace("{round}", "<id:round_id>")
            .replace("{photo}", "<key>")
            .replace("{assignment}", "<id:assignment_id>")
            .replace("{course}.zip", "<id:course_id>.zip")
            .replace("{shipped}.zip", "<id:course_id>.zip")
            .replace("{course}", "<id:course_id>")
            .replace("{course_slug}", "<slug>")
            .replace("01-pengantar/01-selamat-datang.md", "<path:path>")
            .replace("{picture}", "<path:path>")
            .replace("versi/1/", "versi/<int:number>/")
            .replace("/01-pengantar", "/<folder>")
            .replace("/bahasa/en", "/bahasa/<locale>"),
        )
        for m, url, _ in MATRIX
    }
    listed = {
        (
            m,
            u.replace("media/01-pengenalan/alur.svg", "media/<path:path>").replace(
                "kursus-contoh", "<slug>"
            ),
        )
        for m, u in listed
    }
    assert routes - listed == set()


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(app, world, role):
    client = app.test_client()
    if role != "anonymous":
        login = {
            "trainee": "peserta@contoh.id",
            "other_trainee": "peserta2@contoh.id",
            "trainer": "pelatih@contoh.id",
            "other_trainer": "pelatih2@contoh.id",
            "admin": "admin@contoh.id",
            "author": "penulis@contoh.id",
            "other_author": "penulis2@contoh.id",
        }[role]
        client.post("/masuk", data={"login": login, "password": PASSWORD})
    for method, template, expected in MATRIX:
        url = template.format(**world)
        data = {"role": "trainee", "locale": "id"}
        response = client.open(url, method=method, data=data if method == "POST" else None)
        want = expected[role]
        if want == LOGIN:
            assert response.status_code == 302, (role, method, url)
            assert response.headers["Location"].startswith("/masuk"), (role, method, url)
        else:
            assert response.status_code == want, (role, method, url, response.status_code)
        if method == "POST" and url == "/keluar" and role != "anonymous":
            client.post("/masuk", data={"login": login, "password": PASSWORD})
