"""Scale benchmark (PostgreSQL only): the organisers' overview and a cohort dashboard with
1,000,000 trainees in 10,000 cohorts.

    createdb -h 127.0.0.1 -U postgres scale_test        # once (the script also creates it)
    LMS_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/scale_test \\
        .venv/bin/python -m tests.bench.bench_scale [--trainees 1000000] [--cohorts 10000] [--reuse]

The database is emptied, migrated and the three real courses imported; then COPY loads the
trainees, their cohorts (about 100 each, with trainers), one membership and one enrolment per
trainee, lesson progress, quiz attempts and certificates (a few minutes; foreign-key triggers
are paused during the load, the data is generated consistent). --reuse skips the load when the
database already holds the data set. Then, median of 5 after one warm-up, inside an app context
and through the test client (signed in as an admin):

- the overview, all cohorts, first page (lms.reports.services.overview, /admin/kelas);
- the overview filtered to the province with most cohorts (/admin/kelas?provinsi=..);
- one cohort's dashboard (lms.reports.services.cohort_report, /kelas/<id>) for ~100 trainees.

Each is measured twice: with the application's report caches off (LMS_REPORT_CACHE_SECONDS and
LMS_DASHBOARD_CACHE_SECONDS = 0: what a first view costs) and as configured (the warm-up fills
the caches). Target: under 1 s each. Prints the figures with the SQL statement count, writes
EXPLAIN ANALYZE of each statement under tests/bench/results/scale-explain*/ and
tests/bench/results/scale.json.
"""

import argparse
import io
import json
import os
import platform
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event, func, select, text
from werkzeug.security import generate_password_hash

from lms import ROOT, create_app, regions
from lms.accounts import services as accounts
from lms.accounts.models import User
from lms.catalog import services as catalog
from lms.catalog.models import Course
from lms.certificates import models as numbering
from lms.cohorts.models import Cohort, CohortMember
from lms.content.loader import load_tree
from lms.content.sync import sync_courses
from lms.extensions import db
from lms.issuers import services as issuer_services
from lms.issuers.models import Issuer
from lms.quizzes.models import Quiz
from lms.reports import services as reports
from tests.bench.common import bench_app
from tests.conftest import app_config

RESULTS = Path(__file__).parent / "results"
PASSWORD = "bench-password-2026"
ADMIN = "admin.scale@contoh.id"
TARGET_MS = 1000
NOW = datetime(2026, 11, 30, 12, 0)


def ensure_database(url: str) -> None:
    parsed = sa.engine.make_url(url)
    engine = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if not conn.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}
        ):
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    engine.dispose()


# ------------------------------------------------------------------------------ loading


def _value(v) -> str:
    if v is None:
        return "\\N"
    if isinstance(v, bool):
        return "t" if v else "f"
    if isinstance(v, datetime | date):
        return v.isoformat(sep=" ") if isinstance(v, datetime) else v.isoformat()
    s = str(v)
    if "\\" in s or "\t" in s or "\n" in s:
        s = s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
    return s


class Copier:
    """COPY … FROM STDIN in text format, fed in chunks of formatted lines."""

    CHUNK = 50_000

    def __init__(self, cursor, table: str, columns: tuple):
        self.cursor, self.table, self.columns = cursor, table, columns
        self.rows = 0

    def __enter__(self):
        cols = ", ".join(self.columns)
        self._ctx = self.cursor.copy(f"COPY {self.table} ({cols}) FROM STDIN")
        self.copy = self._ctx.__enter__()
        self.buffer = io.StringIO()
        self.pending = 0
        return self

    def add(self, *values) -> None:
        self.buffer.write("\t".join(map(_value, values)))
        self.buffer.write("\n")
        self.pending += 1
        self.rows += 1
        if self.pending >= self.CHUNK:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.copy.write(self.buffer.getvalue())
            self.buffer = io.StringIO()
            self.pending = 0

    def __exit__(self, *exc):
        if exc[0] is None:
            self.flush()
        return self._ctx.__exit__(*exc)


