"""Akademi KIM: the application factory."""

from pathlib import Path

from flask import Flask, abort, request
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from .accounts.sessions import SessionInterface
from .config import build_config
from .extensions import babel, cache, csrf, db, limiter, local_cache, login_manager, migrate
from .locales import select_locale, select_timezone
from .web import apply_upload_limit

ROOT = Path(__file__).resolve().parent.parent
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


class IdConverter(IntegerConverter):
    """A database id: a positive integer that fits the column, else 404."""

    def __init__(self, map):
        super().__init__(map, min=1, max=2**31 - 1)


def _cache_config(config) -> dict:
    if config.get("REDIS_URL"):
        return {
            "CACHE_TYPE": "RedisCache",
            "CACHE_REDIS_URL": config["REDIS_URL"],
            "CACHE_KEY_PREFIX": "lms-cache:",
        }
    return {"CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": 1000}


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        instance_relative_config=True,
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(build_config(app.instance_path))
    if config:
        app.config.update(config)

    if app.config["TRUSTED_PROXIES"]:
        # Only the given number of proxies in front of the app are believed: the client's
        # address (rate limits) and scheme (Secure cookies, HSTS) come from their headers.
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    app.session_interface = SessionInterface()
    # First of all request hooks: a view's own body limit applies before CSRF reads the form.
    app.before_request(apply_upload_limit)
    app.url_map.converters["id"] = IdConverter
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    limiter.init_app(app)
    cache.init_app(app, config=_cache_config(app.config))
    local_cache.init_app(app, config={"CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": 500})
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message_category = "info"

    from . import models  # noqa: F401  (register every model with the metadata)
    from .accounts.views import bp as accounts_bp
    from .admin.views import bp as admin_bp
    from .authoring.views import bp as authoring_bp
    from .badges.views import bp as badges_bp
    from .catalog.views import bp as catalog_bp
    from .certificates.views import bp as certificates_bp
    from .cli import register_cli
    from .cohorts.views import bp as cohorts_bp
    from .discussions.views import bp as discussions_bp
    from .errors import register_error_handlers
    from .issuers.views import bp as issuers_bp
    from .jobs.views import bp as jobs_bp
    from .notifications.views import bp as notifications_bp
    from .offline.views import bp as offline_bp
    from .offline.views import register as register_offline
    from .privacy.views import bp as privacy_bp
    from .quizzes.views import bp as quizzes_bp
    from .reports.views import bp as reports_bp
    from .signing.views import bp as signing_bp
    from .tasks.views import bp as tasks_bp
    from .web import register_template_helpers

    app.register_blueprint(accounts_bp)
    app.register_blueprint(catalog_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(authoring_bp)
    app.register_blueprint(quizzes_bp)
    app.register_blueprint(certificates_bp)
    app.register_blueprint(issuers_bp)
    app.register_blueprint(signing_bp)
    app.register_blueprint(badges_bp)
    app.register_blueprint(jobs_bp)
    app.register_blueprint(privacy_bp)
    app.register_blueprint(tasks_bp)
    app.register_blueprint(cohorts_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(offline_bp)
    register_offline(app)
    app.register_blueprint(discussions_bp)
    app.register_blueprint(notifications_bp)
    register_error_handlers(app)
    register_template_helpers(app)
    from .completion.services import register as register_completion

    register_completion(app)
    register_cli(app)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if request.is_secure:
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        if current_user.is_authenticated:
            # Pages, JSON and exports of a signed-in person are never kept by a cache.
            response.headers.setdefault("Cache-Control", "private, no-store")
        return response

    @app.before_request
    def refuse_nul_bytes():
        # PostgreSQL cannot store NUL in text; no honest request contains one.
        values = [request.path, *request.args.values()]
        if request.method == "POST":
            values += request.form.values()
        if any("\x00" in v for v in values):
            abort(400)

    from .accounts.sessions import enforce_timeouts

    app.before_request(enforce_timeouts)

    return app
