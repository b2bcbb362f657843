"""Files (certificate PDFs, task photos, …) behind one small interface, with two backends:
the database (default: nothing else to set up) or a directory shared by every app server
(LMS_FILES_DIR). Keys are random, so a file is never found by guessing; whoever serves one
checks permissions first (see web.send_stored)."""

import hashlib
import secrets
from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import LargeBinary, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import db
from .timeutil import utcnow


class StoredFile(db.Model):
    """A file's record; its bytes are here (database backend) or in the directory."""

    __tablename__ = "stored_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    content_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def _directory() -> Path | None:
    path = current_app.config.get("STORAGE_DIR")
    return Path(path) if path else None


def _path(directory: Path, key: str) -> Path:
    return directory / key[:2] / key


def save(data: bytes, content_type: str) -> StoredFile:
    """Store the bytes under a new random key, in the caller's transaction (the caller
    commits). With a directory the bytes are written at once (a rolled-back record leaves a
    file nobody can reach)."""
    key = secrets.token_hex(20)
    directory = _directory()
    record = StoredFile(
        key=key,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=None if directory else data,
    )
    if directory:
        target = _path(directory, key)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".part")
        partial.write_bytes(data)
        partial.replace(target)
    db.session.add(record)
    return record


def get(key: str) -> StoredFile | None:
    return db.session.scalar(select(StoredFile).where(StoredFile.key == key[:40]))


def get_many(keys) -> dict[str, StoredFile]:
    """Several files' records in one query, by key."""
    keys = list({k[:40] for k in keys})
    if not keys:
        return {}
    return {
        r.key: r for r in db.session.scalars(select(StoredFile).where(StoredFile.key.in_(keys)))
    }


def load(record: StoredFile) -> bytes:
    if record.data is not None:
        return record.data
    directory = _directory()
    if directory is None:
        raise FileNotFoundError(record.key)
    return _path(directory, record.key).read_bytes()


def remove(keys: list[str]) -> None:
    """Delete files and their records (in the caller's transaction)."""
    if not keys:
        return
    directory = _directory()
    if directory:
        for key in keys:
            _path(directory, key).unlink(missing_ok=True)
    db.session.execute(delete(StoredFile).where(StoredFile.key.in_(keys)))
