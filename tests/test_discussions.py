"""Lesson discussions and cohort boards: reading, posting, limits, moderation, privacy."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.discussions.models import Post, Report, Thread
from lms.extensions import db

from .conftest import PASSWORD
from .test_catalog import lesson_ids


def login(client, who):
    client.post("/keluar")
    return client.post("/masuk", data={"login": who, "password": PASSWORD})


@pytest.fixture
def world(app, client, make_user, make_cohort, sample_course):
    """A trainee in a trainer's cohort (enrolled), another trainee of the cohort, an outsider."""
    ids = {
        "trainee": make_user(login="siti@contoh.id", full_name="Siti Aminah"),
        "mate": make_user(login="rudi@contoh.id", full_name="Rudi Hartono"),
        "outsider": make_user(login="luar@contoh.id"),
        "trainer": make_user(role="trainer", login="pelatih@contoh.id", full_name="Pak Pelatih"),
        "other_trainer": make_user(role="trainer", login="pelatih2@contoh.id"),
        "admin": make_user(role="admin", login="admin@contoh.id"),
    }
    cohort_id, _ = make_cohort(ids["trainer"], members=[ids["trainee"], ids["mate"]])
    ids["cohort"] = cohort_id
    ids["lesson"] = lesson_ids(app)[0]
    return ids


def lesson_board(world):
    return f"/kursus/kursus-contoh/pelajaran/{world['lesson']}/diskusi"


def ask(client, url, title="Bagaimana cara menulis judul?", body="Saya bingung.\nMohon bantu."):
    response = client.post(url, data={"title": title, "body": body})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_a_question_under_a_lesson_is_answered_and_shown_in_order(app, client, world):
    login(client, "siti@contoh.id")
    lesson = client.get(f"/kursus/kursus-contoh/pelajaran/{world['lesson']}").get_data(as_text=True)
    assert f'href="{lesson_board(world)}"' in lesson  # the lesson links its discussion
    thread = ask(client, lesson_board(world))
    login(client, "pelatih@contoh.id")
    board = client.get(lesson_board(world)).get_data(as_text=True)
    assert "Bagaimana cara menulis judul?" in board and "Siti Aminah" in board
    reply = client.post(f"/diskusi/{thread}", data={"body": "Pakai rumus 5W+1H."})
    assert reply.status_code == 302
    login(client, "siti@contoh.id")
    page = client.get(f"/diskusi/{thread}").get_data(as_text=True)
    assert page.index("Saya bingung.<br>") < page.index("Pakai rumus 5W+1H.")
    assert "Pak Pelatih" in page


def test_only_people_of_the_course_read_its_lesson_discussion(app, client, world):
    login(client, "siti@contoh.id")
    thread = ask(client, lesson_board(world))
    login(client, "luar@contoh.id")  # not enrolled
    assert client.get(lesson_board(world)).status_code == 403
    assert client.get(f"/diskusi/{thread}").status_code == 403
    assert client.post(f"/diskusi/{thread}", data={"body": "halo"}).status_code == 403
    client.post("/keluar")
    assert client.get(lesson_board(world)).headers["Location"].startswith("/masuk")
    login(client, "siti@contoh.id")
    assert client.get("/kursus/kursus-contoh/pelajaran/999999/diskusi").status_code == 404
    assert client.get(f"/kursus/lain/pelajaran/{world['lesson']}/diskusi").status_code == 404


def test_text_is_plain_links_work_and_html_is_escaped(client, world):
    login(client, "siti@contoh.id")
    body = "<b>tebal</b> <img src=x onerror=alert(1)> lihat https://contoh.id/a?b=1&c=2.\nbaris dua"
    thread = ask(client, lesson_board(world), title="<script>x</script>", body=body)
    html = client.get(f"/diskusi/{thread}").get_data(as_text=True)
    assert "<b>tebal</b>" not in html and "<img src=x" not in html and "<script>x" not in html
    assert "&lt;b&gt;tebal&lt;/b&gt;" in html
    assert (
        '<a href="https://contoh.id/a?b=1&amp;c=2" rel="nofollow ugc noopener noreferrer">' in html
    )
    assert "<br>\nbaris dua" in html


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Tulis pesan Anda."),
        ("   \n  ", "Tulis pesan Anda."),
        ("a" * 5001, "Pesan paling banyak 5.000 karakter."),
        (" ".join(f"https://spam{i}.id" for i in range(6)), "Pesan paling banyak berisi 5 tautan."),
    ],
)
def test_bad_posts_are_refused_with_a_clear_message(app, client, world, body, message):
    login(client, "siti@contoh.id")
    response = client.post(lesson_board(world), data={"title": "Judul", "body": body})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Thread.id)) is None  # nothing half-written
    thread = ask(client, lesson_board(world))
    reply = client.post(f"/diskusi/{thread}", data={"body": body})
    assert reply.status_code == 400 and message in reply.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Thread.post_count)) == 1


