"""CSV import of participants: preview, all-or-nothing, set-password links and consent."""

import io
import re

import pytest
from sqlalchemy import func, select, update

from lms.accounts.models import ConsentEvent, PasswordToken, User
from lms.catalog.models import Enrolment
from lms.cohorts.models import CohortMember
from lms.extensions import db

from .conftest import PASSWORD


@pytest.fixture
def cohort(make_user, make_cohort, auth):
    trainer = make_user(role="trainer", login="pelatih@contoh.id")
    cohort_id, _ = make_cohort(trainer)
    auth.login("pelatih@contoh.id")
    return cohort_id


def upload(client, cohort_id, content: bytes | str, name="peserta.csv"):
    if isinstance(content, str):
        content = content.encode("utf-8")
    return client.post(
        f"/kelas/{cohort_id}/impor",
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def payload_of(html: str) -> str:
    return re.search(r'name="payload"[^>]*value="([^"]*)"', html).group(1)


def confirm(client, cohort_id, html):
    return client.post(f"/kelas/{cohort_id}/impor/simpan", data={"payload": payload_of(html)})


def counts(app):
    with app.app_context():
        return (
            db.session.scalar(select(func.count(User.id))),
            db.session.scalar(select(func.count(CohortMember.id))),
            db.session.scalar(select(func.count(Enrolment.id))),
        )


def thirty_participants() -> str:
    lines = ["nama;email;telepon;provinsi;kabupaten/kota"]
    for i in range(30):
        if i % 3 == 0:
            lines.append(f"Peserta Nomor {i};;0812 3400 {i:04d};Aceh;Kabupaten Bireuen")
        elif i % 3 == 1:
            lines.append(f"Peserta Nomor {i};peserta{i}@contoh.id;;11;11.71")
        else:
            lines.append(f"Peserta Nomor {i};peserta{i}@contoh.id;;;")
    return "\ufeff" + "\r\n".join(lines) + "\r\n"


def test_import_thirty_participants_from_an_excel_semicolon_file(app, client, cohort, make_user):
    make_user(login="peserta1@contoh.id", full_name="Nama Di Akun")  # already has an account
    before = counts(app)
    preview = upload(client, cohort, thirty_participants())
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert "29 akun baru, 1 akun yang sudah ada, 0 baris bermasalah." in html
    assert "Akun baru" in html and "Akun sudah ada" in html
    # Nothing of an existing account is revealed beyond its existence (issue 11, item 1).
    assert "Nama Di Akun" not in html and "sudah punya akun" in html
    assert "Kota Banda Aceh" in html and "Kabupaten Bireuen" in html
    assert counts(app) == before  # a preview writes nothing

    done = confirm(client, cohort, html)
    assert done.status_code == 200
    page = done.get_data(as_text=True)
    # Each link once in its readonly field (and once more in the print-only text).
    links = re.findall(r'value="http://localhost/atur-kata-sandi/([\w-]+)" readonly', page)
    assert len(links) == 29 and len(set(links)) == 29
    assert "Sudah punya kata sandi: masuk seperti biasa." in page
    assert PASSWORD not in page
    users, members, enrolments = counts(app)
    assert (users - before[0], members, enrolments) == (29, 30, 30)
    with app.app_context():
        phone_user = db.session.scalar(select(User).where(User.phone == "+6281234000000"))
        assert phone_user.regency_code == "11.11" and phone_user.role == "trainee"
        consented = select(func.count(ConsentEvent.id)).join(User, User.id == ConsentEvent.user_id)
        # None of the imported people has consented yet (they do when they set a password).
        assert db.session.scalar(consented.where(User.password_hash == "!")) == 0
        tokens = db.session.scalars(select(PasswordToken.token_hash)).all()
        assert links[0] not in tokens  # only hashes are stored
    dashboard = client.get(f"/kelas/{cohort}").get_data(as_text=True)
    assert "Peserta Nomor 29" in dashboard and "30</strong> peserta" in dashboard


def test_every_bad_row_is_listed_and_nothing_is_written(app, client, cohort, make_user):
    make_user(login="budi@contoh.id")
    make_user(login="081299990000")
    content = "\n".join(
        [
            "Nama Lengkap,Email,No HP,Provinsi,Kabupaten/Kota",
            "Siti,siti@contoh.id,,,",
            ",tanpa-nama@contoh.id,,,",
            "Tanpa Kontak,,,,",
            "Email Salah,bukan-email,,,",
            "Nomor Salah,,021555,,",
            "Provinsi Salah,x1@contoh.id,,Atlantis,",
            "Kota Salah,x2@contoh.id,,Aceh,Kota Bandung",
            "Ganda,siti@contoh.id,,,",
            "Dua Akun,budi@contoh.id,081299990000,,",
            "Kabupaten Saja,x3@contoh.id,,Jawa Barat,",
            "Bekasi,x4@contoh.id,,,Bekasi",
        ]
    )
    before = counts(app)
    response = upload(client, cohort, content)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for reason in (
        "Nama belum diisi.",
        "Isi email atau nomor HP.",
        "“bukan-email” bukan email yang benar.",
        "“021555” bukan nomor HP Indonesia.",
        "Provinsi “Atlantis” tidak dikenal.",
        "“Kota Bandung” bukan kabupaten/kota di Aceh.",
        "Orang yang sama sudah ada di baris 2.",
        "Email dan nomor HP ini milik dua akun yang berbeda.",
        "Tambahkan kabupaten/kota: provinsinya berbeda",
        "“Bekasi” bisa berarti dua wilayah",
    ):
        assert reason in html, reason
    assert "1 akun baru, 0 akun yang sudah ada, 10 baris bermasalah." in html
    # No way to confirm everything; only the (unticked) option to import the one correct row.
    assert 'value="Impor peserta ini"' not in html
    assert 'name="skip_invalid" type="checkbox" value="y">' in html
    # Even a forged confirmation writes nothing.
    import base64

    forged = base64.b64encode(content.encode()).decode()
    refused = client.post(f"/kelas/{cohort}/impor/simpan", data={"payload": forged})
    assert refused.status_code == 400
    assert "Tidak ada yang diimpor" in refused.get_data(as_text=True)
    assert counts(app) == before


def test_a_row_that_became_invalid_after_the_preview_rolls_back_everything(
    app, client, cohort, make_user
):
    content = "nama,email\nSatu,satu@contoh.id\nDua,dua@contoh.id\n"
    html = upload(client, cohort, content).get_data(as_text=True)
    before = counts(app)
    # Between preview and confirmation the seat limit drops to one.
    from lms.cohorts.models import Cohort

    with app.app_context():
        db.session.execute(update(Cohort).values(seat_limit=1))
        db.session.commit()
    response = confirm(client, cohort, html)
    assert response.status_code == 400
    assert "hanya punya 1 kursi tersisa" in response.get_data(as_text=True)
    assert counts(app) == before


@pytest.mark.parametrize(
    "content, message",
    [
        (
            b"nama;email\n" + "Siti Ñ;siti@contoh.id\n".encode("latin-1"),
            "tidak dalam UTF-8",
        ),
        (b"", "Berkas kosong."),
        # Issue 11, item 10: only quoted empty cells (Excel's "save as CSV" of a blank sheet).
        (b'"",""\n"",""\n', "Berkas kosong."),
        (b'\xef\xbb\xbf"";""\r\n"  ";""\r\n', "Berkas kosong."),
        (b"foo,bar\n1,2\n", "Baris pertama harus berisi nama kolom"),
        (b"nama,email\n", "tidak ada pesertanya"),
        (b"nama,email\n\x00,\x00\n", "Ini bukan berkas teks CSV."),
    ],
)
def test_unreadable_files_get_a_clear_message(app, client, cohort, content, message):
    response = upload(client, cohort, content)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and 'id="file-error"' in html


def test_size_and_row_limits(app, client, cohort):
    app.config["COHORT_IMPORT_MAX_BYTES"] = 1024
    app.config["COHORT_IMPORT_MAX_ROWS"] = 5
    try:
        big = "nama,email\n" + "".join(f"Orang {i},o{i}@contoh.id\n" for i in range(100))
        response = upload(client, cohort, big)
        assert response.status_code == 400
        assert "Berkas terlalu besar (3 KB). Batasnya 1 KB" in response.get_data(as_text=True)
        many = "nama,email\n" + "".join(f"O {i},o{i}@c.id\n" for i in range(6))
        response = upload(client, cohort, many)
        assert "Berkas berisi 6 peserta; paling banyak 5" in response.get_data(as_text=True)
    finally:
        app.config["COHORT_IMPORT_MAX_BYTES"] = 256 * 1024
        app.config["COHORT_IMPORT_MAX_ROWS"] = 1000
    assert upload(client, cohort, b"").status_code == 400
    no_file = client.post(f"/kelas/{cohort}/impor", data={}, content_type="multipart/form-data")
    assert no_file.status_code == 400
    assert "Pilih berkas CSV atau XLSX." in no_file.get_data(as_text=True)


def test_a_formula_in_a_name_is_kept_as_text_and_escaped(app, client, cohort):
    content = 'nama,email\n"=HYPERLINK(""http://x"")<script>",x@contoh.id\n'
    html = upload(client, cohort, content).get_data(as_text=True)
    assert "<script>" not in html.split("<main")[1]
    confirm(client, cohort, html)
    with app.app_context():
        assert db.session.scalar(select(User.full_name).where(User.email == "x@contoh.id")) == (
            '=HYPERLINK("http://x")<script>'
        )


def test_seat_limit_applies_to_the_whole_import(app, client, make_user, make_cohort, auth):
    trainer = make_user(role="trainer", login="pelatih@contoh.id")
    cohort_id, _ = make_cohort(trainer, seat_limit="2")
    auth.login("pelatih@contoh.id")
    html = upload(client, cohort_id, "nama,email\nA,a@c.id\nB,b@c.id\nC,c@c.id\n").get_data(
        as_text=True
    )
    assert "hanya punya 2 kursi tersisa, tetapi berkas menambahkan 3 peserta" in html
    assert 'name="payload"' not in html


def imported_link(client, cohort, row="Rina Wati,rina@contoh.id"):
    html = upload(client, cohort, f"nama,email\n{row}\n").get_data(as_text=True)
    page = confirm(client, cohort, html).get_data(as_text=True)
    return re.search(r"http://localhost(/atur-kata-sandi/[\w-]+)", page).group(1)


def test_a_new_trainee_sets_a_password_and_accepts_the_privacy_notice(app, client, cohort, auth):
    link = imported_link(client, cohort)
    auth.logout()
    # No password yet: signing in is impossible.
    assert auth.login("rina@contoh.id", "!").status_code == 400
    page = client.get(link).get_data(as_text=True)
    assert "Rina Wati" in page and "pemberitahuan privasi" in page
    refused = client.post(link, data={"password": "pendek"})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "Gunakan minimal 8 karakter." in html
    assert "Anda harus menyetujui pemberitahuan privasi" in html

    response = client.post(link, data={"password": "kopi-gayo-2026", "consent": "y"})
    assert response.status_code == 302
    assert "Kata sandi Anda sudah dibuat" in client.get("/belajar").get_data(as_text=True)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "rina@contoh.id"))
        consent = db.session.scalar(select(ConsentEvent).where(ConsentEvent.user_id == user.id))
        assert consent.user_id == user.id and consent.version == app.config["PRIVACY_VERSION"]
    # The link works once.
    used = client.get(link)
    assert used.status_code == 404
    assert "sudah kedaluwarsa atau sudah dipakai" in used.get_data(as_text=True)
    auth.logout()
    assert auth.login("rina@contoh.id", "kopi-gayo-2026").status_code == 302


