import io
import zipfile

import pytest
from sqlalchemy import select

from lms.certificates import bulk
from lms.certificates.models import Certificate
from lms.extensions import db
from lms.issuers.models import Issuer

from .conftest import PASSWORD, complete_course


@pytest.fixture
def cohort(app, make_user, make_cohort, sample_course, issuer):
    """A trainer's cohort issued by a kabupaten unit: 5 trainees, 3 of them finished."""
    with app.app_context():
        unit = Issuer(
            name="Dinas Kominfo Kabupaten Bireuen",
            code="DISKOMINFO-BIR",
            signatory_name="Teuku Ahmad",
            signatory_title="Kepala Dinas",
        )
        db.session.add(unit)
        db.session.commit()
        unit_id = unit.id
    trainer = make_user(role="trainer", login="pelatih@contoh.id")
    members = [make_user(login=f"anggota{i}@contoh.id", full_name=f"Anggota {i}") for i in range(5)]
    cohort_id, _ = make_cohort(trainer, members=members)
    with app.app_context():
        from lms.cohorts.models import Cohort

        db.session.get(Cohort, cohort_id).issuer_id = unit_id
        db.session.commit()
    for user_id in members[:3]:
        complete_course(app, user_id)
    return cohort_id


def trainer_client(app, login="pelatih@contoh.id"):
    client = app.test_client()
    client.post("/masuk", data={"login": login, "password": PASSWORD})
    return client


def test_trainer_issues_every_eligible_certificate_and_downloads_a_zip(app, cohort):
    client = trainer_client(app)
    page = client.get(f"/kelas/{cohort}/sertifikat").get_data(as_text=True)
    assert "Terbitkan 3 sertifikat" in page
    # Without Redis the task runs inline: the task page shows it finished.
    response = client.post(f"/kelas/{cohort}/sertifikat", follow_redirects=True)
    assert "3 sertifikat diterbitkan" in response.get_data(as_text=True)
    again = client.post(f"/kelas/{cohort}/sertifikat", follow_redirects=True)
    assert "0 sertifikat diterbitkan" in again.get_data(as_text=True)
    with app.app_context():
        numbers = sorted(db.session.scalars(select(Certificate.number)))
    assert [n.split("/")[:2] for n in numbers] == [
        ["0001", "DISKOMINFO-BIR"],
        ["0002", "DISKOMINFO-BIR"],
        ["0003", "DISKOMINFO-BIR"],
    ]

    download = client.get(f"/kelas/{cohort}/sertifikat.zip", buffered=False)
    assert download.is_streamed and download.content_type == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    names = archive.namelist()
    assert len(names) == 3 and all(n.endswith(".pdf") for n in names)
    assert all(archive.read(n).startswith(b"%PDF") for n in names)


def test_the_zip_is_streamed_one_certificate_at_a_time(app, cohort):
    trainer_client(app).post(f"/kelas/{cohort}/sertifikat")
    with app.app_context():
        ids = list(db.session.scalars(select(Certificate.id)))
        chunks = list(bulk.zip_stream(ids))
    largest_pdf = 60_000
    assert len(chunks) == len(ids) + 1
    assert max(len(c) for c in chunks) < largest_pdf  # never more than one PDF in memory


def test_another_trainer_cannot_issue_or_download(app, cohort, make_user):
    make_user(role="trainer", login="lain@contoh.id")
    other = trainer_client(app, "lain@contoh.id")
    assert other.post(f"/kelas/{cohort}/sertifikat").status_code == 404
    assert other.get(f"/kelas/{cohort}/sertifikat.zip").status_code == 404
    with app.app_context():
        assert db.session.query(Certificate).count() == 0


def test_a_cohort_member_claims_from_the_cohorts_unit(app, cohort):
    client = app.test_client()
    client.post("/masuk", data={"login": "anggota0@contoh.id", "password": PASSWORD})
    client.post("/kursus/kursus-contoh/sertifikat", data={"full_name": "Anggota Nol"})
    with app.app_context():
        cert = db.session.scalar(select(Certificate))
        assert "/DISKOMINFO-BIR/" in cert.number
        assert cert.issuer_snapshot["name"] == "Dinas Kominfo Kabupaten Bireuen"


