from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..accounts import sessions
from ..cohorts import services as cohorts
from ..errors import FormErrors
from ..extensions import limiter
from ..forms import EmptyForm
from ..permissions import can_run_cohorts, require
from ..web import landing_url, render_form, safe_next, show_errors
from . import services, signin
from .forms import AnnouncementForm, CodeRequestForm, CodeResetForm
from .models import CHANNELS, KINDS

bp = Blueprint("notifications", __name__)


@bp.app_context_processor
def menu():
    def unread_notifications() -> int:
        if not current_user.is_authenticated:
            return 0
        return services.unread_count(current_user.id)

    return {
        "unread_notifications": unread_notifications,
        "whatsapp_codes": signin.available,
    }


def _page() -> int:
    page = request.args.get("halaman", "1")
    return int(page) if page.isdecimal() and 0 < int(page) < 100_000 else 1


@bp.route("/pemberitahuan")
@login_required
def index():
    pagination = services.page_of(current_user, _page())
    return render_template(
        "notifications/index.html",
        pagination=pagination,
        message=services.message,
        form=EmptyForm(),
    )


@bp.route("/pemberitahuan/<id:notification_id>")
@login_required
def open(notification_id):
    """Where a notification leads (the link in its email); reading changes nothing."""
    return redirect(services.target_of(current_user, notification_id))


@bp.route("/pemberitahuan/<id:notification_id>/baca", methods=["POST"])
@login_required
def read(notification_id):
    """Mark it read; with `buka` (the list's buttons) go on to where it leads."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    if request.form.get("buka"):
        return redirect(services.open_notification(current_user, notification_id))
    services.mark_read(current_user, notification_id)
    return redirect(safe_next(url_for("notifications.index")))


@bp.route("/pemberitahuan/baca-semua", methods=["POST"])
@login_required
def read_all():
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.mark_read(current_user)
    flash(_("Every notification is marked as read."), "success")
    return redirect(url_for("notifications.index"))


@bp.route("/pemberitahuan/pengaturan", methods=["GET", "POST"])
@login_required
def settings():
    form = EmptyForm()
    errors = {}
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        choices = {
            kind: request.form[f"kind_{kind}"] for kind in KINDS if f"kind_{kind}" in request.form
        }
        try:
            services.set_preferences(current_user, choices)
        except FormErrors as e:
            errors = e.errors
        else:
            flash(_("Your notification settings are saved."), "success")
            return redirect(url_for("notifications.settings"))
    chosen = services.preferences(current_user.id)
    if request.method == "POST":
        chosen.update({k: request.form[f"kind_{k}"] for k in KINDS if f"kind_{k}" in request.form})
    return render_template(
        "notifications/settings.html",
        form=form,
        chosen=chosen,
        errors=errors,
        kinds=KINDS,
        channels=CHANNELS,
        kind_labels=services.KIND_LABELS,
        channel_labels=services.CHANNEL_LABELS,
    ), (400 if errors else 200)


@bp.route("/berhenti/<token>", methods=["GET", "POST"])
def unsubscribe(token):
    user, kind = services.read_unsubscribe_token(token)
    form = EmptyForm()
    done = False
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        services.unsubscribe(user, kind)
        done = True
    return render_template(
        "notifications/unsubscribe.html",
        form=form,
        done=done,
        kind_label=services.KIND_LABELS[kind],
    )


@bp.route("/kelas/<id:cohort_id>/pengumuman", methods=["GET", "POST"])
@require(can_run_cohorts)
def announcements(cohort_id):
    cohort = cohorts.get_cohort_for(current_user, cohort_id)
    form = AnnouncementForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            services.announce(current_user, cohort, form.title.data, form.body.data)
        except FormErrors as e:
            show_errors(form, e)
        else:
            flash(_("The announcement is posted; the members are told by email."), "success")
            return redirect(url_for("notifications.announcements", cohort_id=cohort.id))
    return render_form(
        "notifications/announcements.html",
        form,
        cohort=cohort,
        announcements=services.announcements_of(current_user, cohort),
    )


def _phone_key() -> str:
    from ..accounts.services import normalize_phone

    return "code:" + (normalize_phone(request.form.get("phone", "")) or "-")


def _code_ip_limit():
    return current_app.config["CODE_IP_LIMIT"]


def _code_phone_limit():
    return current_app.config["CODE_PHONE_LIMIT"]


def _require_gateway():
    if not signin.available():
        abort(404)


@bp.route("/lupa-kata-sandi/whatsapp", methods=["GET", "POST"])
@limiter.limit(_code_ip_limit, methods=["POST"], scope="code-ip")
@limiter.limit(_code_phone_limit, methods=["POST"], key_func=_phone_key, scope="code-phone")
def request_code():
    _require_gateway()
    form = CodeRequestForm()
    if form.validate_on_submit():
        try:
            signin.request_code(form.phone.data)
        except FormErrors as e:
            show_errors(form, e)
        else:
            flash(
                _("If this number belongs to an account, a code is on its way by WhatsApp."),
                "success",
            )
            return redirect(url_for("notifications.reset_with_code", nomor=form.phone.data))
    return render_form("notifications/code_request.html", form)


@bp.route("/lupa-kata-sandi/whatsapp/kode", methods=["GET", "POST"])
@limiter.limit(_code_ip_limit, methods=["POST"], scope="code-ip-check")
def reset_with_code():
    _require_gateway()
    form = CodeResetForm()
    if request.method == "GET" and request.args.get("nomor"):
        form.phone.data = request.args.get("nomor", "")[:30]
    if form.validate_on_submit():
        try:
            user = signin.reset_with_code(form.phone.data, form.code.data, form.password.data)
        except FormErrors as e:
            show_errors(form, e)
        else:
            sessions.start(user)
            flash(_("Your new password is set. Welcome, %(name)s!", name=user.full_name), "success")
            return redirect(landing_url(user))
    return render_form("notifications/code_reset.html", form)
