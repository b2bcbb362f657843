from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from ..errors import FormErrors
from ..extensions import db
from ..forms import EmptyForm
from ..permissions import can_manage_certificates, require
from ..timeutil import utcnow
from ..web import render_form, show_errors
from . import nip, services
from .forms import IssuerForm
from .models import DEFAULT_PATTERN, Issuer, StoredImage
from .numbering import PRESETS

bp = Blueprint("issuers", __name__)


@bp.app_context_processor
def helpers():
    return {"image_key": services.image_key, "pretty_nip": nip.pretty}


@bp.route("/admin/penerbit")
@require(can_manage_certificates)
def index():
    return render_template("issuers/index.html", issuers=services.issuers())


def _issuer_form_page(issuer: Issuer | None):
    form = IssuerForm(obj=issuer if request.method == "GET" else None)
    if request.method == "GET" and issuer is None:
        form.number_pattern.data = DEFAULT_PATTERN
    preset = {p.key: p for p in PRESETS}.get(form.number_preset.data or "")
    if preset is not None:  # a chosen style replaces the typed pattern
        form.number_pattern.data = preset.pattern
    preview = services.preview_number(
        issuer,
        form.number_pattern.data or "",
        form.code.data or "",
        form.classification.data or "",
        utcnow().date(),
    )

    def page():
        return render_form(
            "issuers/form.html",
            form,
            issuer=issuer,
            preview=preview,
            presets=services.preset_examples(
                form.code.data or "", form.classification.data or "", utcnow().date()
            ),
            presets_patterns={p.key: p.pattern for p in PRESETS},
        )

    if form.is_submitted() and form.preview.data:
        return page()
    if form.validate_on_submit():
        try:
            saved = services.save_issuer(
                issuer,
                services.IssuerInput(
                    **{name: getattr(form, name).data or "" for name in services.TEXT_FIELDS},
                    remove_logo=bool(form.remove_logo.data),
                    remove_signature=bool(form.remove_signature.data),
                ),
                form.logo.data.read() if form.logo.data else None,
                form.signature.data.read() if form.signature.data else None,
            )
        except FormErrors as e:
            show_errors(form, e)
        else:
            flash(_("The issuing unit %(name)s has been saved.", name=saved.name), "success")
            return redirect(url_for("issuers.index"))
    return page()


@bp.route("/admin/penerbit/pratinjau-nomor")
@require(can_manage_certificates)
def number_preview():
    """The live preview of the next number while a pattern is typed (number-preview.js)."""
    issuer_id = request.args.get("unit", type=int)
    issuer = db.session.get(Issuer, issuer_id) if issuer_id else None
    args = {key: request.args.get(key, "")[:100] for key in ("pattern", "code", "class")}
    number = services.preview_number(
        issuer, args["pattern"], args["code"][:30], args["class"][:30], utcnow().date()
    )
    response = jsonify({"number": number})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/admin/penerbit/baru", methods=["GET", "POST"])
@require(can_manage_certificates)
def new():
    return _issuer_form_page(None)


@bp.route("/admin/penerbit/<id:issuer_id>", methods=["GET", "POST"])
@require(can_manage_certificates)
def edit(issuer_id):
    return _issuer_form_page(db.session.get(Issuer, issuer_id) or abort(404))


@bp.route("/admin/penerbit/<id:issuer_id>/utama", methods=["POST"])
@require(can_manage_certificates)
def make_default(issuer_id):
    issuer = db.session.get(Issuer, issuer_id) or abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.make_default(issuer)
    flash(
        _("%(name)s now issues the certificates of self-paced trainees.", name=issuer.name),
        "success",
    )
    return redirect(url_for("issuers.index"))


@bp.route("/admin/gambar/<key>")
@require(can_manage_certificates)
def image(key):
    stored = db.session.query(StoredImage).filter_by(key=key[:40]).first() or abort(404)
    response = make_response(stored.data)
    response.content_type = stored.content_type
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