def test_links_expire_and_new_links_replace_old_ones(app, client, cohort, auth, clock):
    first = imported_link(client, cohort)
    again = client.post(f"/kelas/{cohort}/tautan")
    assert again.status_code == 200
    second = re.search(r"http://localhost(/atur-kata-sandi/[\w-]+)", again.get_data(as_text=True))
    assert second and second.group(1) != first
    assert client.get(first).status_code == 404
    assert client.get(second.group(1)).status_code == 200
    clock.jump(days=app.config["SETUP_LINK_DAYS"], seconds=1)
    assert client.get(second.group(1)).status_code == 404
    assert client.get("/atur-kata-sandi/" + "x" * 300).status_code == 404


def test_importing_a_person_into_a_second_cohort_reuses_the_account(
    app, client, cohort, make_user, make_cohort
):
    imported_link(client, cohort)
    with app.app_context():
        trainer = db.session.scalar(select(User.id).where(User.email == "pelatih@contoh.id"))
    other, _ = make_cohort(trainer, name="Angkatan Kedua")
    html = upload(client, other, "nama,email\nRina Wati,RINA@contoh.id\n").get_data(as_text=True)
    assert "0 akun baru, 1 akun yang sudah ada" in html
    page = confirm(client, other, html).get_data(as_text=True)
    # Still no password: a fresh link.
    assert "/atur-kata-sandi/" in page
    with app.app_context():
        assert (
            db.session.scalar(select(func.count(User.id)).where(User.email == "rina@contoh.id"))
            == 1
        )
    # Importing the same file again adds nobody twice.
    html = upload(client, other, "nama,email\nRina Wati,rina@contoh.id\n").get_data(as_text=True)
    assert "sudah ada di kelas pelatihan ini" in html
    confirm(client, other, html)
    with app.app_context():
        assert db.session.scalar(select(func.count(CohortMember.id))) == 2


