"""Real-browser tests: the app served on loopback, driven by Playwright in Debian's Chromium."""

import os
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask_migrate import upgrade
from werkzeug.serving import make_server

from lms import create_app
from lms.accounts import services as accounts
from lms.extensions import db
from tests.conftest import FIXTURES, app_config, empty_tables, import_courses, reset_database

CHROMIUM = os.environ.get("LMS_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(__file__).parent / "screenshots"
PHONE = {"width": 360, "height": 740}
PASSWORD = "kopi-gayo-2026"

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Chromium is installed by `make test` (Debian chromium)"
)


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    url = "sqlite:///" + str(tmp_path_factory.mktemp("browser") / "live.sqlite3")
    app = create_app(
        {
            **app_config(url),
            "WTF_CSRF_ENABLED": True,
            "TESTING": False,
            "COURSES_DIR": str(FIXTURES / "courses"),
        }
    )
    reset_database(app)
    with app.app_context():
        upgrade()
        empty_tables()
    import_courses(app)
    with app.app_context():
        from lms.issuers.models import Issuer

        db.session.add(
            Issuer(
                name="Kementerian Komunikasi dan Digital Republik Indonesia",
                code="KOMDIGI",
                signatory_name="Dr. Rina Wulandari",
                signatory_title="Kepala Pusat Literasi Digital",
                city="Jakarta",
                is_default=True,
            )
        )
        db.session.commit()
        for role, login in (("admin", "admin@contoh.id"), ("trainer", "pelatih@contoh.id")):
            accounts.create_user(
                full_name=f"Demo {role}",
                login=login,
                password=PASSWORD,
                province_code="11",
                regency_code="11.11",
                role=role,
                require_consent=False,
            )
        db.session.remove()
    return app


@pytest.fixture(scope="session")
def live_server(live_app):
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    live_app.config["BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    yield live_app.config["BASE_URL"]
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


class Visit:
    """A phone-sized browser tab that records every request it makes."""

    def __init__(self, browser, base_url):
        self.base_url = base_url
        self.context = browser.new_context(
            viewport=PHONE, base_url=base_url, accept_downloads=True, locale="id-ID"
        )
        self.page = self.context.new_page()
        # Every page load fetches its CSS and images again, so page weights count them.
        self.context.new_cdp_session(self.page).send(
            "Network.setCacheDisabled", {"cacheDisabled": True}
        )
        self.requests = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("pageerror", lambda e: pytest.fail(f"JavaScript error: {e}"))

    def goto(self, path):
        response = self.page.goto(path)
        assert response.status < 400, (path, response.status)
        return response

    def external_requests(self):
        host = urlsplit(self.base_url).netloc
        return [
            u
            for u in self.requests
            if urlsplit(u).netloc not in (host, "") and not u.startswith(("data:", "blob:"))
        ]

    def shot(self, name):
        SHOTS.mkdir(exist_ok=True)
        path = SHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def login(self, login, password=PASSWORD):
        self.goto("/masuk")
        self.page.get_by_label("Email atau nomor HP").fill(login)
        self.page.get_by_label("Kata sandi").fill(password)
        self.page.get_by_role("button", name="Masuk").click()
        self.page.wait_for_load_state()


@pytest.fixture
def visit(browser, live_server):
    visits = []

    def make():
        v = Visit(browser, live_server)
        visits.append(v)
        return v

    yield make
    for v in visits:
        assert v.external_requests() == []
        v.context.close()
