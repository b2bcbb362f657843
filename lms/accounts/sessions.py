"""Sign-in sessions: a fresh session at each sign-in, idle and absolute timeouts, throttling."""

import time

from flask import current_app, flash, request, session
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ..extensions import db, limiter
from . import services


def start(user) -> None:
    """Sign in with a brand-new session (nothing carried over from before sign-in)."""
    session.clear()
    session.permanent = True  # the cookie outlives the browser, within SESSION_MAX_HOURS
    login_user(user)
    now = int(time.time())
    session["login_at"] = now
    session["seen_at"] = now


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


def throttle_login(view):
    """Failed sign-ins are limited per address, per account from one address and per account.
    Only failures count, and the per-account limit is generous, so an attacker cannot cheaply
    lock a person out while their own correct password still works from their own address."""
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
        )(view)
    return view