def test_cli_issues_with_a_progress_bar_and_writes_a_zip(app, runner, cohort, tmp_path):
    result = runner.invoke(
        args=[
            "certificates",
            "issue",
            "--cohort",
            str(cohort),
            "--zip",
            str(tmp_path / "semua.zip"),
        ]
    )
    assert result.exit_code == 0, result.output
    assert "5 trainees, 3 eligible" in result.output
    assert "Issued 3" in result.output
    assert len(zipfile.ZipFile(tmp_path / "semua.zip").namelist()) == 3
    again = runner.invoke(args=["certificates", "issue", "--cohort", str(cohort)])
    assert "0 eligible" in again.output
    assert runner.invoke(args=["certificates", "issue", "--cohort", "999"]).exit_code == 1


def test_bulk_issue_racing_a_trainees_own_claim_skips_them(app, cohort):
    """Issue 11, item 9: a trainee who claims while the bulk issue runs keeps their own
    certificate; the batch is retried without them, numbers stay gap-free."""
    from lms.accounts.models import User
    from lms.certificates import services
    from lms.cohorts import services as cohorts
    from lms.cohorts.models import Cohort

    with app.app_context():
        group = db.session.get(Cohort, cohort)
        unit = db.session.get(Issuer, group.issuer_id)
        eligible = services.eligible_without_certificate(group.course, cohorts.members(group))
        assert len(eligible) == 3
        issuing = services.issue_eligible(None, group.course, eligible, unit)
        # Before the batch commits, the first trainee claims their own certificate.
        first = db.session.scalar(select(User).where(User.email == "anggota0@contoh.id"))
        services.claim(first, group.course, first.full_name)
        issued = list(issuing)
        assert len(issued) == 2
        rows = db.session.scalars(select(Certificate).order_by(Certificate.number)).all()
        assert [c.number.split("/")[0] for c in rows] == ["0001", "0002", "0003"]
        assert len({c.user_id for c in rows}) == 3


def test_a_failed_job_shows_no_sql_and_can_be_started_again(app, cohort, monkeypatch):
    from sqlalchemy.exc import IntegrityError

    from lms.certificates import services

    def broken(*args, **kwargs):
        raise IntegrityError("INSERT INTO certificates ...", {}, Exception("UNIQUE failed"))

    monkeypatch.setattr(services, "issue_eligible", broken)
    client = trainer_client(app)
    job_page = client.get(client.post(f"/kelas/{cohort}/sertifikat").headers["Location"])
    html = job_page.get_data(as_text=True)
    assert "INSERT" not in html and "UNIQUE" not in html
    assert "kesalahan di server" in html and "Jalankan lagi" in html
    monkeypatch.undo()
    with app.app_context():
        from lms.jobs.models import Job

        failed = db.session.scalar(select(Job.id))
    restarted = client.post(f"/pekerjaan/{failed}/ulang")
    assert "Selesai." in client.get(restarted.headers["Location"]).get_data(as_text=True)
    assert len(certificate_numbers(app)) == 3


def certificate_numbers(app):
    with app.app_context():
        return db.session.scalars(select(Certificate.number)).all()


def test_a_job_whose_worker_died_shows_failed_instead_of_running_forever(app, cohort, clock):
    from lms.jobs.models import Job
    from lms.timeutil import utcnow

    with app.app_context():
        job = Job(kind="issue_certificates", cohort_id=cohort, status="running")
        job.heartbeat_at = utcnow()
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    client = trainer_client(app)
    assert "Sedang dikerjakan" in client.get(f"/pekerjaan/{job_id}").get_data(as_text=True)
    clock.jump(minutes=app.config["JOB_STALE_MINUTES"] + 1)  # no progress since: it died
    client = trainer_client(app)
    html = client.get(f"/pekerjaan/{job_id}").get_data(as_text=True)
    assert "berhenti sebelum selesai" in html and 'http-equiv="refresh"' not in html
    restarted = client.post(f"/pekerjaan/{job_id}/ulang")
    assert restarted.status_code == 302
    assert len(certificate_numbers(app)) == 3
