import base64
import binascii

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from wtforms.fields.choices import SelectChoice

from .. import qr
from .. import spreadsheets as exports
from ..catalog import services as catalog
from ..errors import FormErrors, ServiceError
from ..extensions import limiter
from ..forms import EmptyForm, region_fields
from ..issuers import services as issuers
from ..links import external_url, whatsapp_share_url
from ..permissions import can_manage_cohort, can_run_cohorts, require
from ..web import render_form, show_errors
from . import importer, services
from .forms import CohortForm, ConfirmImportForm, ImportForm, JoinCodeForm, TrainerForm

bp = Blueprint("cohorts", __name__)


def _cohort(cohort_id):
    return services.get_cohort_for(current_user, cohort_id)


def _choices(form, cohort=None):
    region_fields(form, form.province.data)
    courses = catalog.visible_courses(current_user)
    if cohort is not None and all(c.id != cohort.course_id for c in courses):
        courses.append(cohort.course)
    form.course.choices = [SelectChoice("", _("— choose a course —"))] + [
        SelectChoice(str(c.id), c.title) for c in courses
    ]
    form.issuer.choices = [
        SelectChoice(str(i.id), f"{i.name} ({i.code})") for i in issuers.issuers()
    ]


def _cohort_input(form) -> services.CohortInput:
    return services.CohortInput(
        **{
            name: getattr(form, name).data or ""
            for name in services.CohortInput.__dataclass_fields__
        }
    )


@bp.route("/kelas")
@require(can_run_cohorts)
def index():
    return render_template("cohorts/index.html", items=services.cohorts_for(current_user))


@bp.route("/kelas/baru", methods=["GET", "POST"])
@require(can_run_cohorts)
def create():
    defaults = None
    if request.method == "GET":
        defaults = {
            "issuer": str(getattr(issuers.default_issuer(), "id", "")),
            "province": current_user.province_code,
            "regency": current_user.regency_code,
        }
    form = CohortForm(data=defaults)
    _choices(form)
    if form.is_submitted() and not form.pick_province.data and form.validate():
        try:
            cohort = services.create_cohort(current_user, _cohort_input(form))
        except FormErrors as e:
            show_errors(form, e)
        else:
            flash(_("The cohort is ready. Share its join code or import participants."), "success")
            return redirect(url_for("reports.dashboard", cohort_id=cohort.id))
    return render_form("cohorts/form.html", form, cohort=None)


def _settings_page(cohort, form, trainer_form=None, status=200):
    page = render_template(
        "cohorts/form.html",
        form=form,
        cohort=cohort,
        trainers=services.trainers(cohort),
        trainer_form=trainer_form or TrainerForm(),
        action_form=EmptyForm(),
        seats_left=services.seats_left(cohort),
    )
    return page, status


def _cohort_data(cohort) -> dict:
    return {
        "name": cohort.name,
        "course": str(cohort.course_id),
        "starts_on": cohort.starts_on.isoformat(),
        "ends_on": cohort.ends_on.isoformat(),
        "location": cohort.location,
        "organiser": cohort.organiser,
        "province": cohort.province_code,
        "regency": cohort.regency_code,
        "issuer": str(cohort.issuer_id),
        "seat_limit": str(cohort.seat_limit or ""),
        "nudge_after_days": str(cohort.nudge_after_days),
    }


@bp.route("/kelas/<id:cohort_id>/ubah", methods=["GET", "POST"])
@require(can_run_cohorts)
def edit(cohort_id):
    cohort = _cohort(cohort_id)
    form = CohortForm(data=None if request.method == "POST" else _cohort_data(cohort))
    _choices(form, cohort)
    if form.is_submitted() and not form.pick_province.data and form.validate():
        try:
            services.update_cohort(current_user, cohort, _cohort_input(form))
        except FormErrors as e:
            show_errors(form, e)
        else:
            flash(_("The cohort has been saved."), "success")
            return redirect(url_for("cohorts.edit", cohort_id=cohort.id))
    has_errors = any(field.errors for field in form)
    return _settings_page(
        cohort, form, status=400 if request.method == "POST" and has_errors else 200
    )


@bp.route("/kelas/<id:cohort_id>/pelatih", methods=["POST"])
@require(can_run_cohorts)
def add_trainer(cohort_id):
    cohort = _cohort(cohort_id)
    trainer_form = TrainerForm()
    if not trainer_form.validate_on_submit():
        abort(400)
    try:
        user = services.add_trainer(current_user, cohort, trainer_form.login.data)
    except FormErrors as e:
        show_errors(trainer_form, e)
        form = CohortForm(formdata=None, data=_cohort_data(cohort))
        _choices(form, cohort)
        return _settings_page(cohort, form, trainer_form, status=400)
    flash(_("%(name)s now co-runs this cohort.", name=user.full_name), "success")
    return redirect(url_for("cohorts.edit", cohort_id=cohort.id))


