import sqlite3
import subprocess
import threading

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from lms.backup import libpq_url
from lms.extensions import db

from .conftest import complete_course


def counts(engine) -> dict:
    with engine.connect() as conn:
        return {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in db.metadata.sorted_tables
        }


def test_backup_is_consistent_and_restores(app, runner, sample_course, make_user, issuer, tmp_path):
    ids = [make_user(login=f"p{i}@contoh.id") for i in range(5)]
    for user_id in ids:
        complete_course(app, user_id)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with app.app_context():
        before = counts(db.engine)
    assert before["users"] == 5 and before["lesson_progress"] == 15

    # A writer keeps working while the backup runs.
    stop = threading.Event()

    def writer():
        i = 100
        while not stop.is_set():
            make_user(login=f"baru{i}@contoh.id")
            i += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        result = runner.invoke(args=["backup", str(tmp_path / "copy")])
    finally:
        stop.set()
        thread.join()
    assert result.exit_code == 0, result.output
    assert "Backup written to" in result.output

    if url.startswith("sqlite"):
        restored = create_engine(f"sqlite:///{tmp_path / 'copy'}")
        assert sqlite3.connect(tmp_path / "copy").execute("PRAGMA integrity_check").fetchone() == (
            "ok",
        )
    else:
        scratch = make_url(url).set(database="lms_restore_test")
        with create_engine(url, isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(text("DROP DATABASE IF EXISTS lms_restore_test"))
            conn.execute(text("CREATE DATABASE lms_restore_test"))
        subprocess.run(
            ["pg_restore", "--no-owner", f"--dbname={libpq_url(scratch)}", str(tmp_path / "copy")],
            check=True,
            capture_output=True,
        )
        restored = create_engine(scratch)
    after = counts(restored)
    restored.dispose()
    for table, n in before.items():
        if table not in ("users", "consent_events"):  # the writer adds these
            assert after[table] == n, table
    assert (
        after["users"] >= 5 and after["consent_events"] >= 5
    )  # plus what the writer had committed
    with restored.connect() as conn:
        names = set(conn.execute(text("SELECT email FROM users")).scalars())
    assert {f"p{i}@contoh.id" for i in range(5)} <= names


def test_backup_refuses_an_unknown_database(tmp_path):
    from lms.backup import BackupError, backup

    with pytest.raises(BackupError):
        backup("mysql://x@localhost/db", tmp_path / "x")