def test_a_trainer_cannot_take_over_an_existing_account_through_an_import(
    app, client, cohort, make_user
):
    """Issue 11, item 1: importing an admin's or a trainee's email enrols them at most; it
    never reveals their name and never yields a link that sets their password."""
    admin = make_user(role="admin", login="kepala@contoh.id", full_name="Ibu Kepala Dinas")
    trainee = make_user(login="warga@contoh.id", full_name="Warga Asli")
    csv = "nama,email\nSiapa Saja,kepala@contoh.id\nOrang Lain,warga@contoh.id\n"
    html = upload(client, cohort, csv).get_data(as_text=True)
    assert "Ibu Kepala Dinas" not in html and "Warga Asli" not in html
    assert html.count("sudah punya akun") == 2
    page = confirm(client, cohort, html).get_data(as_text=True)
    assert "/atur-kata-sandi/" not in page
    with app.app_context():
        assert db.session.scalar(select(func.count(PasswordToken.id))) == 0
        assert db.session.get(User, admin).role == "admin"
    # Nor can the trainer make a link for them afterwards: only an admin can.
    for person in (admin, trainee):
        response = client.post(f"/kelas/{cohort}/peserta/{person}/tautan")
        assert response.status_code == 403
        assert "hanya administrator" in response.get_data(as_text=True)
    assert client.post(f"/kelas/{cohort}/tautan").status_code == 302  # nobody to link
    with app.app_context():
        assert db.session.scalar(select(func.count(PasswordToken.id))) == 0


