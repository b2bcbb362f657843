"""Small helpers shared by views and templates."""

import re
import unicodedata
from datetime import UTC, date, datetime
from urllib.parse import quote, urlsplit

from flask import current_app, flash, render_template, request, url_for
from flask_babel import format_date, format_datetime, get_locale
from flask_babel import lazy_gettext as _l
from werkzeug.http import dump_options_header

from . import formatting, permissions, regions, signals
from .links import external_url


def safe_next(default: str) -> str:
    """The `next` target if it stays on this site, else `default`."""
    target = request.values.get("next", "")
    parts = urlsplit(target)
    if (
        target.startswith("/")
        and not target.startswith("//")
        and not parts.netloc
        and "\\" not in target
    ):
        return target
    return default


def upload_limit(max_bytes: int):
    """Decorator: this view accepts request bodies up to `max_bytes` (the app's default,
    LMS_MAX_UPLOAD_BYTES, applies elsewhere). Read before any form is parsed."""

    def decorator(view):
        view.max_upload = max_bytes
        return view

    return decorator


def apply_upload_limit() -> None:
    """before_request (first of all): the view's own body limit, if it declares one."""
    view = current_app.view_functions.get(request.endpoint or "")
    limit = getattr(view, "max_upload", None)
    if limit:
        request.max_content_length = limit


def show_errors(form, errors) -> None:
    """Put a service's FormErrors next to their fields (or flash those without a field)."""
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


def input_attrs(field, hint=None, autocomplete=None, type=None) -> dict:
    """HTML attributes for a form input: error and hint wiring for screen readers."""
    attrs = {}
    if field.errors:
        attrs["aria-invalid"] = "true"
        attrs["aria-describedby"] = f"{field.id}-error"
    elif hint:
        attrs["aria-describedby"] = f"{field.id}-hint"
    if autocomplete:
        attrs["autocomplete"] = autocomplete
    if type:
        attrs["type"] = type
    return attrs


LEVELS = {"dasar": _l("Basic"), "menengah": _l("Intermediate"), "lanjut": _l("Advanced")}


REQUIREMENTS = {
    "all_lessons": _l("finish every lesson"),
    "module_quizzes": _l("pass every module quiz"),
    "final_exam": _l("pass the final exam"),
    "tasks": _l("pass every practice task"),
}


def requirement_label(name: str) -> str:
    return str(REQUIREMENTS.get(name, name))


def level_label(level: str) -> str:
    return str(LEVELS.get(level, level))


def utc_from_iso(value: str) -> datetime:
    """An ISO time such as 2026-12-04T03:00:00Z as the naive UTC time the app stores."""
    return datetime.fromisoformat(value).astimezone(UTC).replace(tzinfo=None)


def served_elsewhere() -> bool:
    """Whether this request reached the app at another address than LMS_BASE_URL (the one
    every printed and sent link uses): worth a warning to admins."""
    return request.url_root.rstrip("/") != current_app.config["BASE_URL"].rstrip("/")


def register_template_helpers(app):
    app.add_template_global(input_attrs)  # macros imported without context need it
    app.add_template_filter(requirement_label)
    app.add_template_filter(date.fromisoformat, "todate")
    app.add_template_filter(utc_from_iso, "todatetime")
    formatting.register(app)

    @app.context_processor
    def helpers():
        return {
            "get_locale": get_locale,
            "format_date": format_date,
            "format_datetime": format_datetime,
            "region_name": regions.name,
            "permissions": permissions,
            "level_label": level_label,
            "served_elsewhere": served_elsewhere,
        }


def attachment(filename: str) -> str:
    """A Content-Disposition value for a download (RFC 6266): an ASCII fallback name, and the
    real name as UTF-8 in filename* when it has other characters (en dashes, Javanese, …)."""
    fallback = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    fallback = re.sub(r"[^A-Za-z0-9._-]+", "-", fallback).strip("-.") or "unduhan"
    options = {"filename": fallback}
    if fallback != filename:
        options["filename*"] = "UTF-8''" + quote(filename, safe="")
    return dump_options_header("attachment", options)


def landing_url(user) -> str:
    """Where a person goes after signing in: an admin to the admin home, anyone else on to what
    a feature offers (their next lesson), else My learning."""
    if permissions.is_admin(user):
        return url_for("admin.home")
    offered = (url for _, url in signals.landing_page.send(user) if url)
    return next(offered, None) or url_for("catalog.my_learning")


def render_reset_link(user, token: str):
    """A one-time password link, shown once to the admin or trainer who hands it over."""
    return render_template(
        "admin/reset_link.html",
        person=user,
        link=external_url("accounts.set_password", token=token),
        hours=current_app.config["STAFF_RESET_LINK_HOURS"],
    )
