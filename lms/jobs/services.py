"""Background jobs: queued in Redis (RQ) when LMS_REDIS_URL is set and run by
`flask --app lms worker`; run inline in the request otherwise. Progress lives in the database,
so any app server can show it."""

import logging
import secrets
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from ..errors import ServiceError
from ..extensions import db
from ..timeutil import utcnow
from .models import Job

log = logging.getLogger(__name__)
QUEUE = "lms"
KINDS: dict = {}  # kind -> function(job) that does the work


def task(kind: str):
    def register(func):
        KINDS[kind] = func
        return func

    return register


def files_dir() -> Path:
    path = Path(current_app.config["FILES_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def new_file_name(suffix: str) -> str:
    return secrets.token_hex(16) + suffix


def queue():
    """The RQ queue, or None when no Redis is configured (jobs then run inline)."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    from redis import Redis
    from rq import Queue

    return Queue(QUEUE, connection=Redis.from_url(url))


def start(kind: str, actor, cohort_id: int | None = None, **params) -> Job:
    if kind not in KINDS:
        raise ServiceError(_l("Unknown task."), 400)
    job = Job(
        kind=kind, params=params, cohort_id=cohort_id, created_by_id=actor.id if actor else None
    )
    db.session.add(job)
    db.session.commit()
    q = queue()
    if q is None:
        run(job.id)
    else:
        q.enqueue_call("lms.jobs.worker.perform", args=(job.id,), timeout=3600, result_ttl=0)
    return db.session.get(Job, job.id)


def progress(job: Job, done: int, total: int | None = None) -> None:
    """Record progress in its own small transaction (the caller's work is committed in batches)."""
    values = {"done": done}
    if total is not None:
        values["total"] = total
    db.session.execute(update(Job).where(Job.id == job.id).values(**values))
    db.session.commit()


def run(job_id: int) -> None:
    """Do the job's work now (in a worker, or inline); failures are recorded on the job."""
    job = db.session.get(Job, job_id)
    if job is None or job.finished:
        return
    claimed = db.session.execute(
        update(Job).where(Job.id == job_id, Job.status == "queued").values(status="running")
    )
    db.session.commit()
    if claimed.rowcount != 1:
        return  # another worker has it
    try:
        result = KINDS[job.kind](db.session.get(Job, job_id))
    except Exception as e:  # noqa: BLE001 - recorded for the person watching the job
        db.session.rollback()
        log.exception("job %s failed", job_id)
        db.session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(status="failed", error=str(e)[:2000], finished_at=utcnow())
        )
    else:
        db.session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(status="done", result=result or {}, finished_at=utcnow())
        )
    db.session.commit()


def for_cohort(cohort_id: int, limit: int = 10) -> list[Job]:
    return list(
        db.session.scalars(
            select(Job).where(Job.cohort_id == cohort_id).order_by(Job.id.desc()).limit(limit)
        )
    )
