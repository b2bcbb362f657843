"""User text is shown as text everywhere: pages, exports and PDFs."""

import csv
import io

from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from lms.certificates.models import Certificate
from lms.cohorts.models import Cohort
from lms.extensions import db
from lms.issuers.models import Issuer

from .conftest import PASSWORD, complete_course

PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'
FORMULA = '=HYPERLINK("http://jahat.example","klik")'


def assert_escaped(html: str, where: str, shown: bool = True) -> None:
    assert "<script>alert" not in html and "<img src=x" not in html, where
    if shown:
        assert "&lt;script&gt;" in html, where


def test_payloads_in_every_user_field_stay_text(app, make_user, make_cohort, sample_course, issuer):
    with app.app_context():
        unit = db.session.get(Issuer, issuer)
        unit.name = f"Dinas {PAYLOAD}"
        unit.signatory_name = PAYLOAD
        db.session.commit()
    trainer = make_user(role="trainer", login="pelatih@contoh.id", full_name=f"Pelatih {PAYLOAD}")
    member = make_user(login="anggota@contoh.id", full_name=PAYLOAD)
    formula = make_user(login="rumus@contoh.id", full_name=FORMULA)
    cohort, _ = make_cohort(
        trainer,
        members=[member, formula],
        name=f"Kelas {PAYLOAD}",
        location=PAYLOAD,
        organiser=PAYLOAD,
    )
    complete_course(app, member)
    admin = make_user(role="admin", login="admin@contoh.id")

    trainee_client = app.test_client()
    trainee_client.post("/masuk", data={"login": "anggota@contoh.id", "password": PASSWORD})
    trainee_client.post("/kursus/kursus-contoh/sertifikat", data={"full_name": PAYLOAD})
    with app.app_context():
        cert = db.session.scalar(select(Certificate))
        assert cert.full_name == PAYLOAD
        cert_id, code = cert.id, cert.code

    # CSV import with a payload in a row.
    trainer_client = app.test_client()
    trainer_client.post("/masuk", data={"login": "pelatih@contoh.id", "password": PASSWORD})
    upload = f"nama;email;telepon\n{PAYLOAD};impor@contoh.id;\n".encode()
    preview = trainer_client.post(
        f"/kelas/{cohort}/impor",
        data={"file": (io.BytesIO(upload), "p.csv")},
        content_type="multipart/form-data",
    )
    assert_escaped(preview.get_data(as_text=True), "import preview")

    admin_client = app.test_client()
    admin_client.post("/masuk", data={"login": "admin@contoh.id", "password": PASSWORD})
    pages = [
        (trainer_client, f"/kelas/{cohort}"),
        (trainer_client, f"/kelas/{cohort}/peserta/{member}"),
        (trainer_client, f"/kelas/{cohort}/poster"),
        (trainer_client, f"/kelas/{cohort}/ubah"),
        (trainer_client, f"/kelas/{cohort}/sertifikat"),
        (trainer_client, "/kelas"),
        (admin_client, "/admin/kelas"),
        (admin_client, "/admin/pengguna"),
        (admin_client, "/admin/sertifikat"),
        (admin_client, f"/admin/sertifikat/{cert_id}"),
        (admin_client, "/admin/penerbit"),
        (admin_client, f"/admin/penerbit/{issuer}"),
        (trainee_client, "/sertifikat", False),
        (trainee_client, "/akun"),
        (app.test_client(), f"/v/{code}"),
    ]
    for client, url, *shown in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_escaped(response.get_data(as_text=True), url, *shown)
    assert app.test_client().get(f"/api/v1/certificates/{code}").get_json()["name"] == PAYLOAD

    # Exports: text as text, and spreadsheet formulas neutralised.
    exported = trainer_client.get(f"/kelas/{cohort}/ekspor.csv").data.decode("utf-8-sig")
    names = [row[0] for row in csv.reader(io.StringIO(exported), delimiter=";")][1:]
    assert PAYLOAD in names and "'" + FORMULA in names
    sheet = load_workbook(
        io.BytesIO(trainer_client.get(f"/kelas/{cohort}/ekspor.xlsx").data)
    ).active
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    values = [cell.value for cell in cells]
    assert PAYLOAD in values and FORMULA in values  # as typed, in text cells
    assert all(cell.data_type == "s" for cell in cells)

    # The PDF prints the payload as the name, literally.
    pdf = trainee_client.get(f"/sertifikat/{cert_id}/unduh").data
    text = "".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    assert "".join(PAYLOAD.split()) in text

    with app.app_context():
        assert db.session.get(Cohort, cohort).name == f"Kelas {PAYLOAD}"
    del admin
