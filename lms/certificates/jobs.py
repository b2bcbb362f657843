"""Certificate work that may take long: registered as background jobs."""

from ..accounts.models import User
from ..cohorts.models import Cohort
from ..extensions import db
from ..jobs import services as jobs
from . import bulk, services


@jobs.task("issue_certificates")
def issue_certificates(job) -> dict:
    cohort = db.session.get(Cohort, job.cohort_id)
    actor = db.session.get(User, job.created_by_id) if job.created_by_id else None
    issued = services.issue_for_cohort(
        actor, cohort, lambda done, total: jobs.progress(job, done, total)
    )
    return {"issued": issued}


@jobs.task("build_zip")
def build_zip(job) -> dict:
    cohort = db.session.get(Cohort, job.cohort_id)
    ids = services.cohort_certificate_ids(cohort)
    jobs.progress(job, 0, len(ids))
    name = jobs.new_file_name(".zip")
    with open(jobs.files_dir() / name, "wb") as out:
        for done, chunk in enumerate(bulk.zip_stream(ids)):
            out.write(chunk)
            if done and done % 25 == 0:
                jobs.progress(job, min(done, len(ids)))
    jobs.progress(job, len(ids))
    return {"file": name, "certificates": len(ids)}
