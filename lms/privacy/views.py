from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..accounts import services as accounts
from ..accounts import sessions
from ..accounts.forms import DeleteAccountForm
from ..errors import FormErrors
from ..forms import EmptyForm
from ..web import attachment, landing_url, render_form, show_errors
from . import services

bp = Blueprint("privacy", __name__)


@bp.route("/akun/data.json")
@login_required
def export_data():
    response = jsonify(services.export(current_user))
    response.headers["Content-Disposition"] = attachment("data-akademi-kim.json")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/akun/persetujuan", methods=["GET", "POST"])
@login_required
def consent():
    form = EmptyForm()
    version = current_app.config["PRIVACY_VERSION"]
    if form.validate_on_submit():
        if request.form.get("action") == "withdraw":
            services.withdraw_consent(current_user, version)
            flash(_("Your consent has been withdrawn and recorded."), "info")
        elif request.form.get("action") == "give":
            services.give_consent(current_user, version)
            flash(_("Thank you: your consent has been recorded."), "success")
            return redirect(landing_url(current_user))
        return redirect(url_for("privacy.consent"))
    return render_template(
        "privacy/consent.html",
        form=form,
        given=accounts.has_consent(current_user),
        version=version,
    )


@bp.route("/akun/hapus", methods=["GET", "POST"])
@login_required
def delete_account():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            services.delete_account(user, form.password.data)
        except FormErrors as e:
            show_errors(form, e)
        else:
            sessions.end(user, everywhere=False)
            flash(_("Your account and your learning data have been deleted."), "info")
            return redirect(url_for("catalog.index"))
    return render_form("privacy/delete.html", form)
