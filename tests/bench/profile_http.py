"""In-process look at one page: SQL statements (count and time) and a pyinstrument profile,
through the Flask test client against the benchmark's database with the served app's settings.
Used by tests/bench/bench_http.py (query counts for every page, profiles for pages that miss
their targets); needs `pip install pyinstrument` for profiles."""

import os
import time
from collections import defaultdict
from pathlib import Path

from sqlalchemy import event

from lms import create_app
from lms.extensions import db


def inprocess_app(env: dict, **config):
    """The LMS configured from the same LMS_* environment gunicorn gets (plus `config`)."""
    os.environ.update(env)
    return create_app(config or None)


def client_with_session(app, session_cookie: str | None):
    client = app.test_client()
    if session_cookie:
        client.set_cookie("session", session_cookie, domain="localhost")
    return client


_turns = {}


def call(client, method: str, path: str, data=None):
    """One request; `data` is a list of forms for a POST, sent in turn."""
    if method == "POST":
        turn = _turns[id(client)] = (_turns.get(id(client), -1) + 1) % len(data)
        return client.post(path, data=data[turn])
    return client.get(path)


class SqlRecorder:
    """Every statement a request runs, with its time (before/after_cursor_execute)."""

    def __init__(self, app):
        with app.app_context():
            self.engine = db.engine
        self.statements = []
        self._started = {}

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        self._started[id(cursor)] = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        started = self._started.pop(id(cursor), None)
        elapsed = time.perf_counter() - started if started else 0.0
        self.statements.append((statement, elapsed))

    def __enter__(self):
        self.statements = []
        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)

    @property
    def count(self) -> int:
        return len(self.statements)

    @property
    def seconds(self) -> float:
        return sum(t for _, t in self.statements)


def measure(app, client, method, path, data=None, runs: int = 21, sql: bool = True) -> dict:
    """Status, size, SQL statements (count, time) and median wall time in-process."""
    call(client, method, path, data)  # warm (outline cache, templates, connections)
    walls, sql_times = [], []
    recorder = SqlRecorder(app) if sql else None
    for _ in range(runs):
        started = time.perf_counter()
        response = call(client, method, path, data)
        walls.append(time.perf_counter() - started)
    if recorder is not None:
        for _ in range(5):
            with recorder:
                call(client, method, path, data)
            sql_times.append(recorder.seconds)
    walls.sort()
    sql_times = sorted(sql_times) or [0.0]
    return {
        "status": response.status_code,
        "bytes": len(response.get_data()),
        "queries": recorder.count if recorder else 0,
        "statements": [s.split("\n")[0][:160] for s, _ in recorder.statements] if recorder else [],
        "median_ms": round(walls[len(walls) // 2] * 1000, 2),
        "sql_median_ms": round(sql_times[len(sql_times) // 2] * 1000, 2),
    }


def _area(path: str | None, function: str, parent: str) -> str:
    """The library a frame's own time belongs to; C built-ins count for their caller's."""
    path = path or ""
    if path.startswith("<built-in>") or not path:
        if function.startswith("Cursor.") or function.startswith("Connection."):
            return "database driver (C)"
        return parent
    for marker, name in (
        ("/work/main/lms/", "lms (application)"),
        ("/templates/", "templates (Jinja)"),
        ("<template>", "templates (Jinja)"),
        ("/reportlab/", "reportlab"),
        ("/psycopg/", "psycopg"),
        ("/sqlite3/", "sqlite3"),
        ("/sqlalchemy/", "sqlalchemy"),
        ("/flask_sqlalchemy/", "sqlalchemy"),
        ("/jinja2/", "jinja2"),
        ("/flask_babel/", "flask_babel"),
        ("/babel/", "babel"),
        ("/flask_limiter/", "flask_limiter"),
        ("/limits/", "flask_limiter"),
        ("/flask_login/", "flask_login"),
        ("/flask_wtf/", "flask_wtf"),
        ("/wtforms/", "flask_wtf"),
        ("/itsdangerous/", "itsdangerous (session cookie)"),
        ("/markupsafe/", "markupsafe"),
        ("/werkzeug/", "werkzeug"),
        ("/flask/", "flask"),
    ):
        if marker in path:
            return name
    return "other"


def _walk(frame, parent_area: str, areas: dict, app_frames: dict) -> None:
    if frame.is_synthetic:
        return  # [self] and hidden-frame groups: their time is in the parent's self time
    area = _area(frame.file_path, frame.function or "", parent_area)
    areas[area] += frame.total_self_time
    path = frame.file_path or ""
    if "/work/main/lms/" in path or "/templates/" in path:
        short = path.split("/work/main/")[-1]
        app_frames[f"{frame.function} ({short}:{frame.line_no})"] += frame.time
    for child in frame.children:
        _walk(child, area, areas, app_frames)


def profile(
    app,
    client,
    method,
    path,
    data=None,
    repeat: int = 50,
    out_dir: Path | None = None,
    name: str = "page",
) -> dict:
    """pyinstrument over `repeat` requests (after a warm-up): the text tree, the top
    functions by self time and the time per library, per request."""
    from pyinstrument import Profiler

    call(client, method, path, data)
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(repeat):
        call(client, method, path, data)
    profiler.stop()
    session = profiler.last_session
    root = session.root_frame()
    app_frames = defaultdict(float)
    areas = defaultdict(float)
    if root is not None:
        _walk(root, "other", areas, app_frames)
    per_request = session.duration / repeat
    result = {
        "requests_profiled": repeat,
        "ms_per_request": round(per_request * 1000, 2),
        # Inclusive time of the application's frames (views, services, templates).
        "top_app_frames_ms_per_request": [
            (key, round(t / repeat * 1000, 2))
            for key, t in sorted(app_frames.items(), key=lambda kv: -kv[1])[:15]
        ],
        # Own (self) time per library, C built-ins counted for their caller.
        "by_library_ms_per_request": {
            key: round(t / repeat * 1000, 2)
            for key, t in sorted(areas.items(), key=lambda kv: -kv[1])
        },
    }
    text = profiler.output_text(unicode=False, color=False, show_all=False)
    result["tree_head"] = text.splitlines()[:70]
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        text_path = out_dir / f"{name}.txt"
        text_path.write_text(text)
        profiler.write_html(str(out_dir / f"{name}.html"))
        result["tree"] = str(text_path)
    return result
