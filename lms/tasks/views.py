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

from ..catalog import services as catalog
from ..cohorts import services as cohorts
from ..errors import FormErrors
from ..forms import EmptyForm
from ..permissions import can_run_cohorts, is_admin, require
from ..web import render_form, show_errors, upload_limit
from . import photos, services
from .forms import WorkForm
from .models import BY_ADMIN, BY_PEERS, PASSED, REVISION

bp = Blueprint("tasks", __name__)

# Four photos of at most 10 MB each, with the text.
WORK_UPLOAD_BYTES = 4 * photos.MAX_BYTES + 1024 * 1024


@bp.app_context_processor
def helpers():
    return {
        "task_states": services.states_of,
        "waiting_tasks": services.waiting_count,
        "open_reviews": lambda user_id: len(services.open_assignments(user_id)),
    }


def _int_arg(name: str, default: int = 1) -> int:
    value = request.args.get(name, "")
    return min(int(value), 100_000) if value.isdecimal() and len(value) < 7 else default


# ---------------------------------------------------------------- the trainee


def _handin(form) -> services.Handin:
    uploads = [f for f in request.files.getlist(form.photos.name) if f and f.filename]
    version = form.version.data or ""
    return services.Handin(
        text=form.text.data or "",
        link=form.link.data or "",
        new_photos=tuple(f.read(photos.MAX_BYTES + 1) for f in uploads),
        remove_photos=tuple(request.form.getlist("remove"))[:10],
        version=int(version) if version.isdecimal() and len(version) < 10 else None,
    )


@bp.route("/kursus/<slug>/tugas/<id:task_id>", methods=["GET", "POST"])
@login_required
@upload_limit(WORK_UPLOAD_BYTES)
def work(slug, task_id):
    course = catalog.get_course(slug, current_user) or abort(404)
    task = services.get_task(course, task_id) or abort(404)
    if catalog.get_enrolment(current_user, course) is None:
        flash(_("Enrol in the course to do its practice tasks."), "info")
        return redirect(url_for("catalog.course", slug=slug))
    form = WorkForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        handing_in = request.form.get("action") == "submit"
        try:
            if handing_in:
                services.submit(current_user, task, _handin(form))
            else:
                services.save_draft(current_user, task, _handin(form))
        except FormErrors as e:
            show_errors(form, e)
        else:
            if handing_in:
                flash(_("Your work has been handed in. You will see the review here."), "success")
            else:
                flash(_("Your draft is saved."), "success")
            return redirect(url_for("tasks.work", slug=slug, task_id=task.id))
    page = services.work_page(current_user, task)
    if request.method == "GET" and page.work is not None:
        form.text.data = page.work.draft_text
        form.link.data = page.work.draft_link
    form.version.data = str(page.work.version if page.work else 0)
    return render_form(
        "tasks/work.html", form, course=course, page=page, module=services.module_of(task)
    )


@bp.route("/tugas/foto/<key>")
@login_required
def photo(key):
    """A task photo, only for those who may see the work (never a guessable URL)."""
    record, data = services.photo_for(current_user, key)
    response = make_response(data)
    response.content_type = "image/jpeg"
    response.headers["Cache-Control"] = "private, max-age=3600"
    response.headers["Content-Disposition"] = f'inline; filename="foto-{record.id}.jpg"'
    return response


# ---------------------------------------------------------------- peers


@bp.route("/tugas/nilai")
@login_required
def peer_list():
    return render_template(
        "tasks/peer_list.html", assignments=services.open_assignments(current_user.id)
    )


def _decision(task, outcome=None) -> services.Decision:
    ids = [c["id"] for c in task.rubric]
    return services.Decision(
        points={
            key.removeprefix("points-"): value
            for key, value in request.form.items()
            if key.startswith("points-")
        },
        comments={cid: request.form.get(f"comment-{cid}", "") for cid in ids},
        comment=request.form.get("comment", ""),
        outcome=outcome,
    )