def test_a_long_title_and_binary_junk_are_refused_or_cleaned(app, client, world):
    login(client, "siti@contoh.id")
    response = client.post(lesson_board(world), data={"title": "j" * 201, "body": "isi"})
    assert response.status_code == 400 and "Gunakan maksimal 200 karakter." in response.text
    thread = ask(client, lesson_board(world), body="ok\x07\x1b\ufffe ya")
    with app.app_context():
        assert db.session.scalar(select(Post.body).where(Post.thread_id == thread)) == "ok ya"


def test_the_cohort_board_is_for_its_members_and_trainers(client, world):
    board = f"/kelas/{world['cohort']}/diskusi"
    login(client, "siti@contoh.id")
    thread = ask(client, board, title="Jadwal pertemuan kedua?")
    login(client, "rudi@contoh.id")
    assert "Jadwal pertemuan kedua?" in client.get(board).text
    login(client, "pelatih@contoh.id")
    assert client.get(f"/diskusi/{thread}").status_code == 200
    for outsider in ("luar@contoh.id", "pelatih2@contoh.id"):
        login(client, outsider)
        assert client.get(board).status_code == 403
        assert client.get(f"/diskusi/{thread}").status_code == 403
    login(client, "admin@contoh.id")
    assert client.get(board).status_code == 200


def test_threads_list_newest_activity_first_pinned_on_top_and_paginated(app, client, world, clock):
    board = f"/kelas/{world['cohort']}/diskusi"
    login(client, "siti@contoh.id")
    first = ask(client, board, title="Topik pertama")
    clock.jump(minutes=1)
    ask(client, board, title="Topik kedua")
    clock.jump(minutes=1)
    client.post(f"/diskusi/{first}", data={"body": "naik lagi"})
    html = client.get(board).text
    assert html.index("Topik pertama") < html.index("Topik kedua")
    login(client, "pelatih@contoh.id")
    for i in range(20):
        clock.jump(seconds=1)
        ask(client, board, title=f"Lagi {i}")
    html = client.get(board).text
    assert "Topik kedua" not in html and "Halaman 1 dari 2" in html
    assert "Topik kedua" in client.get(board + "?halaman=2").text
    client.post(f"/diskusi/{first}/atur", data={"action": "pin"})
    html = client.get(board).text
    assert html.index("Topik pertama") < html.index("Lagi 19") and "Disematkan" in html


def test_trainers_hide_lock_and_pin_on_their_board_members_cannot(app, client, world):
    board = f"/kelas/{world['cohort']}/diskusi"
    login(client, "rudi@contoh.id")
    thread = ask(client, board, body="Jual pulsa murah di sini")
    with app.app_context():
        post_id = db.session.scalar(select(Post.id))
    login(client, "siti@contoh.id")
    assert (
        client.post(f"/diskusi/pos/{post_id}/sembunyikan", data={"reason": "x"}).status_code == 403
    )
    assert client.post(f"/diskusi/{thread}/atur", data={"action": "lock"}).status_code == 403
    login(client, "pelatih@contoh.id")
    empty = client.post(f"/diskusi/pos/{post_id}/sembunyikan", data={"reason": " "})
    assert empty.status_code == 303
    hidden = client.post(
        f"/diskusi/pos/{post_id}/sembunyikan", data={"reason": "Iklan"}, follow_redirects=True
    )
    assert "Pesan disembunyikan" in hidden.text
    login(client, "siti@contoh.id")
    page = client.get(f"/diskusi/{thread}").text
    assert "Jual pulsa" not in page and "Pesan ini disembunyikan oleh moderator." in page
    login(client, "rudi@contoh.id")
    page = client.get(f"/diskusi/{thread}").text
    assert "Disembunyikan oleh moderator: Iklan" in page and "Jual pulsa" in page
    with app.app_context():  # kept for audit
        post = db.session.get(Post, post_id)
        assert post.body == "Jual pulsa murah di sini" and post.hidden_reason == "Iklan"
    login(client, "pelatih@contoh.id")
    client.post(f"/diskusi/{thread}/atur", data={"action": "lock"})
    login(client, "siti@contoh.id")
    assert "Diskusi ini dikunci" in client.get(f"/diskusi/{thread}").text
    locked = client.post(f"/diskusi/{thread}", data={"body": "boleh?"})
    assert locked.status_code == 409
    assert client.post(f"/diskusi/{thread}/atur", data={"action": "bogus"}).status_code == 400


