"""Sign-in sessions: a fresh session at each sign-in, idle and absolute timeouts, throttling,
and the known-device cookie that keeps the owner's own phone out of the sign-in limits."""

import time

from flask import after_this_request, current_app, flash, g, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ..extensions import db, limiter
from . import services

DEVICE_COOKIE = "perangkat"
DEVICE_DAYS = 365
DEVICE_ACCOUNTS = 5  # a shared family phone remembers a few accounts


class SessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the request came over HTTPS (directly, or through
    the trusted proxy), not only when LMS_SECURE_COOKIES says so."""

    def get_cookie_secure(self, app) -> bool:
        return super().get_cookie_secure(app) or request.is_secure


def cookie_secure() -> bool:
    """Whether a cookie set now must be Secure: the same rule as the session cookie."""
    return current_app.session_interface.get_cookie_secure(current_app)


def _devices() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="known-device")


def known_accounts() -> list[int]:
    """The accounts that signed in on this browser before (from its signed cookie)."""
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return []
    try:
        ids = _devices().loads(raw, max_age=DEVICE_DAYS * 86400)
    except BadSignature:
        return []
    return [i for i in ids if isinstance(i, int)] if isinstance(ids, list) else []


def _remember_device(user_id: int) -> None:
    ids = [user_id] + [i for i in known_accounts() if i != user_id]

    @after_this_request
    def set_cookie(response):
        response.set_cookie(
            DEVICE_COOKIE,
            _devices().dumps(ids[:DEVICE_ACCOUNTS]),
            max_age=DEVICE_DAYS * 86400,
            httponly=True,
            samesite="Lax",
            secure=cookie_secure(),
        )
        return response


def start(user) -> None:
    """Sign in with a brand-new session (nothing carried over from before sign-in)."""
    session.clear()
    session.permanent = True  # the cookie outlives the browser, within SESSION_MAX_HOURS
    login_user(user)
    now = int(time.time())
    session["login_at"] = now
    session["seen_at"] = now
    _remember_device(user.id)


def end(user, everywhere: bool = True) -> None:
    """Sign out; by default every other device of this person is signed out too."""
    if everywhere and user is not None and user.is_authenticated:
        services.end_other_sessions(user)
    logout_user()
    session.clear()


def enforce_timeouts() -> None:
    """before_request: sign out a session idle too long or older than the absolute limit."""
    if not current_user.is_authenticated:
        return
    now = int(time.time())
    idle = current_app.config["SESSION_IDLE_MINUTES"] * 60
    absolute = current_app.config["SESSION_MAX_HOURS"] * 3600
    if now - session.get("seen_at", 0) > idle or now - session.get("login_at", 0) > absolute:
        logout_user()
        session.clear()
        flash(_("Your session has ended. Please sign in again."), "info")
        db.session.remove()
    elif now - session.get("seen_at", 0) > 60:
        session["seen_at"] = now  # touch the cookie at most once a minute


def _login_name() -> str:
    parsed = services.parse_login(request.form.get("login", ""))
    return parsed[1] if parsed else (request.form.get("login", "") or "")[:100].lower()


def _account_and_address() -> str:
    return f"{_login_name()}|{request.remote_addr}"


def _failed(response) -> bool:
    return response.status_code == 400


def known_device() -> bool:
    """Whether the account being signed in to has signed in on this browser before."""
    if "known_device" not in g:
        ids = known_accounts()
        user = services.find_by_login(request.form.get("login", "")) if ids else None
        g.known_device = user is not None and user.id in ids
    return g.known_device


def throttle_login(view):
    """Failed sign-ins are limited per address, per account from one address and per account.
    Only failures count, and none of the limits applies on a browser where the account signed
    in before (the signed device cookie): an attacker elsewhere cannot lock the owner out of
    their own phone, and a busy workshop Wi-Fi address is not shut for everyone in the room."""
    limits = [
        ("LOGIN_IP_LIMIT", lambda: request.remote_addr or "-", "login-ip"),
        ("LOGIN_ACCOUNT_IP_LIMIT", _account_and_address, "login-account-ip"),
        ("LOGIN_ACCOUNT_LIMIT", _login_name, "login-account"),
    ]
    for key, key_func, scope in limits:
        view = limiter.shared_limit(
            lambda key=key: current_app.config[key],
            scope=scope,
            key_func=key_func,
            methods=["POST"],
            deduct_when=_failed,
            exempt_when=known_device,
        )(view)
    return view
