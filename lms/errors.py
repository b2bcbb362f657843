"""Error pages in the visitor's language, and the service error types."""

from flask import render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


class ServiceError(Exception):
    """A rule refused an action; the message is shown to the user with `status`."""

    status = 409

    def __init__(self, message, status: int | None = None):
        super().__init__(message)
        if status is not None:
            self.status = status


class FormErrors(ServiceError):
    """Field errors a service found: {field name: message}."""

    status = 400

    def __init__(self, errors: dict):
        super().__init__(next(iter(errors.values())))
        self.errors = errors

    def messages(self) -> dict[str, str]:
        """The errors as the form shows them, next to each field."""
        return {name: str(message) for name, message in self.errors.items()}


TITLES = {
    400: _l("The request could not be understood"),
    403: _l("You do not have access to this page"),
    404: _l("Page not found"),
    405: _l("This action is not allowed here"),
    409: _l("This cannot be done now"),
    413: _l("The file is too large"),
    429: _l("Too many requests: wait a minute and try again"),
    500: _l("Something went wrong on our side"),
}


def register_error_handlers(app):
    def render(code: int, detail=None):
        title = TITLES.get(code, TITLES[400] if code < 500 else TITLES[500])
        return render_template("errors/error.html", code=code, title=title, detail=detail), code

    @app.errorhandler(CSRFError)
    def csrf_error(e):
        return render(400, _l("The form has expired. Go back, reload the page and try again."))

    @app.errorhandler(ServiceError)
    def service_error(e):
        return render(e.status, str(e))

    @app.errorhandler(HTTPException)
    def http_error(e):
        return render(e.code or 500)

    @app.errorhandler(Exception)
    def unexpected(e):
        app.logger.exception("Unhandled error")
        from .extensions import db

        db.session.rollback()
        return render(500)
