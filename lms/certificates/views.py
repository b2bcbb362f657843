from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import codes
from ..catalog import services as catalog
from ..cohorts import services as cohorts
from ..errors import FormErrors, ServiceError
from ..extensions import db, limiter
from ..issuers.models import Issuer
from ..jobs import services as jobs
from ..links import whatsapp_share_url
from ..permissions import (
    can_download_certificate,
    can_manage_certificates,
    can_run_cohorts,
    require,
)
from ..signing.services import CHECK_MAX_BYTES
from ..web import attachment, render_form, show_errors, upload_limit
from . import bulk, services
from . import jobs as _registered_jobs  # noqa: F401  (registers the certificate tasks)
from .forms import CheckFileForm, ClaimForm, ReasonForm, VerifyForm
from .models import Certificate

bp = Blueprint("certificates", __name__)


def verify_limit() -> str:
    return current_app.config["VERIFY_RATE_LIMIT"]


@bp.app_context_processor
def helpers():
    return {
        "pretty_code": codes.pretty,
        "certificate_states": services.certificate_states,
    }


# ---------------------------------------------------------------- trainees


@bp.route("/kursus/<slug>/sertifikat", methods=["GET", "POST"])
@login_required
def claim(slug):
    course = catalog.get_course(slug, current_user) or abort(404)
    found = services.eligibility(current_user, course)
    if found.certificate is not None:
        return redirect(url_for("certificates.mine"))
    if found.revoked is not None:
        flash(str(services.revoked_message(found.revoked)), "error")
        return redirect(url_for("catalog.course", slug=slug))
    if not found.eligible:
        flash(_("Complete the course first: then you can claim its certificate."), "info")
        return redirect(url_for("catalog.course", slug=slug))
    form = ClaimForm(
        data=None if request.method == "POST" else {"full_name": current_user.full_name}
    )
    if form.validate_on_submit():
        try:
            services.claim(current_user, course, form.full_name.data)
        except FormErrors as e:
            show_errors(form, e)
        else:
            flash(_("Your certificate is ready."), "success")
            return redirect(url_for("certificates.mine"))
    return render_form("certificates/claim.html", form, course=course, status=found.status)


@bp.route("/sertifikat")
@login_required
def mine():
    return render_template(
        "certificates/mine.html", certificates=services.certificates_of(current_user)
    )


@bp.route("/sertifikat/<id:certificate_id>/unduh")
@login_required
def download(certificate_id):
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None or not can_download_certificate(current_user, certificate):
        abort(404)
    if not certificate.valid:
        # A revoked paper is not handed out again: the page explains and links to /v.
        return render_template("certificates/revoked.html", certificate=certificate), 410
    # The file never changes: its SHA-256 is the ETag, and a browser holding it gets a 304.
    if certificate.pdf_sha256 and request.if_none_match.contains(certificate.pdf_sha256):
        response = make_response("", 304)
    else:
        response = make_response(services.pdf_bytes(certificate))
        response.content_type = "application/pdf"
        filename = "sertifikat-" + certificate.number.replace("/", "-") + ".pdf"
        response.headers["Content-Disposition"] = attachment(filename)
    response.set_etag(certificate.pdf_sha256)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


# ---------------------------------------------------------------- public verification


@bp.route("/v")
@limiter.shared_limit(verify_limit, scope="verify")
def verify_form():
    form = VerifyForm(request.args)
    typed = (form.kode.data or "").strip()
    if typed:
        certificate = services.lookup(typed)
        if certificate is not None:
            return redirect(url_for("certificates.verify", code=certificate.code))
        numbered = services.by_number(typed)
        if numbered is not None:
            # Only that the number exists and who issued it: the holder needs the code.
            record = {"status": "number_only", "number": numbered.number}
            record["issuer"] = numbered.issuer_snapshot["name"]
            return render_template(
                "certificates/verify.html", form=form, record=record, check_form=CheckFileForm()
            )
        return render_template(
            "certificates/verify.html",
            form=form,
            record={"status": "not_found"},
            check_form=CheckFileForm(),
        ), 404
    return render_template(
        "certificates/verify.html", form=form, record=None, check_form=CheckFileForm()
    )


