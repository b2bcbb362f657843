"""Benchmark: the cohort dashboard for a 5,000-trainee cohort on the full course content.

    .venv/bin/python -m tests.bench.dashboard                       # SQLite (a temporary file)
    .venv/bin/python -m tests.bench.dashboard --database postgresql+psycopg://postgres@127.0.0.1:5432/cohorts_test

The database is emptied first. Prints the median render time of the dashboard (and of a sorted
page, a filtered page and the CSV export), the SQL query counts for 10, 500 and 5,000 trainees,
and writes the figures as JSON (tests/bench/results/dashboard-<database>.json by default).
Target: a median of 300 ms or less for the dashboard."""

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import event, select, text

os.environ.setdefault("LMS_SECRET_KEY", "bench-secret")

from lms import ROOT, create_app  # noqa: E402
from lms.accounts import services as accounts  # noqa: E402
from lms.catalog.models import Course  # noqa: E402
from lms.certificates.models import Issuer  # noqa: E402
from lms.cohorts import services as cohorts  # noqa: E402
from lms.content.loader import load_tree  # noqa: E402
from lms.content.sync import sync_courses  # noqa: E402
from lms.extensions import db  # noqa: E402
from lms.timeutil import utcnow  # noqa: E402

from ..conftest import reset_database  # noqa: E402
from ..seed import seed_trainees  # noqa: E402

COURSE = "pemasaran-digital-umkm"
PASSWORD = "bench-password-2026"
TARGET_MS = 300


def build(url: str, trainees: int):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "WTF_CSRF_ENABLED": False,
            "PASSWORD_HASH": "pbkdf2:sha256:1000",
        }
    )
    reset_database(app)
    with app.app_context():
        upgrade()
        courses, problems = load_tree(ROOT / "courses")
        assert not problems, problems
        sync_courses(courses)
        trainer = accounts.create_user(
            full_name="Pelatih Benchmark",
            login="pelatih@contoh.id",
            password=PASSWORD,
            province_code="11",
            regency_code="11.11",
            role="trainer",
            require_consent=False,
        )
        course = db.session.scalar(select(Course).where(Course.slug == COURSE))
        issuer = db.session.scalar(select(Issuer.id).where(Issuer.is_default.is_(True)))
        today = utcnow().date()
        ids = {}
        now = utcnow()
        for name, size in (("small", 10), ("medium", 500), ("large", trainees)):
            cohort = cohorts.create_cohort(
                trainer,
                cohorts.CohortInput(
                    **{
                        "name": f"Benchmark {size}",
                        "course": str(course.id),
                        "starts_on": (today - timedelta(days=60)).isoformat(),
                        "ends_on": (today - timedelta(days=58)).isoformat(),
                        "location": "Aula",
                        "organiser": "Dinas Kominfo",
                        "province": "11",
                        "regency": "11.11",
                        "issuer": str(issuer),
                    }
                ),
            )
            ids[name] = cohort.id
            started = time.perf_counter()
            seed_trainees(cohort.id, size, now, seed=size, prefix=name)
            print(f"seeded {size} trainees in {time.perf_counter() - started:.1f} s", flush=True)
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        db.session.remove()
    return app, ids


def timed(client, url, runs):
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return {
        "median_ms": round(statistics.median(times), 1),
        "min_ms": round(min(times), 1),
        "max_ms": round(max(times), 1),
        "runs": runs,
    }


def count_queries(app, client, url):
    statements = []

    def before(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return len(statements)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default=os.environ.get("LMS_BENCH_DATABASE_URL"))
    parser.add_argument("--trainees", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    tmp = None
    url = args.database
    if not url:
        tmp = tempfile.TemporaryDirectory()
        url = "sqlite:///" + str(Path(tmp.name) / "bench.sqlite3")
    app, ids = build(url, args.trainees)
    with app.app_context():
        dialect = db.engine.dialect.name
    client = app.test_client()
    client.post("/masuk", data={"login": "pelatih@contoh.id", "password": PASSWORD})
    large = f"/kelas/{ids['large']}"
    for _ in range(3):  # warm caches (course outline, templates, the database's pages)
        client.get(large)
    results = {
        "database": dialect,
        "trainees": args.trainees,
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "target_ms": TARGET_MS,
        "dashboard": timed(client, large, args.runs),
        "dashboard_sorted_by_progress_page_3": timed(
            client, large + "?urut=progres&arah=turun&halaman=3", args.runs
        ),
        "dashboard_filtered_inactive": timed(client, large + "?status=tidak-aktif", args.runs),
        "export_csv": timed(client, large + "/ekspor.csv", max(5, args.runs // 3)),
        "export_xlsx": timed(client, large + "/ekspor.xlsx", max(3, args.runs // 7)),
        "queries": {
            "10": count_queries(app, client, f"/kelas/{ids['small']}"),
            "500": count_queries(app, client, f"/kelas/{ids['medium']}"),
            str(args.trainees): count_queries(app, client, large),
        },
    }
    results["meets_target"] = results["dashboard"]["median_ms"] <= TARGET_MS
    out = (
        Path(args.out)
        if args.out
        else Path(__file__).parent / "results" / f"dashboard-{dialect}.json"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    print(
        f"\n{dialect}: dashboard for {args.trainees} trainees, median "
        f"{results['dashboard']['median_ms']} ms (target {TARGET_MS} ms); queries "
        + ", ".join(f"{k} trainees: {v}" for k, v in results["queries"].items())
        + f"\nwritten to {out}"
    )
    with app.app_context():
        db.engine.dispose()
    if tmp:
        tmp.cleanup()
    return 0 if results["meets_target"] else 1


if __name__ == "__main__":
    sys.exit(main())