def test_a_trainers_link_stops_working_once_the_account_is_no_longer_a_fresh_trainee(
    app, client, cohort, make_user
):
    """A link a trainer made is checked again when used: after an admin makes the person a
    trainer, or after the person set a password another way, it no longer works."""
    first = imported_link(client, cohort)
    assert client.get(first).status_code == 200
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "rina@contoh.id"))
        user.role = "trainer"
        db.session.commit()
    assert client.get(first).status_code == 404
    assert app.test_client().post(first, data={"password": "kopi-gayo-2026"}).status_code == 404


def xlsx_of(rows, title="Peserta") -> bytes:
    """A workbook as Excel writes one: the first sheet holds the rows (None = an empty cell)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    book.create_sheet("Catatan").append(["Lembar lain: tidak dibaca"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_xlsx_roster_is_checked_and_imported_like_a_csv(app, client, cohort):
    """Issue 11, item 19b: same columns and rules as the CSV; rows numbered as Excel shows."""
    content = xlsx_of(
        [
            ["Nama Lengkap", "Email", "No HP", "Provinsi", "Kabupaten/Kota"],
            ["Siti Aminah", "siti@contoh.id", None, "Aceh", "Kabupaten Bireuen"],
            ["Teuku Rizal", None, "0812 3456 7890", 11, 11.11],
            [None, None, None, None, None],
            # Excel drops the leading 0 of a number typed into a number cell.
            ["Cut Nyak", None, 81298765432, None, None],
            ["Tanpa Kontak", None, None, None, None],
            ["Dewi Lestari", "DEWI@contoh.id", None, None, None],
        ]
    )
    before = counts(app)
    response = upload(client, cohort, content, name="peserta.xlsx")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "4 akun baru, 0 akun yang sudah ada, 1 baris bermasalah." in html
    error = re.search(r'<tr class="row-error">\s*<td[^>]*>(\d+)</td>\s*<td[^>]*>([^<]*)</td>', html)
    assert error.groups() == ("6", "Tanpa Kontak")  # the row number Excel shows
    assert "Isi email atau nomor HP." in html and "dewi@contoh.id" in html
    assert "+6281298765432" in html and "Kabupaten Bireuen" in html
    assert counts(app) == before
    response = upload(client, cohort, xlsx_of([["nama", "email"], ["Rina", "rina@contoh.id"]]))
    done = confirm(client, cohort, response.get_data(as_text=True))
    assert done.status_code == 200 and "/atur-kata-sandi/" in done.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User.full_name).where(User.email == "rina@contoh.id"))


def zip_of(files: dict) -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def workbook_with_sheet(sheet_xml: bytes) -> bytes:
    """A real workbook whose first sheet's XML is replaced."""
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(xlsx_of([["nama", "email"], ["A", "a@c.id"]])))
    files = {i.filename: source.read(i) for i in source.infolist()}
    files["xl/worksheets/sheet1.xml"] = sheet_xml
    return zip_of(files)