@bp.route("/v/periksa-berkas", methods=["POST"])
@limiter.shared_limit(verify_limit, scope="verify")
@upload_limit(CHECK_MAX_BYTES + 64 * 1024)
def check_file():
    """Periksa berkas PDF: the answer is shown, nothing is stored."""
    form = CheckFileForm()
    if not form.validate_on_submit():
        abort(400)
    data = form.berkas.data.read(CHECK_MAX_BYTES + 1) if form.berkas.data else b""
    try:
        result = services.check_file(data)
    except FormErrors as e:
        show_errors(form, e)
        return render_template(
            "certificates/verify.html", form=VerifyForm(), record=None, check_form=form
        ), 400
    response = make_response(
        render_template(
            "certificates/verify.html",
            form=VerifyForm(),
            record=None,
            check_form=CheckFileForm(formdata=None),
            check=result,
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/v/<code>")
@limiter.shared_limit(verify_limit, scope="verify")
def verify(code):
    record = services.public_record(services.lookup(code))
    status = 404 if record["status"] == "not_found" else 200
    share = None
    if record["status"] == "valid":
        share = whatsapp_share_url(
            _(
                "Certificate %(course)s of %(name)s from %(issuer)s. Check that it is genuine: "
                "%(link)s",
                course=record["course"],
                name=record["name"],
                issuer=record["issuer"],
                link=services.verify_url(record["code"]),
            )
        )
    response = make_response(
        render_template(
            "certificates/verify.html",
            form=VerifyForm(),
            record=record,
            check_form=CheckFileForm(),
            share=share,
        ),
        status,
    )
    # Revalidated on every visit (a revocation shows at once), answered 304 when unchanged.
    response.headers["Cache-Control"] = "no-cache"
    if status == 200:
        response.add_etag()
        response.make_conditional(request)
    return response


@bp.route("/api/v1/certificates/<code>")
@limiter.shared_limit(verify_limit, scope="verify")
def verify_api(code):
    record = services.public_record(services.lookup(code))
    return jsonify(record), 404 if record["status"] == "not_found" else 200


# ---------------------------------------------------------------- admins: certificates


@bp.route("/admin/sertifikat")
@require(can_manage_certificates)
def admin_list():
    query = request.args.get("q", "")[:100]
    page = min(max(request.args.get("page", 1, type=int), 1), 100_000)
    return render_template(
        "certificates/admin_list.html",
        pagination=services.search(query, page, current_app.config["USERS_PER_PAGE"]),
        query=query,
    )


@bp.route("/admin/sertifikat/<id:certificate_id>")
@require(can_manage_certificates)
def admin_detail(certificate_id):
    certificate = db.session.get(Certificate, certificate_id) or abort(404)
    return render_template(
        "certificates/admin_detail.html",
        certificate=certificate,
        record=services.public_record(certificate),
        events=services.history(certificate),
        revoke_form=ReasonForm(prefix="revoke"),
        reissue_form=ReasonForm(prefix="reissue"),
    )


@bp.route("/admin/sertifikat/<id:certificate_id>/cabut", methods=["POST"])
@require(can_manage_certificates)
def revoke(certificate_id):
    certificate = db.session.get(Certificate, certificate_id) or abort(404)
    form = ReasonForm(prefix="revoke")
    if not form.validate_on_submit():
        abort(400)
    try:
        services.revoke(current_user, certificate, form.reason.data)
    except ServiceError as e:
        flash(str(e), "error")
    else:
        flash(_("Certificate %(number)s has been revoked.", number=certificate.number), "success")
    return redirect(url_for("certificates.admin_detail", certificate_id=certificate.id))


@bp.route("/admin/sertifikat/<id:certificate_id>/izinkan-klaim", methods=["POST"])
@require(can_manage_certificates)
def allow_claim(certificate_id):
    certificate = db.session.get(Certificate, certificate_id) or abort(404)
    if not ReasonForm().validate_on_submit():
        abort(400)
    try:
        services.allow_new_claim(current_user, certificate)
    except ServiceError as e:
        flash(str(e), "error")
    else:
        flash(_("The holder may now claim a new certificate of this course."), "success")
    return redirect(url_for("certificates.admin_detail", certificate_id=certificate.id))


@bp.route("/admin/sertifikat/<id:certificate_id>/terbitkan-ulang", methods=["POST"])
@require(can_manage_certificates)
def reissue(certificate_id):
    certificate = db.session.get(Certificate, certificate_id) or abort(404)
    form = ReasonForm(prefix="reissue")
    if not form.validate_on_submit():
        abort(400)
    try:
        new = services.reissue(current_user, certificate, form.reason.data)
    except ServiceError as e:
        flash(str(e), "error")
        return redirect(url_for("certificates.admin_detail", certificate_id=certificate.id))
    flash(_("Reissued as %(number)s.", number=new.number), "success")
    return redirect(url_for("certificates.admin_detail", certificate_id=new.id))


# ---------------------------------------------------------------- cohorts: bulk issue and ZIP


@bp.route("/kelas/<id:cohort_id>/sertifikat", methods=["GET", "POST"])
@require(can_run_cohorts)
def cohort_certificates(cohort_id):
    cohort = cohorts.get_cohort_for(current_user, cohort_id)
    members = cohorts.members(cohort)
    if request.method == "POST":
        if not ReasonForm().validate_on_submit():
            abort(400)
        kind = "build_zip" if request.form.get("action") == "zip" else "issue_certificates"
        job = jobs.start(kind, current_user, cohort_id=cohort.id)
        return redirect(url_for("jobs.show", job_id=job.id))
    return render_template(
        "certificates/cohort.html",
        cohort=cohort,
        members=len(members),
        eligible=len(services.eligible_without_certificate(cohort.course, members)),
        issued=len(services.cohort_certificate_ids(cohort)),
        issuer=db.session.get(Issuer, cohort.issuer_id),
        form=ReasonForm(),
        recent=jobs.for_cohort(cohort.id),
    )


@bp.route("/kelas/<id:cohort_id>/sertifikat.zip")
@require(can_run_cohorts)
def cohort_zip(cohort_id):
    cohort = cohorts.get_cohort_for(current_user, cohort_id)
    ids = services.cohort_certificate_ids(cohort)
    if not ids:
        flash(_("No certificates have been issued in this cohort yet."), "info")
        return redirect(url_for("certificates.cohort_certificates", cohort_id=cohort.id))
    name = "".join(ch if ch.isalnum() else "-" for ch in cohort.name)[:60]
    return Response(
        stream_with_context(bulk.zip_stream(ids)),
        mimetype="application/zip",
        headers={"Content-Disposition": attachment(f"sertifikat-{name}.zip")},
    )
