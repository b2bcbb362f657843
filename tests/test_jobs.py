"""Bulk work as background jobs: inline without Redis, in a worker process with Redis."""

import io
import os
import zipfile

import pytest
import redis
from sqlalchemy import select

from lms.certificates.models import Certificate
from lms.extensions import db
from lms.jobs.models import Job

from .conftest import PASSWORD, complete_course

REDIS_URL = f"redis://127.0.0.1:6379/{int(os.environ.get('LMS_TEST_REDIS_DB', '14')) + 1}"


def redis_available() -> bool:
    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


@pytest.fixture
def cohort(app, make_user, make_cohort, sample_course, issuer):
    trainer = make_user(role="trainer", login="pelatih@contoh.id")
    members = [make_user(login=f"anggota{i}@contoh.id") for i in range(4)]
    cohort_id, _ = make_cohort(trainer, members=members)
    for user_id in members:
        complete_course(app, user_id)
    return cohort_id


def trainer(app):
    client = app.test_client()
    client.post("/masuk", data={"login": "pelatih@contoh.id", "password": PASSWORD})
    return client


def test_without_redis_jobs_run_inline_and_the_zip_downloads(app, cohort):
    client = trainer(app)
    client.post(f"/kelas/{cohort}/sertifikat")
    response = client.post(f"/kelas/{cohort}/sertifikat", data={"action": "zip"})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Selesai." in page and 'http-equiv="refresh"' not in page
    with app.app_context():
        job = db.session.scalar(select(Job).where(Job.kind == "build_zip"))
        assert (job.status, job.done, job.total) == ("done", 4, 4)
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/pekerjaan/{job.id}/unduh").data))
    assert len(archive.namelist()) == 4


def test_another_trainer_cannot_see_a_job(app, cohort, make_user):
    trainer(app).post(f"/kelas/{cohort}/sertifikat")
    make_user(role="trainer", login="lain@contoh.id")
    other = app.test_client()
    other.post("/masuk", data={"login": "lain@contoh.id", "password": PASSWORD})
    with app.app_context():
        job_id = db.session.scalar(select(Job.id))
    assert other.get(f"/pekerjaan/{job_id}").status_code == 404


@pytest.mark.skipif(not redis_available(), reason="needs Redis on 127.0.0.1:6379")
def test_with_redis_a_worker_runs_the_job_and_progress_shows(app, cohort, runner, monkeypatch):
    redis.Redis.from_url(REDIS_URL).flushdb()
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)
    client = trainer(app)
    response = client.post(f"/kelas/{cohort}/sertifikat")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Menunggu pekerja" in page and 'http-equiv="refresh"' in page
    with app.app_context():
        assert db.session.query(Certificate).count() == 0
    result = runner.invoke(args=["worker", "--burst"])
    assert result.exit_code == 0, result.output
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "4 sertifikat diterbitkan" in page
    with app.app_context():
        assert db.session.query(Certificate).count() == 4
        assert db.session.scalar(select(Job.status)) == "done"


def test_worker_needs_redis(runner):
    result = runner.invoke(args=["worker", "--burst"])
    assert result.exit_code == 1 and "LMS_REDIS_URL" in result.output
