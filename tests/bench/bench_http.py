"""HTTP benchmark (issue 8): the main pages under load with gunicorn and wrk, against a bare
Flask app served the same way in the same run.

    .venv/bin/python -m tests.bench.bench_http                     # SQLite (a temporary file)
    LMS_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_http \\
        .venv/bin/python -m tests.bench.bench_http                 # PostgreSQL
    make bench                                                      # both (installs wrk, gunicorn)

Options: --duration SECONDS (default 10, or BENCH_DURATION), --connections 32, --threads 2,
--workers 4, --trainees 5000, --profile {missed,all,none} (default missed: pyinstrument profiles
of the pages that miss their targets, needs `pip install pyinstrument`).

The database is emptied and seeded (the three real courses, 5,000 trainees in 50 cohorts, one
of 500, progress, quiz attempts and certificates), then served by `gunicorn -w 4 --worker-class
sync 'lms:create_app()'` on loopback with rate limits lifted, next to tests/bench/hello.py. wrk
(2 threads, 32 connections) measures requests/s and p50/p95/p99 latency of: a lesson page, the
course page and "Belajar saya" (signed in as a trainee), saving quiz answers (POST with the CSRF
token, two answer sets in turn so that every save writes), the dashboard of the 500-trainee cohort
(as its trainer; as configured, and on a second server with LMS_DASHBOARD_CACHE_SECONDS=0), the
public verification page, the certificate PDF download (as its owner) and the bare "hello" app
(before and after). Prints a
table with the ratio of each page's requests/s to bare Flask's, the SQL statements per request
(in-process), checks that no request failed and the data stayed consistent, and writes
tests/bench/results/http-<database>.json. Exit status 1 on errors or inconsistent data (and with
--strict, on a missed target).

Targets: lesson page and verification page >= 30% of bare-Flask requests/s and p95 < 50 ms;
quiz save p95 < 100 ms; cohort dashboard (500 trainees) p95 < 300 ms.
"""

import argparse
import hashlib
import json
import os
import platform
import shutil
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from tests.bench import http_data, profile_http
from tests.bench.common import bench_app, database_name
from tests.bench.hello import app as hello_app
from tests.bench.httptools import Browser, Server, run_wrk

RESULTS = Path(__file__).parent / "results"
SECRET = "bench-http-secret-key"
BASE_URL = "http://localhost"
UNLIMITED = "100000 per second"

TARGETS = {
    "lesson": {"min_ratio": 0.30, "p95_ms": 50},
    "verify": {"min_ratio": 0.30, "p95_ms": 50},
    "quiz_save": {"p95_ms": 100},
    "dashboard": {"p95_ms": 300},
    "dashboard_uncached": {"p95_ms": 300},
}
NO_CACHE = {"LMS_DASHBOARD_CACHE_SECONDS": "0"}


def ensure_postgres_database(url: str) -> None:
    """CREATE DATABASE when the named PostgreSQL database does not exist yet."""
    parsed = sa.engine.make_url(url)
    engine = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        exists = conn.scalar(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}
        )
        if not exists:
            conn.execute(sa.text(f'CREATE DATABASE "{parsed.database}"'))
    engine.dispose()


def server_env(url: str) -> dict:
    return {
        "LMS_DATABASE_URL": url,
        "LMS_SECRET_KEY": SECRET,
        "LMS_BASE_URL": BASE_URL,
        "LMS_VERIFY_RATE_LIMIT": UNLIMITED,
        "LMS_LOGIN_IP_LIMIT": UNLIMITED,
        "LMS_LOGIN_ACCOUNT_IP_LIMIT": UNLIMITED,
        "LMS_LOGIN_ACCOUNT_LIMIT": UNLIMITED,
        "LMS_RESET_LIMIT": UNLIMITED,
    }


