"""The production shape: several gunicorn servers sharing PostgreSQL and Redis, and a worker.
Runs when the suite runs on PostgreSQL (LMS_TEST_DATABASE_URL) with Redis on the machine."""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

import pytest
import redis
from sqlalchemy import select

from lms.certificates.models import Certificate
from lms.extensions import db

from .conftest import PASSWORD, complete_course

ROOT = Path(__file__).resolve().parent.parent
# LMS_TEST_REDIS_DB lets parallel checkouts use their own Redis databases (this one and the next).
REDIS_URL = f"redis://127.0.0.1:6379/{int(os.environ.get('LMS_TEST_REDIS_DB', '14'))}"
VENV_BIN = Path(sys.executable).parent


def redis_available() -> bool:
    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


pytestmark = pytest.mark.skipif(
    not os.environ.get("LMS_TEST_DATABASE_URL", "").startswith("postgresql")
    or not redis_available()
    or not (VENV_BIN / "gunicorn").exists(),
    reason="runs on PostgreSQL with Redis and gunicorn (the CI's second pass)",
)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """Just enough of a browser: cookies, no redirects followed."""

    def __init__(self):
        self.cookies = CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), NoRedirect()
        )

    def open(self, url, data=None):
        body = urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(url, body, timeout=20) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def login(self, base, login):
        _, page = self.open(f"{base}/masuk")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        status, _ = self.open(
            f"{base}/masuk", {"login": login, "password": PASSWORD, "csrf_token": token}
        )
        assert status == 302

    def token(self, base, path):
        _, page = self.open(f"{base}{path}")
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def servers(app, tmp_path):
    """Two gunicorn instances (2 workers each) on one database and one Redis."""
    redis.Redis.from_url(REDIS_URL).flushdb()
    env = {
        **os.environ,
        "LMS_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "LMS_REDIS_URL": REDIS_URL,
        "LMS_SECRET_KEY": "shared-production-secret",
        "LMS_BASE_URL": "http://127.0.0.1",
        "LMS_FILES_DIR": str(tmp_path / "files"),
        "LMS_VERIFY_RATE_LIMIT": "3 per minute",
    }
    procs, bases = [], []
    for _ in range(2):
        port = free_port()
        procs.append(
            subprocess.Popen(
                [
                    str(VENV_BIN / "gunicorn"),
                    "--workers",
                    "2",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "lms:create_app()",
                ],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        bases.append(f"http://127.0.0.1:{port}")
    try:
        deadline = time.time() + 30
        for base in bases:
            while True:
                try:
                    urllib.request.urlopen(f"{base}/privasi", timeout=2)
                    break
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    if time.time() > deadline:
                        raise
                    time.sleep(0.2)
        yield bases, env
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=10)


def test_two_servers_share_sessions_rate_limits_and_jobs(app, servers, make_user, make_cohort):
    (a, b), env = servers
    trainer = make_user(role="trainer", login="pelatih@contoh.id")
    members = [make_user(login=f"anggota{i}@contoh.id") for i in range(3)]
    cohort, _ = make_cohort(trainer, members=members)
    for user_id in members:
        complete_course(app, user_id)

    # A session made on one server is valid on the other: no state is kept in a server.
    browser = Browser()
    browser.login(a, "pelatih@contoh.id")
    assert browser.open(f"{b}/kelas/{cohort}")[0] == 200

    # Rate-limit counters live in Redis, shared by both servers.
    anonymous = Browser()
    codes = [
        anonymous.open(f"{base}/api/v1/certificates/AAAABBBBCCCCDDDD")[0] for base in (a, b, a, b)
    ]
    assert codes == [404, 404, 404, 429]

    # Bulk issue is queued in Redis, run by a worker process, and its progress shows anywhere.
    token = browser.token(a, f"/kelas/{cohort}/sertifikat")
    status, _ = browser.open(f"{a}/kelas/{cohort}/sertifikat", {"csrf_token": token})
    assert status == 302
    with app.app_context():
        from lms.jobs.models import Job

        job_id = db.session.scalar(select(Job.id))
        assert db.session.query(Certificate).count() == 0
    assert "Menunggu pekerja" in browser.open(f"{b}/pekerjaan/{job_id}")[1]
    flask = shutil.which("flask", path=str(VENV_BIN))
    worker = subprocess.run(
        [flask, "--app", "lms", "worker", "--burst"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert worker.returncode == 0, worker.stderr
    assert "3 sertifikat diterbitkan" in browser.open(f"{b}/pekerjaan/{job_id}")[1]
    with app.app_context():
        numbers = sorted(db.session.scalars(select(Certificate.number)))
    assert [n.split("/")[0] for n in numbers] == ["0001", "0002", "0003"]
