from flask import Blueprint, abort, redirect, render_template, send_file, url_for
from flask_login import current_user

from ..cohorts import services as cohorts
from ..forms import EmptyForm
from ..permissions import can_run_cohorts, require
from . import services
from .models import Job

bp = Blueprint("jobs", __name__)


def _job_or_404(job_id) -> Job:
    job = services.get(job_id)
    if job is None or job.cohort_id is None:
        abort(404)
    cohorts.get_cohort_for(current_user, job.cohort_id)  # 404 unless they run the cohort
    return job


@bp.route("/pekerjaan/<id:job_id>")
@require(can_run_cohorts)
def show(job_id):
    job = _job_or_404(job_id)
    return render_template("jobs/show.html", job=job)


@bp.route("/pekerjaan/<id:job_id>/ulang", methods=["POST"])
@require(can_run_cohorts)
def restart(job_id):
    job = _job_or_404(job_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    new = services.restart(current_user, job)
    return redirect(url_for("jobs.show", job_id=new.id))


@bp.route("/pekerjaan/<id:job_id>/unduh")
@require(can_run_cohorts)
def download(job_id):
    job = _job_or_404(job_id)
    if job.status != "done" or "file" not in (job.result or {}):
        abort(404)
    path = services.files_dir() / job.result["file"]
    if not path.is_file():
        abort(404)
    return send_file(
        path,
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"sertifikat-kelas-{job.cohort_id}.zip",
    )
