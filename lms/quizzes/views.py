from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..catalog import services as catalog
from ..catalog.models import Course, Module
from ..errors import ServiceError
from ..extensions import db
from ..forms import EmptyForm
from ..timeutil import utcnow
from . import services
from .models import Quiz
from .types import Answers

bp = Blueprint("quizzes", __name__)


def _quiz_or_404(slug, quiz_id):
    course = catalog.get_course(slug, current_user)
    quiz = services.get_quiz(course, quiz_id) if course else None
    if quiz is None:
        abort(404)
    return course, quiz


@bp.route("/kursus/<slug>/kuis/<id:quiz_id>")
@login_required
def overview(slug, quiz_id):
    course, quiz = _quiz_or_404(slug, quiz_id)
    state = services.quiz_state(current_user, quiz)
    module = db.session.get(Module, quiz.module_id) if quiz.module_id else None
    return render_template(
        "quizzes/overview.html",
        course=course,
        quiz=quiz,
        module=module,
        state=state,
        enrolled=catalog.get_enrolment(current_user, course) is not None,
        form=EmptyForm(),
    )


@bp.route("/kursus/<slug>/kuis/<id:quiz_id>/mulai", methods=["POST"])
@login_required
def start(slug, quiz_id):
    _, quiz = _quiz_or_404(slug, quiz_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        attempt = services.start_attempt(current_user, quiz)
    except ServiceError as e:
        flash(str(e), "error")
        return redirect(url_for("quizzes.overview", slug=slug, quiz_id=quiz_id))
    return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))


def _page_arg(source) -> int:
    value = source.get("halaman", "1")
    return int(value) if value.isdecimal() and len(value) < 6 else 0


@bp.route("/percobaan/<id:attempt_id>", methods=["GET", "POST"])
@login_required
def attempt(attempt_id):
    attempt = services.get_attempt(current_user, attempt_id)
    if request.method == "POST":
        if not EmptyForm().validate_on_submit():
            abort(400)
        page = _page_arg(request.form)
        action = request.form.get("action", "save")
        answers = Answers.from_pairs(request.form.items(multi=True))
        if action == "submit":
            services.submit(current_user, attempt, answers, page)
            return redirect(url_for("quizzes.result", attempt_id=attempt.id))
        pages = services.page_count(attempt)  # before saving: the commit expires the attempt
        try:
            services.save_answers(current_user, attempt, answers, page)
        except ServiceError as e:
            if not attempt.open:  # finished or out of time: show the result with the reason
                flash(str(e), "error")
                return redirect(url_for("quizzes.result", attempt_id=attempt.id))
            raise
        target = {"next": page + 1, "prev": page - 1}.get(action, page)
        target = min(max(target, 1), pages)
        return redirect(url_for("quizzes.attempt", attempt_id=attempt.id, halaman=target))

    if not attempt.open:
        return redirect(url_for("quizzes.result", attempt_id=attempt.id))
    page = _page_arg(request.args)
    if not 1 <= page <= services.page_count(attempt):
        abort(404)
    quiz = db.session.get(Quiz, attempt.quiz_id)
    course = db.session.get(Course, attempt.course_id)
    return render_template(
        "quizzes/attempt.html",
        attempt=attempt,
        quiz=quiz,
        course=course,
        questions=services.public_paper(attempt, page),
        answers=attempt.answers or {},
        page=page,
        pages=services.page_count(attempt),
        now=utcnow(),
        form=EmptyForm(),
    )


@bp.route("/percobaan/<id:attempt_id>/hasil")
@login_required
def result(attempt_id):
    attempt = services.get_attempt(current_user, attempt_id)
    if attempt.open:
        flash(_("This attempt is still open: submit it to see the result."), "info")
        return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))
    quiz = db.session.get(Quiz, attempt.quiz_id)
    course = db.session.get(Course, attempt.course_id)
    state = services.quiz_state(current_user, quiz)
    return render_template(
        "quizzes/result.html",
        attempt=attempt,
        quiz=quiz,
        course=course,
        state=state,
        items=services.result_items(attempt, bool(quiz.settings.get("partial_credit"))),
        reveal=state.reveal_answers,
        marks=state.show_marks,
    )
