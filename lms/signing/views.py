from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..errors import FormErrors, ServiceError
from ..extensions import db
from ..forms import EmptyForm
from ..issuers.models import Issuer
from ..permissions import can_manage_certificates, require
from ..web import show_errors
from . import services
from .forms import Pkcs12Form, RemoteForm

bp = Blueprint("signing", __name__)


@bp.app_context_processor
def helpers():
    return {"signing_identity": services.identity_of}


def _page(issuer, upload=None, remote=None, status=200):
    return render_template(
        "signing/identity.html",
        issuer=issuer,
        identity=services.identity_of(issuer.id),
        upload=upload or Pkcs12Form(prefix="p12"),
        remote=remote or RemoteForm(prefix="remote"),
        remove=EmptyForm(prefix="remove"),
        remote_configured=bool(current_app.config.get("SIGNING_REMOTE_URL")),
    ), status


@bp.route("/admin/penerbit/<id:issuer_id>/tanda-tangan", methods=["GET", "POST"])
@require(can_manage_certificates)
def identity(issuer_id):
    issuer = db.session.get(Issuer, issuer_id) or abort(404)
    form = Pkcs12Form(prefix="p12")
    if not form.is_submitted():
        return _page(issuer)
    if not form.validate():
        abort(400)
    try:
        services.upload_pkcs12(
            current_user,
            issuer,
            form.pkcs12.data.read(services.PKCS12_MAX + 1) if form.pkcs12.data else None,
            form.password.data or "",
            form.label.data or "",
        )
    except FormErrors as e:
        show_errors(form, e)
        return _page(issuer, upload=form, status=400)
    flash(_("The signing identity of %(name)s has been saved.", name=issuer.name), "success")
    return redirect(url_for("signing.identity", issuer_id=issuer.id))


@bp.route("/admin/penerbit/<id:issuer_id>/tanda-tangan/jarak-jauh", methods=["POST"])
@require(can_manage_certificates)
def use_remote(issuer_id):
    issuer = db.session.get(Issuer, issuer_id) or abort(404)
    form = RemoteForm(prefix="remote")
    if not form.validate_on_submit():
        abort(400)
    try:
        services.use_remote(current_user, issuer, form.label.data or "")
    except ServiceError as e:
        flash(str(e), "error")
    else:
        flash(_("%(name)s now signs through the remote service.", name=issuer.name), "success")
    return redirect(url_for("signing.identity", issuer_id=issuer.id))


@bp.route("/admin/penerbit/<id:issuer_id>/tanda-tangan/hapus", methods=["POST"])
@require(can_manage_certificates)
def remove(issuer_id):
    issuer = db.session.get(Issuer, issuer_id) or abort(404)
    if not EmptyForm(prefix="remove").validate_on_submit():
        abort(400)
    services.remove_identity(issuer)
    flash(_("%(name)s now issues unsigned certificates.", name=issuer.name), "success")
    return redirect(url_for("signing.identity", issuer_id=issuer.id))
