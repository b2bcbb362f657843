"""Consistent backups while the app runs: SQLite's online backup API, or pg_dump."""

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(Exception):
    pass


def libpq_url(url) -> str:
    """The database URL as pg_dump understands it (no SQLAlchemy driver suffix)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def backup(database_url: str, destination: Path) -> Path:
    url = make_url(database_url)
    destination.parent.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(url.database)
        target = sqlite3.connect(destination)
        try:
            with target:
                source.backup(target)  # a consistent snapshot, even with writers running
        finally:
            target.close()
            source.close()
        return destination
    if url.get_backend_name() == "postgresql":
        if shutil.which("pg_dump") is None:
            raise BackupError("pg_dump is not installed (Debian package postgresql-client)")
        result = subprocess.run(
            ["pg_dump", "--format=custom", "--no-owner", f"--file={destination}", libpq_url(url)],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise BackupError(result.stderr.strip())
        return destination
    raise BackupError(f"no backup method for {url.get_backend_name()}")