def pages(data: http_data.DataSet, trainee_cookie: str, trainer_cookie: str, csrf: str):
    """(key, label, method, path, cookie, bodies, server) of each page measured. The quiz save
    alternates between two answer sets (saving the same answers again writes nothing). The
    dashboard is measured as configured (the application may keep reports for
    LMS_DASHBOARD_CACHE_SECONDS) and on a second server with that cache off."""
    bodies = [
        urllib.parse.urlencode([("csrf_token", csrf), ("halaman", "1"), ("action", "save"), *a])
        for a in data.attempt_answers
    ]
    slug = data.course_slug
    dashboard = f"/kelas/{data.big_cohort_id}"
    size = data.big_cohort_size
    return [
        ("lesson", "lesson page", "GET", f"/kursus/{slug}/pelajaran/{data.lesson_id}",
         trainee_cookie, None, "main"),
        ("course", "course page", "GET", f"/kursus/{slug}", trainee_cookie, None, "main"),
        ("my_learning", "Belajar saya", "GET", "/belajar", trainee_cookie, None, "main"),
        ("quiz_save", "quiz answer save (POST)", "POST", f"/percobaan/{data.attempt_id}",
         trainee_cookie, bodies, "main"),
        ("dashboard", f"cohort dashboard ({size})", "GET", dashboard, trainer_cookie, None,
         "main"),
        ("dashboard_uncached", f"cohort dashboard ({size}), no cache", "GET", dashboard,
         trainer_cookie, None, "nocache"),
        ("verify", "verification page", "GET", f"/v/{data.certificate_code}", None, None, "main"),
        ("certificate_pdf", "certificate PDF", "GET",
         f"/sertifikat/{data.certificate_id}/unduh", trainee_cookie, None, "main"),
    ]  # fmt: skip


def check_pages(servers: dict, data, items) -> list[str]:
    """One request of each page before the load: the expected answer, or a problem."""
    problems = []
    for key, _label, method, path, cookie, body, server in items:
        base = servers[server].url
        browser = Browser(base)
        headers = {"Cookie": cookie} if cookie else {}
        request = urllib.request.Request(
            base + path,
            data=body[0].encode() if body else None,
            headers={**headers, "Content-Type": "application/x-www-form-urlencoded"}
            if body
            else headers,
            method=method,
        )
        try:
            response = browser.opener.open(request, timeout=60)
            status, content = response.status, response.read()
            location = response.headers.get("Location", "")
        except urllib.error.HTTPError as e:
            status, content, location = e.code, e.read(), e.headers.get("Location", "")
        expected = 302 if key == "quiz_save" else 200
        if status != expected:
            problems.append(f"{key}: {method} {path} answered {status} {location}")
        if key == "quiz_save" and f"/percobaan/{data.attempt_id}?halaman=1" not in location:
            problems.append(f"quiz_save redirected to {location!r}, not back to the attempt")
        if key == "certificate_pdf" and http_data.sha256(content) != data.certificate_sha256:
            problems.append("the downloaded PDF does not match the certificate's SHA-256")
        if key != "quiz_save" and status == 200 and key != "certificate_pdf":
            if b"<html" not in content[:500].lower():
                problems.append(f"{key}: not an HTML page")
    return problems


def consistency(before: dict, after: dict, data) -> list[str]:
    problems = []
    for key in ("users", "attempts", "trainee_attempts", "certificates", "enrolments"):
        if before[key] != after[key]:
            problems.append(f"{key} changed: {before[key]} -> {after[key]}")
    if not after["attempt_open"]:
        problems.append("the quiz attempt was closed by saving answers")
    if after["attempt_answers"] not in after["expected_answers"]:
        problems.append(
            f"saved answers {after['attempt_answers']} are none of those sent "
            f"{after['expected_answers']}"
        )
    if after["duplicate_numbers"] or after["duplicate_codes"]:
        problems.append(
            f"duplicate certificate numbers ({after['duplicate_numbers']}) "
            f"or codes ({after['duplicate_codes']})"
        )
    if after["certificate_sha256"] != before["certificate_sha256"]:
        problems.append("the certificate's PDF hash changed")
    return problems