@bp.route("/kelas/<id:cohort_id>/pelatih/<id:user_id>/hapus", methods=["POST"])
@require(can_run_cohorts)
def remove_trainer(cohort_id, user_id):
    cohort = _cohort(cohort_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        services.remove_trainer(current_user, cohort, user_id)
    except ServiceError as e:
        if e.status == 404:
            raise
        flash(str(e), "error")
    else:
        flash(_("The co-trainer has been removed."), "success")
    if not can_manage_cohort(current_user, services.trainer_ids(cohort_id)):
        return redirect(url_for("cohorts.index"))
    return redirect(url_for("cohorts.edit", cohort_id=cohort_id))


@bp.route("/kelas/<id:cohort_id>/kode", methods=["POST"])
@require(can_run_cohorts)
def code(cohort_id):
    cohort = _cohort(cohort_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if request.form.get("action") == "close":
        services.close_code(current_user, cohort)
        flash(_("Joining by code is closed. Old posters and links no longer work."), "success")
    else:
        new = services.rotate_code(current_user, cohort)
        flash(
            _("The new join code is %(code)s. Old posters and links no longer work.", code=new),
            "success",
        )
    return redirect(url_for("cohorts.edit", cohort_id=cohort.id))


def join_url(code: str) -> str:
    return external_url("cohorts.join", code=code)


@bp.route("/kelas/<id:cohort_id>/poster")
@require(can_run_cohorts)
def poster(cohort_id):
    cohort = _cohort(cohort_id)
    if cohort.join_code is None:
        flash(_("Joining by code is closed: open it with a new code to print a poster."), "error")
        return redirect(url_for("cohorts.edit", cohort_id=cohort.id))
    link = join_url(cohort.join_code)
    # Built from the site's address and a server-made code; its title is escaped by qr.svg.
    svg = Markup(qr.svg(link, _("QR code of the join link %(link)s", link=link)))
    return render_template(
        "cohorts/poster.html", cohort=cohort, link=link, qr_svg=svg, share=_share(cohort)
    )


def _share(cohort) -> str:
    """*Bagikan ke WhatsApp*: the join link in a prefilled message, built from LMS_BASE_URL."""
    return whatsapp_share_url(
        _(
            "Join the training %(cohort)s (%(course)s) on Akademi KIM: %(link)s Join code: "
            "%(code)s",
            cohort=cohort.name,
            course=cohort.course.title,
            link=join_url(cohort.join_code),
            code=cohort.join_code,
        )
    )


@bp.route("/kelas/<id:cohort_id>/impor", methods=["GET", "POST"])
@require(can_run_cohorts)
def import_(cohort_id):
    cohort = _cohort(cohort_id)
    form = ImportForm()
    if request.method == "POST" and form.validate():
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            form.file.errors = [_("Choose a CSV or XLSX file.")]
        else:
            content = upload.read()  # bounded by MAX_CONTENT_LENGTH
            try:
                result = importer.preview(cohort, content, upload.filename)
            except importer.ImportFileError as e:
                form.file.errors = [str(e)]
            else:
                return _preview_page(cohort, result, content)
    elif request.method == "POST":
        abort(400)
    return render_form("cohorts/import.html", form, cohort=cohort)


@bp.route("/kelas/<id:cohort_id>/impor/contoh.csv")
@require(can_run_cohorts)
def import_template_csv(cohort_id):
    headers, rows = importer.template(_cohort(cohort_id))
    delimiter = exports.separator(request.args.get("pemisah"), get_locale())
    return exports.to_csv(headers, rows, delimiter), {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": 'attachment; filename="contoh-peserta.csv"',
    }


@bp.route("/kelas/<id:cohort_id>/impor/contoh.xlsx")
@require(can_run_cohorts)
def import_template_xlsx(cohort_id):
    headers, rows = importer.template(_cohort(cohort_id))
    book = exports.to_xlsx(
        _("Participants"), headers, rows, text_columns=(importer.TEMPLATE_PHONE_COLUMN,)
    )
    return book, {
        "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "Content-Disposition": 'attachment; filename="contoh-peserta.xlsx"',
    }


def _preview_page(cohort, result, content, status=200):
    confirm = ConfirmImportForm(formdata=None)
    confirm.payload.data = base64.b64encode(content).decode()
    return (
        render_template("cohorts/preview.html", cohort=cohort, preview=result, confirm=confirm),
        status,
    )


@bp.route("/kelas/<id:cohort_id>/impor/simpan", methods=["POST"])
@require(can_run_cohorts)
def confirm_import(cohort_id):
    cohort = _cohort(cohort_id)
    form = ConfirmImportForm()
    if not form.validate():
        abort(400)
    try:
        content = base64.b64decode(form.payload.data or "", validate=True)
    except (binascii.Error, ValueError):
        abort(400)
    skip = bool(form.skip_invalid.data)
    try:
        result, links = importer.run_import(current_user, cohort, content, skip_invalid=skip)
    except importer.ImportRejected as e:
        flash(str(e), "error")
        return _preview_page(cohort, e.preview, content, status=400)
    except importer.ImportFileError as e:
        raise ServiceError(str(e), 400) from e
    message = _(
        "Imported: %(new)s new accounts, %(existing)s existing accounts.",
        new=result.new,
        existing=result.existing,
    )
    if result.skipped:
        message += " " + _("%(n)s rows with errors were skipped.", n=len(result.skipped))
    flash(message, "success")
    return _links_page(cohort, links, skipped=result.skipped)


def _links_page(cohort, links, skipped=()):
    days = current_app.config["SETUP_LINK_DAYS"]
    return render_template(
        "cohorts/links.html",
        cohort=cohort,
        cards=services.link_cards(cohort, links, days),
        skipped=skipped,
        join_link=join_url(cohort.join_code) if cohort.join_code else None,
        days=days,
    )


@bp.route("/kelas/<id:cohort_id>/tautan", methods=["POST"])
@require(can_run_cohorts)
def links(cohort_id):
    cohort = _cohort(cohort_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    links = services.pending_links(current_user, cohort)
    if not links:
        flash(_("Every trainee of this cohort has already set a password."), "info")
        return redirect(url_for("reports.dashboard", cohort_id=cohort.id))
    return _links_page(cohort, links)


@bp.route("/gabung")
def join_form():
    form = JoinCodeForm(request.args)
    if "kode" in request.args:
        code = services.normalize_code(form.kode.data)
        if len(code) == services.CODE_LENGTH:
            return redirect(url_for("cohorts.join", code=code))
        form.kode.errors = [
            _("A join code has %(n)s letters and digits, such as K7PQ3M.", n=services.CODE_LENGTH)
        ]
        return render_template("cohorts/join_form.html", form=form), 400
    return render_template("cohorts/join_form.html", form=form)


def _not_found(response) -> bool:
    return response.status_code == 404


def _account() -> str:
    return str(current_user.id) if current_user.is_authenticated else "-"


def throttle_guesses(view):
    """Wrong join codes are limited per address and per signed-in account: codes cannot be
    found by trying many in a row. Right codes never count."""
    view = limiter.shared_limit(
        lambda: current_app.config["JOIN_IP_LIMIT"], scope="join-ip", deduct_when=_not_found
    )(view)
    return limiter.shared_limit(
        lambda: current_app.config["JOIN_ACCOUNT_LIMIT"],
        scope="join-account",
        key_func=_account,
        deduct_when=_not_found,
        exempt_when=lambda: not current_user.is_authenticated,
    )(view)


@bp.route("/gabung/<code>", methods=["GET"])
@throttle_guesses
def join(code):
    cohort = services.find_by_code(code)
    if cohort is None:
        raise ServiceError(
            _(
                "This join code is not valid, or joining is closed. Check the code with your "
                "trainer."
            ),
            404,
        )
    if code != cohort.join_code:
        return redirect(url_for("cohorts.join", code=cohort.join_code))
    member = current_user.is_authenticated and services.is_member(current_user, cohort)
    return render_template(
        "cohorts/join.html",
        cohort=cohort,
        member=member,
        full=services.seats_left(cohort) == 0,
        form=EmptyForm(),
        share=_share(cohort),
    )


@bp.route("/gabung/<code>", methods=["POST"])
@login_required
@throttle_guesses
def join_post(code):
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        cohort, new = services.join(current_user, code)
    except ServiceError as e:
        if e.status == 404:
            raise
        flash(str(e), "error")
        return redirect(url_for("cohorts.join", code=services.normalize_code(code)))
    if new:
        flash(_("You have joined %(name)s. Happy learning!", name=cohort.name), "success")
    else:
        flash(_("You are already in %(name)s.", name=cohort.name), "info")
    return redirect(url_for("catalog.resume", slug=cohort.course.slug))