ENTITY_BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY a "aaaaaaaaaa">'
    b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&b;</t></is></c></row></sheetData>'
    b"</worksheet>"
)

# Something in Excel's very last row and column: openpyxl would fill in a million empty rows.
FAR_ROW = (
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>nama</t></is></c>'
    b'<c r="B1" t="inlineStr"><is><t>email</t></is></c></row><row r="1048576">'
    b'<c r="XFD1048576" t="inlineStr"><is><t>x@c.id</t></is></c></row></sheetData></worksheet>'
)


@pytest.mark.parametrize(
    "content, name, message",
    [
        (b"PK\x03\x04 bukan zip sungguhan", "peserta.xlsx", "bukan buku kerja XLSX yang utuh"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "peserta.xlsx", "bukan buku kerja XLSX yang utuh"),
        (zip_of({"isi.txt": b"halo"}), "peserta.xlsx", "bukan buku kerja XLSX yang utuh"),
        (zip_of({"content.xml": b"<office/>"}), "peserta.ods", "bukan buku kerja XLSX"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "peserta.xls", "format Excel lama"),
        (workbook_with_sheet(ENTITY_BOMB), "bom.xlsx", "bukan buku kerja XLSX yang utuh"),
        (workbook_with_sheet(b"<worksheet>" + b" " * 20_000_000), "besar.xlsx", "terlalu besar"),
        (workbook_with_sheet(FAR_ROW), "jauh.xlsx", "di baris 10101 atau di bawahnya"),
        (xlsx_of([]), "kosong.xlsx", "Berkas kosong."),
        (xlsx_of([["foo", "bar"], [1, 2]]), "x.xlsx", "Baris pertama harus berisi nama kolom"),
        (xlsx_of([["nama", "telepon"]]), "x.xlsx", "tidak ada pesertanya"),
    ],
)
def test_a_broken_or_foreign_spreadsheet_gets_a_clear_message(
    app, client, cohort, content, name, message
):
    response = upload(client, cohort, content, name=name)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and 'id="file-error"' in html


