"""Certificate work that may take long: registered as background jobs."""

from .. import signals
from ..cohorts import services as cohorts
from ..cohorts.models import Cohort
from ..extensions import db
from ..issuers.models import Issuer
from ..jobs import services as jobs
from . import bulk, services


@jobs.task("issue_certificates")
def issue_certificates(job) -> dict:
    cohort = db.session.get(Cohort, job.cohort_id)
    actor = None
    if job.created_by_id:
        from ..accounts.models import User

        actor = db.session.get(User, job.created_by_id)
    eligible = services.eligible_without_certificate(cohort.course, cohorts.members(cohort))
    jobs.progress(job, 0, len(eligible))
    issuer = db.session.get(Issuer, cohort.issuer_id)
    issued = 0
    for issued, _ in enumerate(services.issue_eligible(actor, cohort.course, eligible, issuer), 1):
        if issued % services.BATCH == 0:
            jobs.progress(job, issued)
    jobs.progress(job, issued)
    signals.cohort_changed.send(cohort.id)
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
