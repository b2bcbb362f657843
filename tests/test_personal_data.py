import json

from sqlalchemy import select

from lms.accounts.models import ConsentEvent, User
from lms.catalog.models import Enrolment, LessonProgress
from lms.certificates.models import Certificate
from lms.extensions import db
from lms.quizzes.models import Attempt

from .conftest import PASSWORD


def test_a_trainee_downloads_all_their_data(app, client, graduate):
    client.post("/kursus/kursus-contoh/sertifikat", data={"full_name": "Siti Aminah"})
    response = client.get("/akun/data.json")
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.data)
    assert data["profile"]["email"] == "lulusan@contoh.id"
    assert data["profile"]["full_name"] == "Siti Aminah"
    assert len(data["lessons_completed"]) == 3
    assert len(data["quiz_attempts"]) == 2
    assert data["enrolments"][0]["course"] == "kursus-contoh"
    assert data["certificates"][0]["name_as_printed"] == "Siti Aminah"
    assert "password" not in json.dumps(data).lower()


def test_deleting_the_account_erases_data_but_certificates_stay_verifiable(app, client, graduate):
    client.post("/kursus/kursus-contoh/sertifikat", data={"full_name": "Siti Aminah"})
    with app.app_context():
        code = db.session.scalar(select(Certificate.code))
    wrong = client.post("/akun/hapus", data={"password": "salah"})
    assert wrong.status_code == 400 and "Kata sandi saat ini salah" in wrong.get_data(as_text=True)
    response = client.post("/akun/hapus", data={"password": PASSWORD}, follow_redirects=True)
    assert "Akun dan data belajar Anda sudah dihapus" in response.get_data(as_text=True)
    assert client.get("/akun").status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User))
        assert (user.email, user.phone, user.full_name) == (None, None, "—")
        assert user.deleted_at is not None
        for model in (Enrolment, LessonProgress, Attempt, ConsentEvent):
            assert db.session.query(model).count() == 0, model
    verified = app.test_client().get(f"/api/v1/certificates/{code}").get_json()
    assert verified["status"] == "valid" and verified["name"] == "Siti Aminah"
    assert (
        client.post("/masuk", data={"login": "lulusan@contoh.id", "password": PASSWORD}).status_code
        == 400
    )
    # The email can be registered again by anyone.
    again = client.post(
        "/daftar",
        data={
            "full_name": "Baru",
            "login": "lulusan@contoh.id",
            "password": "kopi-gayo-2026",
            "province": "11",
            "regency": "11.11",
            "consent": "y",
        },
    )
    assert again.status_code == 302


def test_withdrawing_consent_pauses_learning_until_given_again(app, client, sample_course, trainee):
    client.post("/kursus/kursus-contoh/daftar")
    client.post("/akun/persetujuan", data={"action": "withdraw"})
    for url in ("/belajar", "/kursus/kursus-contoh", "/"):
        assert client.get(url).headers["Location"] == "/akun/persetujuan", url
    assert client.get("/akun/data.json").status_code == 200
    page = client.get("/akun/persetujuan").get_data(as_text=True)
    assert "Anda telah menarik persetujuan" in page
    client.post("/akun/persetujuan", data={"action": "give"})
    assert client.get("/belajar").status_code == 200
    with app.app_context():
        actions = list(db.session.scalars(select(ConsentEvent.action).order_by(ConsentEvent.id)))
    assert actions == ["given", "withdrawn", "given"]  # at registration, then the two changes