def test_xlsx_imports_have_the_same_size_and_row_limits(app, client, cohort, monkeypatch):
    monkeypatch.setitem(app.config, "COHORT_IMPORT_MAX_ROWS", 5)
    many = xlsx_of([["nama", "email"]] + [[f"O {i}", f"o{i}@c.id"] for i in range(6)])
    response = upload(client, cohort, many, name="banyak.xlsx")
    assert response.status_code == 400
    assert "Berkas berisi 6 peserta; paling banyak 5" in response.get_data(as_text=True)
    monkeypatch.setitem(app.config, "COHORT_IMPORT_MAX_BYTES", 1024)
    response = upload(client, cohort, many, name="banyak.xlsx")
    assert response.status_code == 400 and "Berkas terlalu besar" in response.get_data(as_text=True)
    page = client.get(f"/kelas/{cohort}/impor").get_data(as_text=True)
    assert "Berkas CSV atau XLSX daftar peserta" in page and "Berkas .csv atau .xlsx." in page


def test_the_import_page_offers_templates_that_import_back(app, client, cohort):
    """Issue 11, item 19c: a CSV and an XLSX template with the header row and one example row
    (in the cohort's region); the example itself is never imported by mistake."""
    page = client.get(f"/kelas/{cohort}/impor").get_data(as_text=True)
    assert f'href="/kelas/{cohort}/impor/contoh.csv"' in page
    assert f'href="/kelas/{cohort}/impor/contoh.xlsx"' in page

    response = client.get(f"/kelas/{cohort}/impor/contoh.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")  # Excel reads it as UTF-8
    lines = body.decode("utf-8-sig").splitlines()
    assert lines == [
        "nama;email;telepon;provinsi;kabupaten/kota",
        "Siti Aminah;siti@contoh.id;0812 3456 7890;Aceh;Kabupaten Bireuen",
    ]
    # Left unchanged, the example row is refused with a reason; replaced, it imports.
    html = upload(client, cohort, body).get_data(as_text=True)
    assert "Ini baris contoh dari templat" in html and 'name="payload"' not in html
    filled = body.decode("utf-8-sig").replace("Siti Aminah;siti@contoh.id", "Rina;rina@contoh.id")
    html = upload(client, cohort, filled).get_data(as_text=True)
    assert "1 akun baru, 0 akun yang sudah ada, 0 baris bermasalah." in html

    response = client.get(f"/kelas/{cohort}/impor/contoh.xlsx")
    assert response.status_code == 200
    assert "spreadsheetml" in response.headers["Content-Type"]
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(response.get_data()))
    sheet = book.active
    assert [c.value for c in sheet[1]] == ["nama", "email", "telepon", "provinsi", "kabupaten/kota"]
    assert [c.value for c in sheet[2]][:3] == ["Siti Aminah", "siti@contoh.id", "0812 3456 7890"]
    assert sheet.column_dimensions["C"].number_format == "@"  # numbers keep their leading 0
    sheet["A2"], sheet["B2"], sheet["C2"] = "Teuku Rizal", None, "0813 1111 2222"
    sheet.append(["Cut Nyak", "cut@contoh.id", None, None, None])
    out = io.BytesIO()
    book.save(out)
    html = upload(client, cohort, out.getvalue(), name="contoh-peserta.xlsx").get_data(as_text=True)
    assert "2 akun baru, 0 akun yang sudah ada, 0 baris bermasalah." in html

    client.post("/bahasa", data={"locale": "en"})
    lines = client.get(f"/kelas/{cohort}/impor/contoh.csv").get_data().decode("utf-8-sig")
    assert lines.splitlines()[0] == "nama,email,telepon,provinsi,kabupaten/kota"