def test_admins_moderate_lesson_discussions_trainers_do_not(app, client, world):
    login(client, "siti@contoh.id")
    ask(client, lesson_board(world))
    with app.app_context():
        post_id = db.session.scalar(select(Post.id))
    login(client, "pelatih@contoh.id")
    assert (
        client.post(f"/diskusi/pos/{post_id}/sembunyikan", data={"reason": "x"}).status_code == 403
    )
    login(client, "admin@contoh.id")
    assert (
        client.post(f"/diskusi/pos/{post_id}/sembunyikan", data={"reason": "x"}).status_code == 302
    )


def test_a_report_lands_in_the_trainers_queue_once(app, client, world):
    board = f"/kelas/{world['cohort']}/diskusi"
    login(client, "rudi@contoh.id")
    thread = ask(client, board, body="Kata-kata kasar")
    with app.app_context():
        post_id = db.session.scalar(select(Post.id))
    login(client, "siti@contoh.id")
    done = client.post(f"/diskusi/pos/{post_id}/laporkan", data={"reason": "Tidak sopan"})
    assert done.status_code == 302
    client.post(f"/diskusi/pos/{post_id}/laporkan", data={"reason": "lagi"})  # counted once
    assert "Anda sudah melaporkan pesan ini." in client.get(f"/diskusi/{thread}").text
    with app.app_context():
        assert db.session.query(Report).count() == 1
    assert client.get("/moderasi").status_code == 403  # trainees have no queue
    login(client, "pelatih2@contoh.id")
    assert "Kata-kata kasar" not in client.get("/moderasi").text  # not their cohort
    login(client, "pelatih@contoh.id")
    queue = client.get("/moderasi").text
    assert "Kata-kata kasar" in queue and "Tidak sopan" in queue
    with app.app_context():
        report_id = db.session.scalar(select(Report.id))
    login(client, "pelatih2@contoh.id")
    assert client.post(f"/moderasi/{report_id}/abaikan").status_code == 404
    login(client, "pelatih@contoh.id")
    client.post(f"/moderasi/{report_id}/abaikan")
    assert "Tidak ada laporan terbuka." in client.get("/moderasi").text


def test_a_muted_member_reads_but_cannot_post(app, client, world):
    board = f"/kelas/{world['cohort']}/diskusi"
    login(client, "siti@contoh.id")
    thread = ask(client, board)
    login(client, "pelatih@contoh.id")
    muted = client.post(
        f"/kelas/{world['cohort']}/diskusi/bisukan/{world['mate']}", data={"muted": "1"}
    )
    assert muted.status_code == 302
    not_member = client.post(f"/kelas/{world['cohort']}/diskusi/bisukan/{world['outsider']}")
    assert not_member.status_code == 404
    login(client, "rudi@contoh.id")
    page = client.get(f"/diskusi/{thread}")
    assert page.status_code == 200 and "Anda dibisukan" in page.text
    assert client.post(f"/diskusi/{thread}", data={"body": "halo"}).status_code == 403
    assert client.post(board, data={"title": "t", "body": "b"}).status_code == 403
    assert (
        client.post(f"/kelas/{world['cohort']}/diskusi/bisukan/{world['trainee']}").status_code
        == 403
    )
    login(client, "pelatih@contoh.id")
    client.post(f"/kelas/{world['cohort']}/diskusi/bisukan/{world['mate']}", data={"muted": "0"})
    login(client, "rudi@contoh.id")
    assert client.post(f"/diskusi/{thread}", data={"body": "halo"}).status_code == 302


