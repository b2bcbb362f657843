from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import signals
from ..errors import ServiceError
from ..forms import EmptyForm
from . import services

bp = Blueprint("catalog", __name__)


@bp.route("/")
def index():
    return render_template(
        "catalog/index.html",
        courses=services.visible_courses(current_user),
        stats=services.course_stats(),
    )


@bp.route("/kursus")
def courses():
    return render_template(
        "catalog/courses.html",
        courses=services.visible_courses(current_user),
        stats=services.course_stats(),
    )


def _course_or_404(slug):
    course = services.get_course(slug, current_user)
    if course is None:
        abort(404)
    return course


@bp.route("/kursus/<slug>")
def course(slug):
    course = _course_or_404(slug)
    outline = services.outline(course)
    enrolment = services.get_enrolment(current_user, course)
    done = services.completed_lessons(current_user, course.id) if enrolment else set()
    return render_template(
        "catalog/course.html",
        course=course,
        outline=outline,
        enrolment=enrolment,
        done=done,
        next_lesson=outline.next_unfinished(done),
        form=EmptyForm(),
    )


@bp.route("/kursus/<slug>/daftar", methods=["POST"])
@login_required
def enrol(slug):
    course = _course_or_404(slug)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        services.enrol(current_user, course)
    except ServiceError as e:
        flash(str(e), "error")
        return redirect(url_for("catalog.course", slug=slug))
    flash(_("You are enrolled. Happy learning!"), "success")
    lesson = services.resume_lesson(current_user, course)
    if lesson is None:
        return redirect(url_for("catalog.course", slug=slug))
    return redirect(url_for("catalog.lesson", slug=slug, lesson_id=lesson.id))


@bp.route("/kursus/<slug>/lanjut")
@login_required
def resume(slug):
    course = _course_or_404(slug)
    if services.get_enrolment(current_user, course) is None:
        return redirect(url_for("catalog.course", slug=slug))
    lesson = services.resume_lesson(current_user, course)
    if lesson is None:
        return redirect(url_for("catalog.course", slug=slug))
    return redirect(url_for("catalog.lesson", slug=slug, lesson_id=lesson.id))


@bp.route("/kursus/<slug>/pelajaran/<id:lesson_id>")
@login_required
def lesson(slug, lesson_id):
    page = services.lesson_page(current_user, slug, lesson_id)
    if page is None:
        abort(404)
    if page.enrolment is None:
        flash(_("Enrol in the course to read its lessons."), "info")
        return redirect(url_for("catalog.course", slug=slug))
    previous, following = page.outline.neighbours(lesson_id)
    return render_template(
        "catalog/lesson.html",
        page=page,
        course=page.course,
        lesson=page.lesson,
        module=page.outline.module_of(lesson_id),
        previous=previous,
        following=following,
        form=EmptyForm(),
    )


@bp.route("/kursus/<slug>/pelajaran/<id:lesson_id>/selesai", methods=["POST"])
@login_required
def complete(slug, lesson_id):
    course = _course_or_404(slug)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        following = services.complete_lesson(current_user, course, lesson_id)
    except ServiceError as e:
        flash(str(e), "error")
        return redirect(url_for("catalog.course", slug=slug))
    if following is None:
        flash(_("You have completed every lesson in this course."), "success")
        return redirect(url_for("catalog.course", slug=slug))
    return redirect(url_for("catalog.lesson", slug=slug, lesson_id=following.id))


@bp.route("/belajar")
@login_required
def my_learning():
    panels = []
    for _receiver, found in signals.page_panels.send(
        current_user._get_current_object(), place="my_learning", cohort_id=None
    ):
        panels.extend(found or [])
    return render_template(
        "catalog/my_learning.html", items=services.my_learning(current_user), panels=panels
    )


@bp.route("/kursus/<slug>/media/<path:path>")
def media(slug, path):
    found = services.get_asset(slug, path, current_user)
    if found is None:
        abort(404)
    asset, course = found
    etag = asset.sha256[:32]
    if request.if_none_match.contains(etag):
        response = make_response("", 304)
    else:
        response = make_response(asset.data)
        response.content_type = asset.content_type
    response.set_etag(etag)
    # A unit's course is not public: its pictures stay out of shared caches.
    shared = "public" if course.visibility == "public" else "private"
    response.headers["Cache-Control"] = f"{shared}, max-age=604800"
    if asset.content_type == "image/svg+xml":
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'unsafe-inline'; sandbox"
        )
    return response