MIXED = "\n".join(
    [
        "nama;email;telepon",
        "Satu;satu@contoh.id;",
        "Email Salah;bukan-email;",
        "Dua;;0812 5555 0001",
        ";tanpa-nama@contoh.id;",
        "Tiga;tiga@contoh.id;",
    ]
)


def confirm_skipping(client, cohort_id, html, skip=True):
    data = {"payload": payload_of(html)}
    if skip:
        data["skip_invalid"] = "y"
    return client.post(f"/kelas/{cohort_id}/impor/simpan", data=data)


def test_the_correct_rows_can_be_imported_and_the_others_skipped(app, client, cohort):
    """Issue 11, item 19d: all or nothing by default; on request, only the correct rows are
    written (one transaction) and the result page says which rows were skipped and why."""
    before = counts(app)
    html = upload(client, cohort, MIXED).get_data(as_text=True)
    assert "3 akun baru, 0 akun yang sudah ada, 2 baris bermasalah." in html
    option = re.search(
        r'<input id="skip_invalid" name="skip_invalid" type="checkbox" value="y">', html
    )
    assert option, "the option is offered, unticked"
    assert "Lewati 2 baris yang bermasalah dan impor 3 baris yang benar" in html

    # By default (the box not ticked) nothing is written.
    refused = confirm_skipping(client, cohort, html, skip=False)
    assert refused.status_code == 400
    assert "Tidak ada yang diimpor" in refused.get_data(as_text=True)
    assert counts(app) == before

    done = confirm_skipping(client, cohort, html)
    assert done.status_code == 200
    page = done.get_data(as_text=True)
    assert (
        "Berhasil diimpor: 3 akun baru, 0 akun yang sudah ada. 2 baris bermasalah dilewati." in page
    )
    skipped = page.split("Baris yang dilewati")[1]
    assert "Baris 3" in skipped and "“bukan-email” bukan email yang benar." in skipped
    assert "Baris 5" in skipped and "Nama belum diisi." in skipped
    assert len(re.findall(r'value="http://localhost/atur-kata-sandi/[\w-]+" readonly', page)) == 3
    users, members, enrolments = counts(app)
    assert (users - before[0], members, enrolments) == (3, 3, 3)
    with app.app_context():
        assert db.session.scalar(select(User.id).where(User.email == "bukan-email")) is None


def test_skipping_keeps_the_seat_limit(app, client, make_user, make_cohort, auth):
    trainer = make_user(role="trainer", login="pelatih@contoh.id")
    tight, _ = make_cohort(trainer, seat_limit="2")
    roomy, _ = make_cohort(trainer, name="Kelas Lega", seat_limit="3")
    auth.login("pelatih@contoh.id")
    before = counts(app)
    # Three correct rows for two seats: skipping the wrong rows does not make them fit.
    html = upload(client, tight, MIXED).get_data(as_text=True)
    assert "hanya punya 2 kursi tersisa, tetapi berkas menambahkan 3 peserta" in html
    assert 'name="skip_invalid"' not in html and 'name="payload"' not in html
    forged = client.post(
        f"/kelas/{tight}/impor/simpan",
        data={
            "payload": payload_of(upload(client, roomy, MIXED).get_data(as_text=True)),
            "skip_invalid": "y",
        },
    )
    assert forged.status_code == 400 and counts(app) == before
    # The skipped rows take no seat: three correct rows fill three seats.
    html = upload(client, roomy, MIXED).get_data(as_text=True)
    # Between the preview and the confirmation someone joins: the seats no longer suffice.
    joiner = make_user(login="penyusup@contoh.id")
    with app.app_context():
        from lms.cohorts import services as cohorts
        from lms.cohorts.models import Cohort

        cohorts.join(db.session.get(User, joiner), db.session.get(Cohort, roomy).join_code)
    late = confirm_skipping(client, roomy, html)
    assert late.status_code == 400 and "hanya punya 2 kursi tersisa" in late.get_data(as_text=True)
    assert counts(app)[1] == before[1] + 1
    with app.app_context():
        db.session.execute(CohortMember.__table__.delete().where(CohortMember.user_id == joiner))
        db.session.commit()
    assert confirm_skipping(client, roomy, html).status_code == 200
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count(CohortMember.id)).where(CohortMember.cohort_id == roomy)
            )
            == 3
        )


