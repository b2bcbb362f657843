from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..errors import FormErrors, ServiceError
from ..extensions import limiter, login_manager
from ..forms import EmptyForm, region_fields
from ..links import external_url
from ..web import landing_url, render_form, safe_next, show_errors
from . import services, sessions
from .forms import (
    ForgotForm,
    LoginForm,
    PasswordForm,
    ProfileForm,
    RegisterForm,
    SetPasswordForm,
)

bp = Blueprint("accounts", __name__)


@login_manager.user_loader
def load_user(session_id):
    return services.load_session_user(session_id)


@bp.route("/daftar", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("catalog.my_learning"))
    form = RegisterForm()
    region_fields(form, form.province.data)
    if form.is_submitted() and not form.pick_province.data:
        if form.validate():
            try:
                user = services.register(
                    services.Registration(
                        full_name=form.full_name.data or "",
                        login=form.login.data or "",
                        password=form.password.data or "",
                        province=form.province.data or "",
                        regency=form.regency.data or "",
                        consent=bool(form.consent.data),
                    )
                )
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
        response = redirect(url_for("catalog.index"))
        # Courses saved for offline reading and completions waiting on this device go with
        # the person (offline.js clears them too where this header is not supported).
        response.headers["Clear-Site-Data"] = '"cache", "storage"'
        return response
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
            services.update_profile(
                user,
                services.Profile(
                    full_name=form.full_name.data or "",
                    login=form.login.data or "",
                    province=form.province.data or "",
                    regency=form.regency.data or "",
                    timezone=form.timezone.data or "",
                    locale=form.locale.data or "",
                ),
            )
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
    return _language_cookie(redirect(target), locale)


def _language_cookie(response, locale: str):
    response.set_cookie(
        "lang",
        locale,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        httponly=True,
        secure=sessions.cookie_secure(),
    )
    return response


@bp.route("/bahasa/<locale>")
def choose_language(locale):
    """For visitors who are not signed in: the choice is only a cookie in their browser, so a
    plain link does it (no session, no form token: anonymous pages stay cacheable)."""
    if locale not in ("id", "en"):
        abort(404)
    return _language_cookie(redirect(safe_next(url_for("catalog.index"))), locale)


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
    return render_form(
        "accounts/set_password.html",
        form,
        person=user,
        purpose=services.link_purpose(token),
        needs_consent=not services.has_consent(user),
    )


def _reset_key() -> str:
    parsed = services.parse_login(request.form.get("login", ""))
    return parsed[1] if parsed else request.remote_addr or "-"


@bp.route("/lupa-kata-sandi", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RESET_LIMIT"], methods=["POST"])
@limiter.limit(lambda: current_app.config["RESET_LIMIT"], methods=["POST"], key_func=_reset_key)
def forgot_password():
    form = ForgotForm()
    sent = False
    if form.validate_on_submit():
        services.request_reset(
            form.login.data or "",
            lambda token: external_url("accounts.set_password", token=token),
        )
        sent = True
    return render_form("accounts/forgot.html", form, sent=sent)


# While consent is withdrawn, a signed-in person can only see these pages.
CONSENT_FREE = {
    "privacy.consent",
    "accounts.logout",
    "privacy.delete_account",
    "privacy.export_data",
    "accounts.privacy",
    "accounts.set_language",
    "static",
}


@bp.before_app_request
def require_consent():
    if (
        current_user.is_authenticated
        and request.endpoint not in CONSENT_FREE
        and current_user.consent_withdrawn_at is not None
    ):
        return redirect(url_for("privacy.consent"))
