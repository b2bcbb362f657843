"""Shared set-up for benchmarks: an app on a fresh database, and result files."""

import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from flask_migrate import upgrade

os.environ.setdefault("LMS_SECRET_KEY", "bench")

from lms import create_app  # noqa: E402
from lms.extensions import db  # noqa: E402
from tests.conftest import app_config, empty_tables, reset_database  # noqa: E402

RESULTS = Path(__file__).parent / "results"


def bench_app(**config):
    """An app on LMS_BENCH_DATABASE_URL (or a temporary SQLite file), migrated and emptied."""
    url = os.environ.get("LMS_BENCH_DATABASE_URL") or (
        "sqlite:///" + str(Path(tempfile.mkdtemp()) / "bench.sqlite3")
    )
    app = create_app({**app_config(url), "TESTING": False, **config})
    reset_database(app)
    with app.app_context():
        upgrade()
        empty_tables()
    return app


def timed(func, repeat=1):
    """Seconds per call, each of `repeat` runs."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return times


def median_ms(times) -> float:
    return round(statistics.median(times) * 1000, 1)


def write_result(name: str, result: dict) -> None:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps(result, indent=2, ensure_ascii=False))
    print(f"written to {path}")


def database_name(app) -> str:
    with app.app_context():
        return db.engine.dialect.name
