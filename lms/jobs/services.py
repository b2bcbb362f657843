"""Background jobs: queued (lms/queue.py) when LMS_REDIS_URL is set and run by
`flask --app lms worker`; run inline in the request otherwise. Progress lives in the database,
so any app server can show it."""

import logging
import secrets
from datetime import timedelta
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from .. import queue
from ..errors import ServiceError
from ..extensions import db
from ..timeutil import utcnow
from .models import Job

log = logging.getLogger(__name__)
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


def start(kind: str, actor, cohort_id: int | None = None, **params) -> Job:
    if kind not in KINDS:
        raise ServiceError(_l("Unknown task."), 400)
    job = Job(
        kind=kind, params=params, cohort_id=cohort_id, created_by_id=actor.id if actor else None
    )
    db.session.add(job)
    db.session.commit()
    if not queue.enqueue("lms.jobs.services.run", job.id):
        run(job.id)
    return db.session.get(Job, job.id)


def progress(job: Job, done: int, total: int | None = None) -> None:
    """Record progress in its own small transaction (the caller's work is committed in batches)."""
    values = {"done": done, "heartbeat_at": utcnow()}
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
        update(Job)
        .where(Job.id == job_id, Job.status == "queued")
        .values(status="running", heartbeat_at=utcnow())
    )
    db.session.commit()
    if claimed.rowcount != 1:
        return  # another worker has it
    try:
        result = KINDS[job.kind](db.session.get(Job, job_id))
    except Exception as e:  # noqa: BLE001 - recorded for the person watching the job
        db.session.rollback()
        log.exception("job %s failed", job_id)
        # A rule's message is for people; anything else (SQL, a traceback) stays in the log.
        message = str(e) if isinstance(e, ServiceError) else str(FAILED)
        db.session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(status="failed", error=message[:2000], finished_at=utcnow())
        )
    else:
        db.session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(status="done", result=result or {}, finished_at=utcnow())
        )
    db.session.commit()


FAILED = _l(
    "The task failed because of an error on the server. "
    "Start it again; if it fails again, tell an administrator."
)
STOPPED = _l(
    "The task stopped before it finished (the server was restarted). Start it again: what is "
    "already done is not done twice."
)


def mark_stale(jobs: list[Job], now=None) -> None:
    """A running job whose heartbeat stopped long ago has died with its worker: mark it failed,
    so its page says so and the trainer can start it again. Commits when one was marked."""
    now = now or utcnow()
    limit = timedelta(minutes=current_app.config["JOB_STALE_MINUTES"])
    stale = [
        j.id
        for j in jobs
        if j.status == "running" and (j.heartbeat_at or j.created_at) < now - limit
    ]
    if not stale:
        return
    db.session.execute(
        update(Job)
        .where(Job.id.in_(stale), Job.status == "running")
        .values(status="failed", error=str(STOPPED), finished_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    for job in jobs:
        if job.id in stale:
            db.session.refresh(job)


def get(job_id: int) -> Job | None:
    job = db.session.get(Job, job_id)
    if job is not None:
        mark_stale([job])
    return job


def restart(actor, job: Job) -> Job:
    """Start a failed job again (bulk issue skips who already got a certificate)."""
    if job.status != "failed":
        raise ServiceError(_l("Only a failed task can be started again."))
    return start(job.kind, actor, cohort_id=job.cohort_id, **(job.params or {}))


def for_cohort(cohort_id: int, limit: int = 10) -> list[Job]:
    jobs = list(
        db.session.scalars(
            select(Job).where(Job.cohort_id == cohort_id).order_by(Job.id.desc()).limit(limit)
        )
    )
    mark_stale(jobs)
    return jobs
