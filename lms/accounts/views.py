from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..catalog import services as catalog
from ..errors import FormErrors, ServiceError
from ..extensions import login_manager
from ..web import safe_next
from . import services, sessions
from .forms import (
    EmptyForm,
    LoginForm,
    PasswordForm,
    ProfileForm,
    RegisterForm,
    SetPasswordForm,
    region_fields,
)

bp = Blueprint("accounts", __name__)


@login_manager.user_loader
def load_user(session_id):
    return services.load_session_user(session_id)


def show_errors(form, errors: FormErrors) -> None:
    for name, message in errors.errors.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [*field.errors, str(message)]
        else:
            flash(str(message), "error")


def render_form(template: str, form, **context):
    """Render a form page; a submitted form with errors answers 400."""
    has_errors = any(field.errors for field in form)
    status = 400 if request.method == "POST" and has_errors else 200
    return render_template(template, form=form, **context), status


def landing_url(user) -> str:
    """Where a person goes after signing in: the next lesson of what they were learning."""
    return catalog.resume_url(user) or url_for("catalog.my_learning")


@bp.route("/daftar", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("catalog.my_learning"))
    form = RegisterForm()
    region_fields(form, form.province.data)
    if form.is_submitted() and not form.pick_province.data:
        if form.validate():
            try:
                user = services.register(request.form)
            except FormErrors as e:
                show_errors(form, e)
            else:
                sessions.start(user)
                flash(
                    _("Welcome, %(name)s! Your account is ready.", name=user.full_name), "success"
                )
                return redirect(safe_next(url_for("catalog.index")))
    return render_form("accounts/register.html", form)


@bp.route("/masuk", methods=["GET", "POST"])
@sessions.throttle_login
def login():
    if current_user.is_authenticated:
        return redirect(landing_url(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.login.data, form.password.data)
        if user is None:
            form.password.errors = [_("The email/number or password is not correct.")]
        else:
            sessions.start(user)
            return redirect(safe_next(landing_url(user)))
    return render_form("accounts/login.html", form)


@bp.route("/keluar", methods=["POST"])
def logout():
    form = EmptyForm()
    if form.validate_on_submit():
        sessions.end(current_user._get_current_object())
        flash(_("You have signed out."), "info")
    return redirect(url_for("catalog.index"))


@bp.route("/akun", methods=["GET", "POST"])
@login_required
def profile():
    user = current_user._get_current_object()
    form = ProfileForm(
        data=None
        if request.method == "POST"
        else {
            "full_name": user.full_name,
            "login": user.login_name,
            "province": user.province_code,
            "regency": user.regency_code,
            "timezone": user.timezone,
            "locale": user.locale,
        }
    )
    region_fields(form, form.province.data)
    if form.is_submitted() and not form.pick_province.data and form.validate():
        try:
            services.update_profile(user, request.form)
        except FormErrors as e:
            show_errors(form, e)
        else:
            flash(_("Your profile has been saved."), "success")
            return redirect(url_for("accounts.profile"))
    return render_form("accounts/profile.html", form)


@bp.route("/akun/kata-sandi", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            services.change_password(user, form.current_password.data, form.new_password.data)
        except FormErrors as e:
            show_errors(form, e)
        else:
            sessions.start(user)  # this device stays signed in, with the new session version
            flash(_("Your password has been changed. Other devices are signed out."), "success")
            return redirect(url_for("accounts.profile"))
    return render_form("accounts/password.html", form)


@bp.route("/bahasa", methods=["POST"])
def set_language():
    form = EmptyForm()
    locale = request.form.get("locale", "")
    target = safe_next(url_for("catalog.index"))
    if not form.validate_on_submit():
        return redirect(target)
    try:
        services.set_locale(current_user if current_user.is_authenticated else None, locale)
    except ServiceError as e:
        flash(str(e), "error")
        return redirect(target)
    response = redirect(target)
    response.set_cookie("lang", locale, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


@bp.route("/privasi")
def privacy():
    return render_template("accounts/privacy.html", version=current_app.config["PRIVACY_VERSION"])


@bp.route("/atur-kata-sandi/<token>", methods=["GET", "POST"])
def set_password(token):
    """A one-time link from a trainer: set the first password and accept the privacy notice."""
    user = services.password_link_user(token)
    form = SetPasswordForm()
    if form.validate_on_submit():
        consent = current_app.config["PRIVACY_VERSION"] if form.consent.data else None
        try:
            user = services.set_password_with_link(token, form.password.data, consent)
        except FormErrors as e:
            show_errors(form, e)
        else:
            sessions.start(user)
            flash(_("Your password is set. Welcome, %(name)s!", name=user.full_name), "success")
            return redirect(landing_url(user))
    return render_form("accounts/set_password.html", form, person=user)
