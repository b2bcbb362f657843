"""Who may see and do what: one place, used by every view."""

from functools import wraps

from flask import abort
from flask_login import current_user


def is_admin(user) -> bool:
    return bool(user and user.is_authenticated and user.role == "admin")


def is_trainer(user) -> bool:
    return bool(user and user.is_authenticated and user.role in ("trainer", "admin"))


def can_manage_users(user) -> bool:
    return is_admin(user)


def can_see_hidden_courses(user) -> bool:
    return is_admin(user)


def require(check):
    """Decorator: 401 → login for anonymous visitors, 403 when `check(current_user)` fails."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from .extensions import login_manager

                return login_manager.unauthorized()
            if not check(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def can_manage_certificates(user) -> bool:
    """Issuers, revocation and reissue: organisers at Kominfo (admins)."""
    return is_admin(user)
