from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts import services as accounts
from ..accounts.forms import RoleForm
from ..accounts.models import User
from ..authoring import services as authoring
from ..errors import ServiceError
from ..extensions import db
from ..forms import EmptyForm
from ..issuers import services as issuers
from ..issuers.models import Issuer
from ..permissions import can_manage_users, is_admin, require
from ..web import render_reset_link
from . import services

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("")
@require(is_admin)
def home():
    return render_template("admin/home.html", summary=services.summary())


@bp.route("/pengguna")
@require(can_manage_users)
def users():
    query = request.args.get("q", "")[:100]
    page = request.args.get("page", 1, type=int)
    page = min(max(page, 1), 100_000)
    pagination = accounts.search_users(query, page, current_app.config["USERS_PER_PAGE"])
    return render_template(
        "admin/users.html",
        pagination=pagination,
        query=query,
        form=RoleForm(),
        authors=authoring.authors_by_user([u.id for u in pagination.items]),
        units=issuers.issuers(),
    )


@bp.route("/pengguna/<id:user_id>/peran", methods=["POST"])
@require(can_manage_users)
def change_role(user_id):
    user = db.session.get(User, user_id) or abort(404)
    form = RoleForm()
    target = url_for("admin.users", q=request.form.get("q", "")[:100] or None)
    if not form.validate_on_submit():
        abort(400)
    try:
        accounts.change_role(current_user, user, form.role.data)
    except ServiceError as e:
        flash(str(e), "error")
    else:
        flash(
            _("%(name)s is now: %(role)s.", name=user.full_name, role=role_label(user.role)),
            "success",
        )
    return redirect(target)


def role_label(role: str) -> str:
    return {"trainee": _("Trainee"), "trainer": _("Trainer"), "admin": _("Administrator")}.get(
        role, role
    )


@bp.app_context_processor
def role_labels():
    return {"role_label": role_label}


@bp.route("/pengguna/<id:user_id>/tautan", methods=["POST"])
@require(can_manage_users)
def reset_link(user_id):
    user = db.session.get(User, user_id) or abort(404)
    if not RoleForm().validate_on_submit():
        abort(400)
    token = accounts.staff_reset_link(current_user, user)
    return render_reset_link(user, token)


@bp.route("/pengguna/<id:user_id>/penulis", methods=["POST"])
@require(can_manage_users)
def author(user_id):
    """Make a trainer or admin a course author (penulis kursus) of a unit, or stop it."""
    user = db.session.get(User, user_id) or abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    unit = request.form.get("unit", "")
    issuer = db.session.get(Issuer, int(unit)) if unit.isdecimal() and len(unit) < 10 else None
    if unit and issuer is None:
        abort(400)
    try:
        authoring.grant_author(current_user, user, issuer)
    except ServiceError as e:
        flash(str(e), "error")
    else:
        if issuer is None:
            flash(_("%(name)s is no longer a course author.", name=user.full_name), "success")
        else:
            flash(
                _(
                    "%(name)s now writes courses for %(unit)s.",
                    name=user.full_name,
                    unit=issuer.name,
                ),
                "success",
            )
    return redirect(url_for("admin.users", q=request.form.get("q", "")[:100] or None))
