from sqlalchemy import select

from lms.accounts.models import User
from lms.extensions import db

from .conftest import PASSWORD


def test_admin_finds_users_by_name_email_or_phone(client, make_user, auth):
    make_user(role="admin", login="admin@contoh.id", full_name="Admin")
    make_user(login="siti@contoh.id", full_name="Siti Aminah")
    make_user(login="081298765432", full_name="Budi Santoso")
    auth.login("admin@contoh.id")

    def names(q):
        html = client.get("/admin/pengguna", query_string={"q": q}).get_data(as_text=True)
        return [n for n in ("Siti Aminah", "Budi Santoso") if n in html]

    assert names("siti") == ["Siti Aminah"]
    assert names("SITI@contoh") == ["Siti Aminah"]
    assert names("0812 9876 5432") == ["Budi Santoso"]
    assert names("98765") == ["Budi Santoso"]
    assert names("santoso") == ["Budi Santoso"]
    assert names("tidak-ada") == []
    assert names("") == ["Siti Aminah", "Budi Santoso"]


def test_user_list_is_paginated(app, client, make_user, auth):
    app.config["USERS_PER_PAGE"] = 5
    try:
        make_user(role="admin", login="admin@contoh.id", full_name="Admin")
        for i in range(11):
            make_user(full_name=f"Peserta Nomor {i:02d}")
        auth.login("admin@contoh.id")
        first = client.get("/admin/pengguna").get_data(as_text=True)
        assert "12 pengguna ditemukan" in first
        assert "Halaman 1 dari 3" in first
        assert first.count("<tr>") == 1 + 5
        last = client.get("/admin/pengguna?page=3").get_data(as_text=True)
        assert last.count("<tr>") == 1 + 2
        assert client.get("/admin/pengguna?page=99").status_code == 200
        assert client.get("/admin/pengguna?page=abc").status_code == 200
    finally:
        app.config["USERS_PER_PAGE"] = 25


def test_admin_changes_a_role_from_the_web(app, client, make_user, auth):
    make_user(role="admin", login="admin@contoh.id")
    user_id = make_user(login="calon.pelatih@contoh.id", full_name="Calon Pelatih")
    auth.login("admin@contoh.id")
    response = client.post(
        f"/admin/pengguna/{user_id}/peran", data={"role": "trainer"}, follow_redirects=True
    )
    assert "Calon Pelatih sekarang: Pelatih." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, user_id).role == "trainer"

    bad = client.post(
        f"/admin/pengguna/{user_id}/peran", data={"role": "raja"}, follow_redirects=True
    )
    assert "Peran tidak dikenal" in bad.get_data(as_text=True)
    assert client.post("/admin/pengguna/999999/peran", data={"role": "admin"}).status_code == 404


def test_admin_cannot_demote_themselves(app, client, make_user, auth):
    admin_id = make_user(role="admin", login="admin@contoh.id")
    auth.login("admin@contoh.id")
    response = client.post(
        f"/admin/pengguna/{admin_id}/peran", data={"role": "trainee"}, follow_redirects=True
    )
    assert "tidak dapat mencabut peran administrator Anda sendiri" in response.get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.scalar(select(User.role).where(User.id == admin_id)) == "admin"


def test_only_admins_manage_users(client, make_user, auth):
    target = make_user(login="target@contoh.id")
    make_user(role="trainer", login="pelatih@contoh.id")
    auth.login("pelatih@contoh.id")
    assert client.get("/admin/pengguna").status_code == 403
    assert client.post(f"/admin/pengguna/{target}/peran", data={"role": "admin"}).status_code == 403


def test_an_admin_lands_on_the_admin_home_with_grouped_links(client, make_user, auth, issuer):
    """Issue 11, items 21 and 24: after sign-in an admin sees the admin home; the menu has one
    Admin entry instead of each admin page."""
    make_user(role="admin", login="admin@contoh.id")
    make_user(login="siti@contoh.id")
    response = auth.login("admin@contoh.id")
    assert response.headers["Location"] == "/admin"
    html = client.get("/admin").get_data(as_text=True)
    for link in ("/admin/pengguna", "/admin/kelas", "/admin/sertifikat", "/admin/penerbit"):
        assert f'href="{link}"' in html, link
    menu = html.split('aria-label="Menu utama"', 1)[1].split("</nav>", 1)[0]
    assert 'href="/admin"' in menu and "/admin/pengguna" not in menu
    assert "/admin/penerbit" not in menu and "/admin/sertifikat" not in menu
    assert "<strong>1</strong> peserta" in html


def test_admins_are_warned_when_the_page_is_served_at_another_address(client, make_user, auth):
    """Issue 11, item 15: the links that leave the app use LMS_BASE_URL; an admin who opens
    the app at another address is told so."""
    make_user(role="admin", login="admin@contoh.id")
    auth.login("admin@contoh.id")
    assert "LMS_BASE_URL" not in client.get("/admin").get_data(as_text=True)
    forged = {"base_url": "http://10.0.0.5:8080"}
    client.post("/masuk", data={"login": "admin@contoh.id", "password": PASSWORD}, **forged)
    page = client.get("/admin", **forged).get_data(as_text=True)
    assert "LMS_BASE_URL" in page and "http://10.0.0.5:8080" in page and "http://localhost" in page