def verdict(key: str, row: dict) -> str:
    target = TARGETS.get(key)
    if not target:
        return ""
    ok = True
    if "min_ratio" in target:
        ok &= row["ratio"] >= target["min_ratio"]
    ok &= row["p95_ms"] < target["p95_ms"]
    return "ok" if ok else "MISSED"


def target_text(key: str) -> str:
    target = TARGETS.get(key)
    if not target:
        return ""
    parts = []
    if "min_ratio" in target:
        parts.append(f">={target['min_ratio']:.0%} rps")
    parts.append(f"p95<{target['p95_ms']}")
    return ", ".join(parts)


def print_table(dialect: str, rows: list, hello_rps: float) -> None:
    print(f"\n{dialect}: bare Flask {hello_rps:.0f} requests/s")
    header = (
        f"{'page':32} {'req/s':>8} {'ratio':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'errors':>6} {'SQL':>4} {'KB':>6} {'in-proc ms':>10}  {'target':22} result"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row['label'][:32]:32} {row['requests_per_second']:8.1f} {row['ratio']:6.1%} "
            f"{row['p50_ms']:8.2f} {row['p95_ms']:8.2f} {row['p99_ms']:8.2f} "
            f"{row['errors']:6d} {row.get('queries', ''):>4} "
            f"{row.get('kb', ''):>6} {row.get('inprocess_median_ms', ''):>10}  "
            f"{row.get('target', ''):22} {row.get('verdict', '')}"
        )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default=os.environ.get("LMS_BENCH_DATABASE_URL"))
    parser.add_argument(
        "--duration", type=float, default=float(os.environ.get("BENCH_DURATION", 10))
    )
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--trainees", type=int, default=5000)
    parser.add_argument("--profile", choices=("missed", "all", "none"), default="missed")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary SQLite database (for profiling)"
    )
    args = parser.parse_args(argv)

    if args.database:
        os.environ["LMS_BENCH_DATABASE_URL"] = args.database
        if args.database.startswith("postgresql"):
            ensure_postgres_database(args.database)
    app = bench_app(BASE_URL=BASE_URL, SECRET_KEY=SECRET)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    dialect = database_name(app)
    print(f"seeding {args.trainees} trainees on {dialect} ...", flush=True)
    data = http_data.seed(app, trainees=args.trainees)
    print(f"seeded in {data.seconds} s: {json.dumps(data.as_dict())[:300]}...", flush=True)
    with app.app_context():
        from lms.extensions import db

        db.engine.dispose()
    before = http_data.snapshot_counts(app, data)

    env = server_env(url)
    lms_server = Server("lms:create_app()", env, workers=args.workers, name="lms")
    nocache_server = Server(
        "lms:create_app()", {**env, **NO_CACHE}, workers=args.workers, name="lms-nocache"
    )
    hello_server = Server("tests.bench.hello:app", {}, workers=args.workers, name="hello")
    servers = {"main": lms_server, "nocache": nocache_server}
    problems: list[str] = []
    rows: list[dict] = []
    try:
        lms_server.wait("/")
        nocache_server.wait("/")
        hello_server.wait("/")
        trainee = Browser(lms_server.url)
        trainee.sign_in(http_data.TRAINEE, http_data.PASSWORD)
        csrf = trainee.csrf_token(f"/percobaan/{data.attempt_id}?halaman=1")
        trainer = Browser(lms_server.url)
        trainer.sign_in(http_data.TRAINER, http_data.PASSWORD)
        items = pages(data, trainee.cookie_header(), trainer.cookie_header(), csrf)
        problems += check_pages(servers, data, items)
        if problems:
            raise RuntimeError("; ".join(problems))

        def load(url, method="GET", cookie=None, bodies=None):
            headers = {}
            if cookie:
                headers["Cookie"] = cookie
            if bodies:
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            result = run_wrk(
                url,
                args.duration,
                args.connections,
                args.threads,
                method=method,
                bodies=bodies,
                headers=headers,
            )
            time.sleep(1)
            return result

        print(f"wrk: {args.threads} threads, {args.connections} connections, "
              f"{args.duration:g} s each; gunicorn: {lms_server.command}", flush=True)  # fmt: skip
        hello_first = load(hello_server.url + "/")
        print(f"  hello: {hello_first['requests_per_second']:.0f} req/s", flush=True)
        measured = []
        for key, label, method, path, cookie, body, server in items:
            result = load(servers[server].url + path, method, cookie, body)
            measured.append((key, label, method, path, result))
            print(
                f"  {label}: {result['requests_per_second']:.1f} req/s, "
                f"p95 {result.get('latency_ms', {}).get('p95', float('nan'))} ms, "
                f"errors {result['errors']}",
                flush=True,
            )
        hello_last = load(hello_server.url + "/")
        print(f"  hello (again): {hello_last['requests_per_second']:.0f} req/s", flush=True)
        hello_rps = (hello_first["requests_per_second"] + hello_last["requests_per_second"]) / 2

        after = http_data.snapshot_counts(app, data)
        problems += consistency(before, after, data)
        for server in servers.values():
            if server.process.poll() is not None:
                problems.append(f"the server {server.name} died")

        # In-process: SQL statements per request, and profiles of the pages that miss targets.
        inproc_apps = {
            "main": profile_http.inprocess_app(env),
            "nocache": profile_http.inprocess_app(env, DASHBOARD_CACHE_SECONDS=0),
        }
        inproc_rows = {}
        for key, _label, method, path, cookie, body, server in items:
            inproc = inproc_apps[server]
            session = _session_value(cookie)
            client = profile_http.client_with_session(inproc, session)
            form = [MultiDict(urllib.parse.parse_qsl(b)) for b in body] if body else None
            inproc_rows[key] = profile_http.measure(inproc, client, method, path, form)

        inproc_rows["hello"] = profile_http.measure(
            hello_app, hello_app.test_client(), "GET", "/", runs=201, sql=False
        )
        for key, label, method, path, result in [
            ("hello", "bare Flask (hello)", "GET", "/", hello_first),
            *measured,
            ("hello_again", "bare Flask (hello, again)", "GET", "/", hello_last),
        ]:
            latency = result.get("latency_ms", {})
            row = {
                "key": key,
                "label": label,
                "method": method,
                "path": path,
                "requests_per_second": result["requests_per_second"],
                "ratio": round(result["requests_per_second"] / hello_rps, 4) if hello_rps else 0,
                "p50_ms": latency.get("p50", float("nan")),
                "p90_ms": latency.get("p90", float("nan")),
                "p95_ms": latency.get("p95", float("nan")),
                "p99_ms": latency.get("p99", float("nan")),
                "max_ms": latency.get("max", float("nan")),
                "requests": result.get("requests", 0),
                "errors": result["errors"],
                "non_2xx_3xx": result["non_2xx_3xx"],
                "socket_errors": result["socket_errors"],
                "wrk_percentiles_ms": result["wrk_percentiles_ms"],
            }
            info = inproc_rows.get(key)
            if key == "hello":
                row["inprocess_median_ms"] = info["median_ms"]
            elif info:
                row.update(
                    queries=info["queries"],
                    kb=round(info["bytes"] / 1024, 1),
                    inprocess_median_ms=info["median_ms"],
                    inprocess_sql_ms=info["sql_median_ms"],
                    statements=info["statements"],
                )
            row["target"] = target_text(key)
            row["verdict"] = verdict(key, row)
            if result["errors"]:
                problems.append(f"{label}: {result['errors']} failed requests")
            rows.append(row)

        profiles = {}
        shutil.rmtree(RESULTS / f"profile-{dialect}", ignore_errors=True)  # no stale profiles
        wanted = [
            r
            for r in rows
            if r["key"] in inproc_rows
            and r["key"] != "hello"
            and (args.profile == "all" or (args.profile == "missed" and r["verdict"] == "MISSED"))
        ]
        for row in wanted:
            item = next(i for i in items if i[0] == row["key"])
            key, _label, method, path, cookie, body, server = item
            inproc = inproc_apps[server]
            client = profile_http.client_with_session(inproc, _session_value(cookie))
            form = [MultiDict(urllib.parse.parse_qsl(b)) for b in body] if body else None
            try:
                profiles[key] = profile_http.profile(
                    inproc, client, method, path, form, out_dir=RESULTS / f"profile-{dialect}",
                    name=key,
                )  # fmt: skip
            except ImportError:
                print("pyinstrument is missing: .venv/bin/pip install pyinstrument")
                break
    finally:
        lms_server_log = lms_server.errors() + nocache_server.errors()
        for server in (lms_server, nocache_server, hello_server):
            server.stop()

    print_table(dialect, rows, hello_rps)
    result = {
        "database": dialect,
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "wrk": {"threads": args.threads, "connections": args.connections,
                "duration_s": args.duration},
        "gunicorn": lms_server.command,
        "database_url": url,
        "code": code_fingerprint(),
        "data": data.as_dict(),
        "hello_requests_per_second": round(hello_rps, 1),
        "targets": TARGETS,
        "pages": rows,
        "profiles": profiles,
        "consistency": {"before": before, "after": after},
        "problems": problems,
    }  # fmt: skip
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"http-{dialect}.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n")
    for key, info in profiles.items():
        print(f"\nprofile of {key}: {info['ms_per_request']} ms per request in-process")
        for name, ms in info["top_app_frames_ms_per_request"][:12]:
            print(f"  {ms:8.2f} ms  {name}")
        libraries = list(info["by_library_ms_per_request"].items())[:10]
        print("  by library: " + ", ".join(f"{k} {v} ms" for k, v in libraries))
    if problems:
        print("\nPROBLEMS:\n  " + "\n  ".join(problems))
        if "server" in " ".join(problems):
            print(lms_server_log)
    else:
        print("\nno failed requests; attempt count, answers and certificates consistent")
    missed = [r["label"] for r in rows if r.get("verdict") == "MISSED"]
    if missed:
        print("targets missed: " + ", ".join(missed))
    print(f"written to {out}")
    if dialect == "sqlite" and not args.keep and not os.environ.get("LMS_BENCH_DATABASE_URL"):
        shutil.rmtree(Path(url.removeprefix("sqlite:///")).parent, ignore_errors=True)
    elif dialect == "sqlite":
        print(f"database kept: {url}")
    if problems or (args.strict and missed):
        return 1
    return 0


def code_fingerprint() -> dict:
    """What code was measured (the application changes while benchmarks run): a hash of
    lms/, templates/ and migrations/, and the newest file's time."""
    digest = hashlib.sha256()
    newest = 0.0
    root = Path(__file__).resolve().parents[2]
    for folder in ("lms", "templates", "migrations"):
        for path in sorted((root / folder).rglob("*")):
            if path.is_file() and path.suffix in (".py", ".html", ".txt", ".csv"):
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
                newest = max(newest, path.stat().st_mtime)
    return {
        "sha256": digest.hexdigest()[:16],
        "newest_file_utc": datetime.fromtimestamp(newest, UTC).isoformat(timespec="seconds"),
    }


def _session_value(cookie: str | None) -> str | None:
    if not cookie:
        return None
    for part in cookie.split("; "):
        name, _, value = part.partition("=")
        if name == "session":
            return value
    return None


if __name__ == "__main__":
    sys.exit(main())