@bp.route("/tugas/nilai/<id:assignment_id>", methods=["GET", "POST"])
@login_required
def peer_review(assignment_id):
    assignment = services.get_assignment(current_user, assignment_id)
    entry = services.round_of(assignment)
    page = services.review_page(entry, anonymous=True)
    form = EmptyForm()
    errors = {}
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            services.review_as_peer(current_user, assignment, _decision(page.task))
        except FormErrors as e:
            errors = e.errors
        else:
            flash(_("Thank you: your review has been recorded."), "success")
            return redirect(url_for("tasks.peer_list"))
    return _review_page(page, form, errors, peer=True)


def _review_page(page, form, errors, peer=False, cohort=None, following=None):
    status = 400 if errors else 200
    return (
        render_template(
            "tasks/review.html",
            page=page,
            form=form,
            errors={k: str(v) for k, v in errors.items()},
            sent=request.form if request.method == "POST" else {},
            peer=peer,
            cohort=cohort,
            following=following,
        ),
        status,
    )


# ---------------------------------------------------------------- trainers and admins


@bp.route("/kelas/<id:cohort_id>/tugas")
@require(can_run_cohorts)
def cohort_queue(cohort_id):
    cohort = cohorts.get_cohort_for(current_user, cohort_id)
    state = request.args.get("status", "menunggu")
    state = state if state in services.QUEUE_STATES else "menunggu"
    task_arg = request.args.get("tugas", "")
    task_id = int(task_arg) if task_arg.isdecimal() and len(task_arg) < 10 else None
    page = _int_arg("halaman")
    items, total = services.cohort_queue(cohort, state, task_id, page)
    return render_template(
        "tasks/queue.html",
        cohort=cohort,
        items=items,
        total=total,
        page=page,
        pages=max(1, -(-total // services.PAGE_SIZE)),
        state=state,
        task_id=task_id,
        tasks=services.tasks_of(cohort.course_id),
        review_url=lambda item: url_for(
            "tasks.cohort_review", cohort_id=cohort.id, round_id=item.round.id
        ),
    )


def _outcome() -> str | None:
    action = request.form.get("action")
    return {"pass": PASSED, "revise": REVISION}.get(action)


def _staff_review(entry, cohort, done_url, next_url):
    page = services.review_page(entry, anonymous=False)
    form = EmptyForm()
    errors = {}
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            services.review_as_staff(current_user, entry, _decision(page.task, _outcome()))
        except FormErrors as e:
            errors = e.errors
        else:
            flash(_("The review has been saved and the trainee can see it."), "success")
            following = services.next_waiting(cohort, entry)
            return redirect(next_url(following) if following else done_url)
    following = services.next_waiting(cohort, entry) if entry.outcome else None
    return _review_page(
        page, form, errors, cohort=cohort, following=next_url(following) if following else None
    )


@bp.route("/kelas/<id:cohort_id>/tugas/<id:round_id>", methods=["GET", "POST"])
@require(can_run_cohorts)
def cohort_review(cohort_id, round_id):
    cohort = cohorts.get_cohort_for(current_user, cohort_id)
    entry = services.get_round(current_user, round_id, cohort)
    return _staff_review(
        entry,
        cohort,
        url_for("tasks.cohort_queue", cohort_id=cohort.id),
        lambda r: url_for("tasks.cohort_review", cohort_id=cohort.id, round_id=r.id),
    )


@bp.route("/admin/tugas")
@require(is_admin)
def admin_queue():
    state = request.args.get("status", "menunggu")
    state = state if state in services.QUEUE_STATES else "menunggu"
    kind = BY_PEERS if request.args.get("oleh") == "sesama" else BY_ADMIN
    page = _int_arg("halaman")
    items, total = services.admin_queue(state, kind, None, page)
    return render_template(
        "tasks/queue.html",
        cohort=None,
        items=items,
        total=total,
        page=page,
        pages=max(1, -(-total // services.PAGE_SIZE)),
        state=state,
        kind=kind,
        task_id=None,
        tasks=[],
        review_url=lambda item: url_for("tasks.admin_review", round_id=item.round.id),
    )


@bp.route("/admin/tugas/<id:round_id>", methods=["GET", "POST"])
@require(is_admin)
def admin_review(round_id):
    entry = services.get_round(current_user, round_id)
    return _staff_review(
        entry,
        None,
        url_for("tasks.admin_queue", oleh="sesama" if entry.reviewed_by == BY_PEERS else None),
        lambda r: url_for("tasks.admin_review", round_id=r.id),
    )
