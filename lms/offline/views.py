"""The service worker, the web app manifest, the offline page, what a saved copy holds,
completions sent from a device, and module PDFs."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..catalog import services as catalog
from ..errors import ServiceError
from ..web import attachment
from . import pdf, services

bp = Blueprint("offline", __name__)
OFFLINE_HEADER = "X-LMS-Offline"


def is_offline_copy() -> bool:
    """Whether this page is fetched to be kept on the device: rendered without anything of
    the person (progress, messages, form tokens), so the copy can be shown to no one else."""
    return bool(g.get("offline_copy"))


def mark_offline_copy() -> None:
    """before_request: the service worker's script asks for the user-neutral variant."""
    g.offline_copy = request.method == "GET" and request.headers.get(OFFLINE_HEADER) == "1"


def add_vary(response):
    """Pages differ by the header: no cache may hand the live page to the saving script."""
    if response.mimetype == "text/html":
        response.vary.add(OFFLINE_HEADER)
    return response


@bp.route("/sw.js")
def service_worker():
    response = current_app.send_static_file("sw.js")
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-cache"
    response.content_type = "text/javascript; charset=utf-8"
    return response


@bp.route("/manifest.webmanifest")
def manifest():
    icon = "static"
    response = jsonify(
        {
            "name": "Akademi KIM",
            "short_name": "Akademi KIM",
            "description": _("Learn digital skills for KIM and small businesses, also offline."),
            "lang": "id",
            "start_url": url_for("catalog.my_learning"),
            "scope": "/",
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#0b5cad",
            "icons": [
                {
                    "src": url_for(icon, filename="icon-192.png"),
                    "sizes": "192x192",
                    "type": "image/png",
                },
                {
                    "src": url_for(icon, filename="icon-512.png"),
                    "sizes": "512x512",
                    "type": "image/png",
                },
                {
                    "src": url_for(icon, filename="icon-maskable-512.png"),
                    "sizes": "512x512",
                    "type": "image/png",
                    "purpose": "maskable",
                },
            ],
        }
    )
    response.content_type = "application/manifest+json"
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@bp.route("/offline")
def offline_page():
    return render_template("offline/offline.html")


def _enrolled_course_or_404(slug):
    course = catalog.get_course(slug, current_user)
    if course is None:
        abort(404)
    return course, catalog.get_enrolment(current_user, course)


@bp.route("/kursus/<slug>/offline.json")
@login_required
def course_copy(slug):
    course, enrolment = _enrolled_course_or_404(slug)
    if enrolment is None:
        return jsonify(error=_("Enrol in the course to save it for offline use.")), 403
    return jsonify(services.offline_copy(course).as_json())


@bp.route("/offline/selesai", methods=["POST"])
@login_required
def sync_completions():
    payload = request.get_json(silent=True)
    try:
        completions = services.parse_completions(payload)
    except ServiceError as e:
        return jsonify(error=str(e)), 400
    result = services.record_completions(current_user, completions)
    return jsonify(result.as_json())


@bp.route("/kursus/<slug>/modul/<id:module_id>.pdf")
@login_required
def module_pdf(slug, module_id):
    course, enrolment = _enrolled_course_or_404(slug)
    if enrolment is None:
        flash(_("Enrol in the course to read its lessons."), "info")
        return redirect(url_for("catalog.course", slug=slug))
    document = pdf.module_document(course, module_id)
    if document is None:
        abort(404)
    response = make_response(document.data)
    response.content_type = "application/pdf"
    response.headers["Content-Disposition"] = attachment(document.filename)
    return response


def register(app) -> None:
    app.before_request(mark_offline_copy)
    app.after_request(add_vary)

    @app.context_processor
    def helpers():
        return {"offline_copy": is_offline_copy(), "offline_panel": services.offline_copy}