def test_posting_is_rate_limited_per_person(app, world, limited_app):
    limited = limited_app(POST_LIMIT="3 per minute")
    client = limited.test_client()
    login(client, "siti@contoh.id")
    board = f"/kelas/{world['cohort']}/diskusi"
    statuses = [
        client.post(board, data={"title": f"t{i}", "body": "b"}).status_code for i in range(4)
    ]
    assert statuses == [302, 302, 302, 429]
    assert client.get(board).status_code == 200  # reading is not limited
    login(client, "rudi@contoh.id")  # another person has their own allowance
    assert client.post(board, data={"title": "t", "body": "b"}).status_code == 302


def test_a_thousand_post_discussion_renders_with_a_bounded_number_of_queries(
    app, client, world, count_queries
):
    login(client, "siti@contoh.id")
    thread_id = ask(client, lesson_board(world))
    with app.app_context():
        thread = db.session.get(Thread, thread_id)
        start = thread.created_at
        db.session.add_all(
            Post(
                thread_id=thread_id,
                author_id=world["trainee"] if i % 2 else world["mate"],
                body=f"balasan {i}",
                created_at=start + timedelta(seconds=i),
            )
            for i in range(1, 1000)
        )
        thread.post_count = 1000
        db.session.commit()
    client.get(f"/diskusi/{thread_id}")  # warm caches (outline, unread count)
    for url in (f"/diskusi/{thread_id}", f"/diskusi/{thread_id}?halaman=3", lesson_board(world)):
        with count_queries() as statements:
            response = client.get(url)
        assert response.status_code == 200
        assert len(statements) <= 8, (url, len(statements), statements)
    last = client.get(f"/diskusi/{thread_id}").text  # opens on the last page
    assert "balasan 999" in last and "Halaman 20 dari 20" in last
    assert "balasan 3<" in client.get(f"/diskusi/{thread_id}?halaman=1").text


def test_posts_are_exported_and_a_deleted_accounts_posts_say_so(app, client, world):
    login(client, "siti@contoh.id")
    thread = ask(client, lesson_board(world), body="Pertanyaan pribadi saya")
    with app.app_context():
        post_id = db.session.scalar(select(Post.id))
    client.post(f"/diskusi/pos/{post_id}/laporkan", data={"reason": "uji laporan"})
    data = client.get("/akun/data.json").get_json()
    assert data["discussion_posts"][0]["text"] == "Pertanyaan pribadi saya"
    assert data["discussion_reports"][0]["reason"] == "uji laporan"
    assert client.post("/akun/hapus", data={"password": PASSWORD}).status_code == 302
    login(client, "rudi@contoh.id")
    page = client.get(f"/diskusi/{thread}").text
    assert "akun dihapus" in page and "Siti Aminah" not in page


def test_fuzzed_discussion_forms_never_answer_500(app, client, world):
    login(client, "siti@contoh.id")
    thread = ask(client, lesson_board(world))
    junk = [
        "\x00",
        "\ud800".encode("utf-8", "surrogatepass").decode("latin-1"),
        "ꦲꦏ꧀ꦱꦫ" * 700,
        "1" * 100_000,
    ]
    for value in junk:
        for url, data in (
            (lesson_board(world), {"title": value, "body": value}),
            (f"/diskusi/{thread}", {"body": value}),
            (f"/diskusi/{thread}/atur", {"action": value}),
            (f"/diskusi/{thread}?halaman={value[:50]}", {"body": "ok"}),
        ):
            response = client.post(url, data=data)
            assert response.status_code < 500, (url, response.status_code)
    assert client.get(f"/diskusi/{thread}?halaman=abc").status_code == 200


def test_page_numbers_in_other_scripts_do_not_break_the_pages(client, world):
    login(client, "siti@contoh.id")
    thread = ask(client, lesson_board(world))
    for value in ("²", "٣", "Ⅻ", "１"):
        assert client.get(f"/diskusi/{thread}?halaman={value}").status_code == 200
        assert client.get(f"{lesson_board(world)}?halaman={value}").status_code == 200
        assert client.get(f"/pemberitahuan?halaman={value}").status_code == 200