def test_nothing_to_skip_to_when_every_row_is_wrong(app, client, cohort):
    html = upload(client, cohort, "nama,email\n,a@c.id\nB,bukan\n").get_data(as_text=True)
    assert "0 akun baru, 0 akun yang sudah ada, 2 baris bermasalah." in html
    assert 'name="skip_invalid"' not in html
    before = counts(app)
    import base64

    forged = base64.b64encode(b"nama,email\n,a@c.id\nB,bukan\n").decode()
    response = client.post(
        f"/kelas/{cohort}/impor/simpan", data={"payload": forged, "skip_invalid": "y"}
    )
    assert response.status_code == 400 and counts(app) == before


def test_the_links_list_is_made_for_phones_and_whatsapp(app, client, cohort):
    """Issue 11, item 18: one card per person, the link in a readonly field with a copy
    button (shown by a small deferred script), and a WhatsApp message for people with a
    mobile number, in Indonesian even when the trainer reads English."""
    from urllib.parse import parse_qs, unquote, urlsplit

    client.post("/bahasa", data={"locale": "en"})
    html = upload(client, cohort, "nama,email,telepon\nRina Wati,,0812 5555 0001\nBudi,b@c.id,\n")
    page = confirm(client, cohort, html.get_data(as_text=True)).get_data(as_text=True)
    assert '<script src="/static/copy.js" defer></script>' in page
    assert "<script>" not in page and "style=" not in page
    assert page.count('class="card person"') == 2
    assert page.count('<button type="button" class="secondary no-print" data-copy=') == 2
    assert page.count(" hidden><span") == 2  # shown only by the script
    shares = re.findall(r'<a class="whatsapp" href="([^"]+)"', page)
    assert len(shares) == 1  # Budi has no mobile number
    share = urlsplit(shares[0].replace("&amp;", "&"))
    assert (share.scheme, share.netloc, share.path) == ("https", "wa.me", "/6281255550001")
    text = parse_qs(share.query)["text"][0]
    link = re.search(r'value="(http://localhost/atur-kata-sandi/[\w-]+)" readonly', page).group(1)
    assert text.startswith("Halo Rina Wati, Anda sudah didaftarkan di pelatihan ")
    assert "Pemasaran Digital UMKM Bireuen" in text and link in text and "30 hari" in text
    assert unquote(share.query).count(link) == 1
    assert client.get("/static/copy.js").status_code == 200


def test_a_damaged_workbook_never_answers_500(app, client, cohort):
    """Bytes flipped anywhere in a real workbook (a broken download, a bad USB stick): the
    trainer gets the preview or a message, never a server error."""
    import random

    rng = random.Random(11)
    base = xlsx_of(
        [["nama", "email", "telepon"]] + [[f"P {i}", f"p{i}@c.id", None] for i in range(9)]
    )
    statuses = set()
    for _ in range(40):
        damaged = bytearray(base)
        for _ in range(rng.randint(1, 6)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        response = upload(client, cohort, bytes(damaged), name="rusak.xlsx")
        statuses.add(response.status_code)
        if response.status_code == 400:
            assert 'id="file-error"' in response.get_data(as_text=True)
    assert statuses <= {200, 400} and 400 in statuses