def _code(n: int) -> str:
    """A unique 16-symbol verification code per n (an odd multiplier is a bijection mod 2^80)."""
    x = (n * 0x9E3779B97F4A7C15F39D) % (1 << 80)
    out = []
    for _ in range(numbering.CODE_LENGTH):
        out.append(numbering.CODE_ALPHABET[x & 31])
        x >>= 5
    return "".join(out)


def _sizes(total: int, count: int, rng) -> list[int]:
    """Cohort sizes around total/count (between 40% and 160% of it), summing to total."""
    mean = total / count
    raw = [rng.uniform(0.4, 1.6) for _ in range(count)]
    scale = total / (mean * sum(raw))
    sizes = [max(1, int(mean * r * scale)) for r in raw]
    i = 0
    while sum(sizes) != total:
        sizes[i % count] += 1 if sum(sizes) < total else (-1 if sizes[i % count] > 1 else 0)
        i += 1
    return sizes


def load(app, trainees: int, cohort_count: int, seed: int = 2026) -> dict:
    """Import the courses, then COPY the whole data set. Returns counts and seconds per table."""
    rng = random.Random(seed)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    with app.app_context():
        found, problems = load_tree(ROOT / "courses")
        assert not problems, [str(p) for p in problems]
        sync_courses(found)
        issuer = Issuer(
            name="Kementerian Komunikasi dan Digital Republik Indonesia",
            code="KOMDIGI",
            signatory_name="Dr. Rina Wulandari",
            signatory_title="Kepala Pusat Pengembangan Literasi Digital",
            signatory_nip="197501012000032001",
            city="Jakarta",
            is_default=True,
        )
        db.session.add(issuer)
        db.session.commit()
        accounts.create_user(
            full_name="Admin Skala",
            login=ADMIN,
            password=PASSWORD,
            province_code="31",
            regency_code="31.71",
            role="admin",
            consent_version="2026-11",
            require_consent=False,
        )
        snapshot = json.dumps(issuer_services.snapshot(issuer))
        issuer_id = issuer.id
        courses = []
        for course in db.session.scalars(select(Course).order_by(Course.id)):
            outline = catalog.outline(course)
            quizzes = db.session.execute(
                select(Quiz.id, Quiz.module_id).where(
                    Quiz.course_id == course.id, Quiz.hidden.is_(False)
                )
            ).all()
            courses.append(
                {
                    "id": course.id,
                    "title": course.title,
                    "certificate_title": course.certificate_title or f"Sertifikat {course.title}",
                    "hours": course.hours,
                    "modules": [
                        (
                            [x.id for x in m.lessons],
                            next((q for q, mm in quizzes if mm == m.id), None),
                        )
                        for m in outline.modules
                    ],
                    "final": next((q for q, mm in quizzes if mm is None), None),
                    "lessons": [x.id for x in outline.lessons],
                }
            )
        first_user = db.session.scalar(select(func.max(User.id))) + 1
        db.session.remove()

    pairs = [(r.code.split(".")[0], r.code) for r in regions.regencies()]
    hashed = generate_password_hash(PASSWORD)
    trainers = max(1, cohort_count // 10)
    sizes = _sizes(trainees, cohort_count, rng)
    counts = {}

    engine = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("SET synchronous_commit = off")
        try:
            cur.execute("SET session_replication_role = replica")  # no FK triggers while loading
        except Exception:  # not a superuser: load with the checks
            raw.rollback()
            cur = raw.cursor()

        # Users: trainers first, then trainees.
        t = time.perf_counter()
        created = NOW - timedelta(days=800)
        user_pairs = {}
        with Copier(
            cur,
            "users",
            ("id", "full_name", "email", "phone", "password_hash", "role", "province_code",
             "regency_code", "timezone", "locale", "session_version", "created_at"),
        ) as copy:  # fmt: skip
            for i in range(trainers):
                province, regency = pairs[i % len(pairs)]
                copy.add(first_user + i, f"Pelatih Skala {i}", f"pelatih{i}@skala.id", None,
                         hashed, "trainer", province, regency, "WIB", "id", 1, created)  # fmt: skip
            first_trainee = first_user + trainers
            user_id = first_trainee
            for c, size in enumerate(sizes):
                province, regency = pairs[(c * 7) % len(pairs)]
                for _ in range(size):
                    phone = f"+62812{user_id:08d}" if user_id % 4 == 0 else None
                    email = None if phone else f"p{user_id}@skala.id"
                    copy.add(user_id, f"Peserta Skala {user_id}", email, phone, hashed,
                             "trainee", province, regency, accounts.timezone_for(province), "id",
                             1, created + timedelta(minutes=user_id % 500_000))  # fmt: skip
                    user_pairs[user_id] = c
                    user_id += 1
        counts["users"] = copy.rows
        timings["users"] = time.perf_counter() - t

        # Cohorts over two years, in every kabupaten/kota in turn; 1 trainer per 10 cohorts.
        t = time.perf_counter()
        cohort_rows = []
        with Copier(
            cur,
            "cohorts",
            ("id", "name", "course_id", "starts_on", "ends_on", "location", "organiser",
             "province_code", "regency_code", "issuer_id", "seat_limit", "join_code",
             "created_by_id", "created_at", "updated_at"),
        ) as copy:  # fmt: skip
            for c in range(cohort_count):
                province, regency = pairs[(c * 7) % len(pairs)]
                starts = (NOW - timedelta(days=730 - (c * 730) // cohort_count)).date()
                course = courses[c % len(courses)]
                trainer = first_user + c % trainers
                copy.add(c + 1, f"Pelatihan {regions.name(regency)} {c + 1}", course["id"],
                         starts, starts + timedelta(days=2), "Aula Dinas Kominfo",
                         "Dinas Kominfo", province, regency, issuer_id, None, f"S{c + 1:05d}",
                         trainer, created, created)  # fmt: skip
                cohort_rows.append((c + 1, course, starts, trainer))
        with Copier(cur, "cohort_trainers", ("cohort_id", "user_id", "added_at")) as copy:
            for cohort_id, _course, _starts, trainer in cohort_rows:
                copy.add(cohort_id, trainer, created)
        counts["cohorts"] = cohort_count
        timings["cohorts"] = time.perf_counter() - t

        # Memberships, enrolments, progress, attempts and certificates, trainee by trainee.
        t = time.perf_counter()
        members = Copier(cur, "cohort_members", ("cohort_id", "user_id", "source", "joined_at"))
        # COPY takes one table at a time on a connection: buffer the other tables in files.
        spools = {
            name: (Path(os.environ.get("TMPDIR", "/tmp")) / f"scale-{os.getpid()}-{name}.tsv")
            for name in ("enrolments", "lesson_progress", "attempts", "certificates")
        }
        files = {name: path.open("w") for name, path in spools.items()}
        seq = 0
        rows = {name: 0 for name in spools}
        with members:
            for user_id, c in user_pairs.items():
                cohort_id, course, starts, _trainer = cohort_rows[c]
                joined = datetime.combine(starts, datetime.min.time()) + timedelta(hours=8)
                members.add(cohort_id, user_id, "import", joined)
                roll = rng.random()
                lessons = course["lessons"]
                done = (
                    0
                    if roll < 0.3
                    else len(lessons)
                    if roll > 0.75
                    else rng.randint(1, len(lessons) - 1)
                )
                when = joined
                finished = set()
                lp = files["lesson_progress"]
                for lesson_id in lessons[:done]:
                    when += timedelta(minutes=rng.randint(20, 3000))
                    finished.add(lesson_id)
                    lp.write(f"{user_id}\t{lesson_id}\t{course['id']}\t{_value(min(when, NOW))}\n")
                rows["lesson_progress"] += done
                passed_all = True
                at = files["attempts"]
                for ids, quiz_id in course["modules"]:
                    if quiz_id is None or not all(x in finished for x in ids):
                        passed_all = passed_all and quiz_id is None
                        continue
                    fail_first = rng.random() < 0.2
                    for number in (1, 2) if fail_first else (1,):
                        percent = (
                            40.0 if number == 1 and fail_first else float(rng.randint(70, 100))
                        )
                        start = min(when, NOW)
                        at.write(
                            f"{user_id}\t{quiz_id}\t{course['id']}\t{number}\t{_value(start)}\t"
                            f"{_value(start + timedelta(minutes=9))}\t[]\t{{}}\t"
                            f"{percent / 20}\t5\t{percent}\t{'t' if percent >= 70 else 'f'}\tf\n"
                        )
                        rows["attempts"] += 1
                complete = done == len(lessons) and passed_all and course["final"] is not None
                score = None
                if complete:
                    score = float(rng.randint(70, 100))
                    start = min(when + timedelta(days=1), NOW)
                    at.write(
                        f"{user_id}\t{course['final']}\t{course['id']}\t1\t{_value(start)}\t"
                        f"{_value(start + timedelta(minutes=25))}\t[]\t{{}}\t{score / 5}\t20\t"
                        f"{score}\tt\tf\n"
                    )
                    rows["attempts"] += 1
                    when = start
                last = min(when, NOW)
                files["enrolments"].write(
                    f"{user_id}\t{course['id']}\t{_value(joined)}\t{_value(last)}\t"
                    f"{_value(last if complete else None)}\n"
                )
                rows["enrolments"] += 1
                if complete and rng.random() < 0.5:
                    seq += 1
                    files["certificates"].write(
                        "\t".join(
                            map(
                                _value,
                                (
                                    _code(seq),
                                    f"{seq:07d}/KOMDIGI/XI/2026",
                                    user_id,
                                    course["id"],
                                    issuer_id,
                                    f"Peserta Skala {user_id}",
                                    course["title"],
                                    course["certificate_title"],
                                    course["hours"],
                                    last.date(),
                                    score,
                                    snapshot,
                                    last,
                                    "",
                                    "",
                                ),
                            )
                        )
                        + "\n"
                    )
                    rows["certificates"] += 1
        for f in files.values():
            f.close()
        counts["cohort_members"] = members.rows
        timings["cohort_members"] = time.perf_counter() - t
        columns = {
            "enrolments": ("user_id", "course_id", "created_at", "last_activity_at",
                           "completed_at"),
            "lesson_progress": ("user_id", "lesson_id", "course_id", "completed_at"),
            "attempts": ("user_id", "quiz_id", "course_id", "number", "started_at",
                         "submitted_at", "paper", "answers", "points", "max_points", "percent",
                         "passed", "timed_out"),
            "certificates": ("code", "number", "user_id", "course_id", "issuer_id", "full_name",
                             "course_title", "certificate_title", "hours", "completed_on",
                             "score", "issuer_snapshot", "issued_at", "pdf_sha256",
                             "revoked_reason"),
        }  # fmt: skip
        for name, path in spools.items():
            t = time.perf_counter()
            cols = ", ".join(columns[name])
            with cur.copy(f"COPY {name} ({cols}) FROM STDIN") as copy, path.open("rb") as f:
                while block := f.read(1 << 20):
                    copy.write(block)
            path.unlink()
            counts[name] = rows[name]
            timings[name] = time.perf_counter() - t
        cur.execute(
            "INSERT INTO issuer_sequences (issuer_id, year, last) VALUES (%s, 2026, %s)",
            (issuer_id, seq),
        )
        for table in ("users", "cohorts"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        cur.execute("SET session_replication_role = origin")
        raw.commit()
        t = time.perf_counter()
        raw.driver_connection.autocommit = True
        cur = raw.cursor()
        cur.execute("VACUUM ANALYZE")
        timings["vacuum_analyze"] = time.perf_counter() - t
    finally:
        raw.close()
        engine.dispose()
    return {
        "rows": counts,
        "seconds": {k: round(v, 1) for k, v in timings.items()},
        "total_seconds": round(time.perf_counter() - started, 1),
    }


# ------------------------------------------------------------------------------ measuring


class Statements:
    def __init__(self, engine):
        self.engine, self.items = engine, []

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        self.items.append((statement, parameters))

    def __enter__(self):
        self.items = []
        event.listen(self.engine, "before_cursor_execute", self._before)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._before)


def timed(func, runs: int = 5) -> dict:
    func()  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        func()
        times.append((time.perf_counter() - started) * 1000)
    return {
        "median_ms": round(statistics.median(times), 1),
        "min_ms": round(min(times), 1),
        "max_ms": round(max(times), 1),
        "runs": runs,
        "meets_target": statistics.median(times) < TARGET_MS,
    }


def explain(engine, items, path: Path) -> list[dict]:
    """EXPLAIN (ANALYZE, BUFFERS) of each SELECT the call ran, written to `path`."""
    out, report = [], []
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        for statement, parameters in items:
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            plan = [row[0] for row in cur.fetchall()]
            total = next((p for p in reversed(plan) if p.startswith("Execution Time")), "")
            out.append({"statement": statement.split("\n")[0][:120], "execution": total})
            report.append(statement + "\n" + json.dumps(parameters, default=str) + "\n\n"
                          + "\n".join(plan) + "\n\n" + "-" * 100 + "\n")  # fmt: skip
        raw.rollback()
    finally:
        raw.close()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(report))
    return out


def measure(app, suffix: str = "") -> dict:
    results = {}
    with app.app_context():
        engine = db.engine
        province = db.session.execute(
            select(Cohort.province_code, func.count())
            .group_by(Cohort.province_code)
            .order_by(func.count().desc())
            .limit(1)
        ).first()[0]
        sizes = (
            select(CohortMember.cohort_id, func.count().label("n"))
            .group_by(CohortMember.cohort_id)
            .subquery()
        )
        cohort_id = db.session.scalar(
            select(sizes.c.cohort_id)
            .order_by(func.abs(sizes.c.n - 100), sizes.c.cohort_id)
            .limit(1)
        )
        cohort_size = db.session.scalar(
            select(func.count()).where(CohortMember.cohort_id == cohort_id)
        )
        cohorts_in_province = db.session.scalar(
            select(func.count()).where(Cohort.province_code == province)
        )
        db.session.remove()
    results["setup"] = {
        "province": province,
        "province_name": regions.name(province),
        "cohorts_in_province": cohorts_in_province,
        "cohort_id": cohort_id,
        "cohort_size": cohort_size,
    }
    explain_dir = RESULTS / f"scale-explain{suffix}"

    def service(name, func_):
        def call():
            with app.app_context():
                func_()
                db.session.remove()

        results[name] = timed(call)
        with app.app_context(), Statements(engine) as recorded:
            func_()
            db.session.remove()
        results[name]["queries"] = len(recorded.items)
        results[name]["explain"] = explain(engine, recorded.items, explain_dir / f"{name}.txt")
        print(f"  {name}: median {results[name]['median_ms']} ms, "
              f"{results[name]['queries']} statements", flush=True)  # fmt: skip

    service("overview_all", lambda: reports.overview(reports.OverviewFilters(), 1))
    service(
        "overview_province", lambda: reports.overview(reports.OverviewFilters(province=province), 1)
    )
    service(
        "cohort_report",
        lambda: reports.cohort_report(db.session.get(Cohort, cohort_id), now=NOW),
    )

    client = app.test_client()
    response = client.post("/masuk", data={"login": ADMIN, "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    for name, path in (
        ("page_overview_all", "/admin/kelas"),
        ("page_overview_province", f"/admin/kelas?provinsi={province}"),
        ("page_cohort_dashboard", f"/kelas/{cohort_id}"),
    ):

        def get(path=path):
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)

        results[name] = timed(get)
        with Statements(engine) as recorded:
            get()
        results[name]["queries"] = len(recorded.items)
        results[name]["path"] = path
        print(f"  {name}: median {results[name]['median_ms']} ms, "
              f"{results[name]['queries']} statements", flush=True)  # fmt: skip
    return results


def present(app, trainees: int, cohorts: int) -> bool:
    with app.app_context():
        try:
            n = db.session.scalar(select(func.count(CohortMember.id)))
            m = db.session.scalar(select(func.count(Cohort.id)))
        except sa.exc.SQLAlchemyError:
            return False
        finally:
            db.session.remove()
    return n == trainees and m == cohorts


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default=os.environ.get("LMS_BENCH_DATABASE_URL"))
    parser.add_argument("--trainees", type=int, default=1_000_000)
    parser.add_argument("--cohorts", type=int, default=10_000)
    parser.add_argument("--reuse", action="store_true", help="keep a database already loaded")
    args = parser.parse_args(argv)
    if not args.database or not args.database.startswith("postgresql"):
        raise SystemExit("PostgreSQL only: set LMS_BENCH_DATABASE_URL or --database")
    ensure_database(args.database)
    os.environ["LMS_BENCH_DATABASE_URL"] = args.database
    loaded = None
    app = None
    if args.reuse:
        app = create_app({**app_config(args.database), "TESTING": False})
        if not present(app, args.trainees, args.cohorts):
            app = None
    if app is None:
        app = bench_app()
        print(f"loading {args.trainees} trainees in {args.cohorts} cohorts ...", flush=True)
        loaded = load(app, args.trainees, args.cohorts)
        print(f"loaded in {loaded['total_seconds']} s: {loaded['rows']}", flush=True)
    results = {
        "database": "postgresql",
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "trainees": args.trainees,
        "cohorts": args.cohorts,
        "target_ms": TARGET_MS,
        "load": loaded,
    }
    # The application may keep reports in memory (LMS_REPORT_CACHE_SECONDS,
    # LMS_DASHBOARD_CACHE_SECONDS): measured with those caches off (what a first view or a
    # view after expiry costs), then as configured (a warm-up fills them).
    # Not tests.conftest.app_config: it switches those caches off for the tests.
    base = {
        "SQLALCHEMY_DATABASE_URI": args.database,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
    }
    print("measuring with report caches off (median of 5 after one warm-up) ...", flush=True)
    uncached = create_app({**base, "REPORT_CACHE_SECONDS": 0, "DASHBOARD_CACHE_SECONDS": 0})
    results["caches_off"] = measure(uncached)
    print("measuring as configured (caches as the defaults say) ...", flush=True)
    configured = create_app(base)
    results["as_configured"] = measure(configured, "-configured")
    results["as_configured"]["cache_settings"] = {
        key: configured.config.get(key)
        for key in ("REPORT_CACHE_SECONDS", "DASHBOARD_CACHE_SECONDS")
    }
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "scale.json"
    out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    for mode in ("caches_off", "as_configured"):
        print(f"\n{mode}: {json.dumps(results[mode]['setup'])}")
        print(f"{'measure':28} {'median ms':>10} {'min':>8} {'max':>8} {'SQL':>4}  target <1 s")
        for key, value in results[mode].items():
            if isinstance(value, dict) and "median_ms" in value:
                print(f"{key:28} {value['median_ms']:10.1f} {value['min_ms']:8.1f} "
                      f"{value['max_ms']:8.1f} {value['queries']:4d}  "
                      f"{'ok' if value['meets_target'] else 'MISSED'}")  # fmt: skip
    print(f"written to {out}")
    for each in (app, uncached, configured):
        with each.app_context():
            db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
