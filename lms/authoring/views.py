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
from flask_login import current_user

from .. import permissions
from ..catalog import services as catalog
from ..catalog.models import Course
from ..content.loader import LEVELS, REQUIREMENTS
from ..errors import FormErrors, ServiceError
from ..extensions import db
from ..forms import EmptyForm
from ..issuers import services as issuers
from ..permissions import is_trainer, require
from ..quizzes.types import EDITOR_SLOTS, TYPES, Answers
from ..web import attachment, upload_limit
from . import services, tree

bp = Blueprint("authoring", __name__, url_prefix="/penulis")
FINAL = "ujian-akhir"  # the final exam in URLs, in place of a module folder
CRITERIA_SLOTS, LEVEL_SLOTS = 6, 4


@bp.app_context_processor
def _author_link():
    """`may_author()` in templates: whether the signed-in person may open the course editor
    (one query, only where a template asks)."""

    def may_author() -> bool:
        unit = services.unit_of(current_user)
        return permissions.can_author(current_user, unit.id if unit else None)

    return {"may_author": may_author}


def _course(course_id) -> Course:
    return services.require_edit(current_user, db.session.get(Course, course_id))


def _version() -> int | None:
    value = request.form.get("version", "")
    return int(value) if value.isdecimal() and len(value) < 10 else None


def _folder(folder: str) -> str | None:
    return None if folder == FINAL else folder


def _errors_page(template, status=400, **context):
    return render_template(template, **context), status


# ---------------------------------------------------------------- home, new, copy, import


def _page(template: str, **context):
    """The page, answered 400 when the form had errors (they stand next to their fields)."""
    return render_template(template, **context), 400 if context.get("errors") else 200


@bp.route("")
@require(is_trainer)
def home():
    return render_template(
        "authoring/home.html",
        home=services.home(current_user),
        form=EmptyForm(),
        units=issuers.issuers(),
        errors={},
        sent={},
    )


def _new_course_entry() -> services.NewCourse:
    unit = request.form.get("unit", "")
    return services.NewCourse(
        title=request.form.get("title", ""),
        slug=request.form.get("slug", ""),
        issuer_id=int(unit) if unit.isdecimal() and len(unit) < 10 else None,
    )


@bp.route("/kursus/baru", methods=["POST"])
@require(is_trainer)
def create():
    if not EmptyForm().validate_on_submit():
        abort(400)
    source = request.form.get("source", "")
    try:
        if source:
            original = db.session.get(Course, int(source)) if source.isdecimal() else None
            if original is None or catalog.get_course(original.slug, current_user) is None:
                abort(404)  # only a course this person may see can be copied
            course = services.copy_course(current_user, original, _new_course_entry())
            flash(_("The copy is ready: adapt it, then publish it."), "success")
        else:
            course = services.create_course(current_user, _new_course_entry())
            flash(_("The course is created as a draft."), "success")
    except FormErrors as e:
        return _errors_page(
            "authoring/home.html",
            home=services.home(current_user),
            form=EmptyForm(),
            units=issuers.issuers(),
            errors={k: str(v) for k, v in e.errors.items()},
            sent=request.form,
        )
    return redirect(url_for("authoring.course", course_id=course.id))


@bp.route("/impor", methods=["POST"])
@require(is_trainer)
@upload_limit(tree.MAX_UNPACKED + 1024 * 1024)
def import_zip():
    services.require_author(current_user)
    if not EmptyForm().validate_on_submit():
        abort(400)
    upload = request.files.get("zip")
    into = request.form.get("into", "")
    target = _course(int(into)) if into.isdecimal() and len(into) < 10 else None
    if upload is None or not upload.filename:
        flash(_("Choose a ZIP file."), "error")
        return redirect(url_for("authoring.home"))
    try:
        course = services.import_zip(
            current_user, upload.read(), _new_course_entry() if target is None else None, target
        )
    except services.ZipProblems as e:
        return _errors_page("authoring/problems.html", problems=e.problems, course=target)
    except FormErrors as e:
        return _errors_page(
            "authoring/problems.html", problems=[str(v) for v in e.errors.values()], course=target
        )
    flash(_("The ZIP is imported as the draft. Check it, then publish it."), "success")
    return redirect(url_for("authoring.course", course_id=course.id))


@bp.route("/ekspor/<id:course_id>.zip")
@require(is_trainer)
def export(course_id):
    course = db.session.get(Course, course_id)
    if course is None or course.hidden and course.source == "files":
        abort(404)
    data = services.export_zip(current_user, course)
    response = make_response(data)
    response.content_type = "application/zip"
    response.headers["Content-Disposition"] = attachment(f"{course.slug}.zip")
    return response


# ---------------------------------------------------------------- the course


@bp.route("/kursus/<id:course_id>", methods=["GET", "POST"])
@require(is_trainer)
@upload_limit(services.IMAGE_MAX_BYTES + 64 * 1024)
def course(course_id):
    course = _course(course_id)
    errors = {}
    form = EmptyForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        action = request.form.get("action", "")
        try:
            if action == "settings":
                services.save_settings(
                    current_user,
                    course,
                    _version(),
                    services.Settings(
                        title=request.form.get("title", ""),
                        summary=request.form.get("summary", ""),
                        level=request.form.get("level", ""),
                        hours=request.form.get("hours", ""),
                        certificate_title=request.form.get("certificate_title", ""),
                        requires=tuple(request.form.getlist("requires")),
                        visibility=request.form.get("visibility", ""),
                    ),
                )
                flash(_("Saved in the draft."), "success")
            elif action == "cover":
                upload = request.files.get("cover")
                data = upload.read(services.IMAGE_MAX_BYTES + 1) if upload else b""
                services.set_cover(current_user, course, _version(), data)
                flash(_("The cover image is saved in the draft."), "success")
            elif action == "remove-cover":
                services.set_cover(current_user, course, _version(), None)
            elif action == "add-module":
                services.add_module(current_user, course, _version(), request.form.get("title", ""))
            elif action in ("up", "down", "remove"):
                folder = request.form.get("folder", "")
                if action == "remove":
                    services.remove_module(current_user, course, _version(), folder)
                else:
                    step = -1 if action == "up" else 1
                    services.move_module(current_user, course, _version(), folder, step)
            else:
                abort(400)
        except FormErrors as e:
            errors = e.messages()
        else:
            return redirect(url_for("authoring.course", course_id=course.id))
    outline = services.outline(current_user, course)
    return _page(
        "authoring/course.html",
        outline=outline,
        course=course,
        form=form,
        errors=errors,
        levels=LEVELS,
        requirements=REQUIREMENTS,
        final=FINAL,
    )


@bp.route("/kursus/<id:course_id>/modul/<folder>", methods=["GET", "POST"])
@require(is_trainer)
@upload_limit(services.IMAGE_MAX_BYTES + 64 * 1024)
def module(course_id, folder):
    course = _course(course_id)
    errors, inserted = {}, None
    form = EmptyForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        action = request.form.get("action", "")
        version = _version()
        try:
            if action == "save":
                services.save_module(
                    current_user,
                    course,
                    version,
                    folder,
                    request.form.get("title", ""),
                    request.form.get("summary", ""),
                    request.form.get("objectives", ""),
                )
                flash(_("Saved in the draft."), "success")
            elif action == "add-lesson":
                path = services.add_lesson(
                    current_user, course, version, folder, request.form.get("lesson_title", "")
                )
                return redirect(url_for("authoring.lesson", course_id=course.id, path=path))
            elif action in ("up", "down", "remove"):
                path = request.form.get("path", "")
                if action == "remove":
                    services.remove_lesson(current_user, course, version, path)
                else:
                    services.move_lesson(
                        current_user, course, version, path, -1 if action == "up" else 1
                    )
            elif action == "image":
                upload = request.files.get("image")
                inserted = services.add_image(
                    current_user,
                    course,
                    version,
                    folder,
                    upload.read(services.IMAGE_MAX_BYTES + 1) if upload else b"",
                    upload.filename if upload else "",
                )
            elif action == "remove-task":
                services.remove_task(current_user, course, version, folder)
            elif action == "remove-quiz":
                services.remove_quiz(current_user, course, version, folder)
            else:
                abort(400)
        except FormErrors as e:
            errors = e.messages()
        else:
            if inserted is None:
                return redirect(url_for("authoring.module", course_id=course.id, folder=folder))
    outline = services.outline(current_user, course)
    view = next((m for m in outline.modules if m.folder == folder), None) or abort(404)
    images = sorted(
        p.split("/", 1)[1]
        for p, e in outline.draft.files.items()
        if p.startswith(folder + "/") and "key" in e
    )
    return _page(
        "authoring/module.html",
        outline=outline,
        course=course,
        module=view,
        images=images,
        inserted=inserted,
        form=form,
        errors=errors,
        final=FINAL,
    )


@bp.route("/kursus/<id:course_id>/pelajaran/<path:path>", methods=["GET", "POST"])
@require(is_trainer)
def lesson(course_id, path):
    course = _course(course_id)
    outline = services.outline(current_user, course)
    found = next(
        (lesson for m in outline.modules for lesson in m.lessons if lesson.path == path), None
    )
    if found is None:
        abort(404)
    errors, preview, notes, status = {}, None, [], 200
    title, minutes, body = found.title, str(found.minutes), found.body
    form = EmptyForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        title = request.form.get("title", "")
        minutes = request.form.get("minutes", "")
        body = request.form.get("body", "")
        if request.form.get("action") == "preview":
            preview, notes = services.preview_lesson(
                course, outline.draft.files, path, title, minutes, body
            )
        else:
            try:
                services.save_lesson(current_user, course, _version(), path, title, minutes, body)
            except FormErrors as e:
                errors = e.messages()
            except ServiceError as e:
                if e.status != 409:
                    raise
                # Edited by someone else meanwhile: the text typed here is kept in the form.
                errors, status = {"__all__": str(e)}, 409
                outline = services.outline(current_user, course)
            else:
                flash(_("The lesson is saved in the draft."), "success")
                return redirect(url_for("authoring.lesson", course_id=course.id, path=path))
    words = services.word_count(body)
    return (
        render_template(
            "authoring/lesson.html",
            outline=outline,
            course=course,
            lesson=found,
            title=title,
            minutes=minutes,
            body=body,
            words=words,
            suggested=services.minutes_for(words),
            preview=preview,
            notes=notes,
            form=form,
            errors=errors,
        ),
        status if status != 200 else 400 if errors else 200,
    )


@bp.route("/kursus/<id:course_id>/media/<path:path>")
@require(is_trainer)
def media(course_id, path):
    """A draft's image, for the author's preview (published images are served publicly)."""
    course = _course(course_id)
    data, content_type = services.draft_image(current_user, course, path)
    response = make_response(data)
    response.content_type = content_type
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


# ---------------------------------------------------------------- quizzes


@bp.route("/kursus/<id:course_id>/kuis/<folder>", methods=["GET", "POST"])
@require(is_trainer)
def quiz(course_id, folder):
    course = _course(course_id)
    errors = {}
    form = EmptyForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            if request.form.get("action") == "remove-question":
                services.remove_question(
                    current_user,
                    course,
                    _version(),
                    _folder(folder),
                    request.form.get("question", ""),
                )
            else:
                services.save_quiz(
                    current_user,
                    course,
                    _version(),
                    _folder(folder),
                    services.QuizSettings(
                        title=request.form.get("title", ""),
                        pass_mark=request.form.get("pass_mark", ""),
                        max_attempts=request.form.get("max_attempts", ""),
                        cooldown_minutes=request.form.get("cooldown_minutes", ""),
                        time_limit_minutes=request.form.get("time_limit_minutes", ""),
                        questions_per_attempt=request.form.get("questions_per_attempt", ""),
                        shuffle_options=bool(request.form.get("shuffle_options")),
                        partial_credit=bool(request.form.get("partial_credit")),
                        review=request.form.get("review", ""),
                    ),
                )
                flash(_("Saved in the draft."), "success")
        except FormErrors as e:
            errors = e.messages()
        else:
            return redirect(url_for("authoring.quiz", course_id=course.id, folder=folder))
    outline = services.outline(current_user, course)
    if folder != FINAL and folder not in {m.folder for m in outline.modules}:
        abort(404)
    data = services.quiz_of(outline.draft.files, _folder(folder))
    return _page(
        "authoring/quiz.html",
        outline=outline,
        course=course,
        folder=folder,
        final=folder == FINAL,
        quiz=data,
        sent=request.form if errors else {},
        types=TYPES,
        form=form,
        errors=errors,
        problems=[
            services.problem_text(p)
            for p in tree.problems_for(outline.problems, services.quiz_path(_folder(folder)))
        ],
    )


@bp.route("/kursus/<id:course_id>/kuis/<folder>/soal", methods=["GET", "POST"])
@require(is_trainer)
def question(course_id, folder):
    course = _course(course_id)
    outline = services.outline(current_user, course)
    if folder != FINAL and folder not in {m.folder for m in outline.modules}:
        abort(404)
    data = services.quiz_of(outline.draft.files, _folder(folder))
    qid = request.values.get("id", "")
    existing = next((q for q in data.get("questions") or [] if q.get("id") == qid), None)
    if qid and existing is None:
        abort(404)
    qtype = (existing or {}).get("type") or request.values.get("jenis", "single")
    if qtype not in TYPES:
        abort(404)
    errors = {}
    form = EmptyForm()
    values = _question_values(existing)
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        values = dict(request.form)
        values["correct"] = request.form.getlist("correct")
        try:
            services.save_question(
                current_user,
                course,
                _version(),
                _folder(folder),
                services.QuestionEntry(
                    qtype=qtype,
                    prompt=request.form.get("prompt", ""),
                    explanation=request.form.get("explanation", ""),
                    values=Answers.from_pairs(request.form.items(multi=True), prefix=""),
                    question_id=qid,
                ),
            )
        except FormErrors as e:
            errors = e.messages()
        else:
            flash(_("The question is saved in the draft."), "success")
            return redirect(url_for("authoring.quiz", course_id=course.id, folder=folder))
    return _page(
        "authoring/question.html",
        outline=outline,
        course=course,
        folder=folder,
        kind=TYPES[qtype],
        qid=qid,
        values=values,
        slots=range(EDITOR_SLOTS),
        form=form,
        errors=errors,
    )


def _question_values(q: dict | None) -> dict:
    """The form's values for an existing question (each type's fields)."""
    if not q:
        return {"correct": []}
    values = {"prompt": q.get("prompt", ""), "explanation": q.get("explanation", "")}
    values["correct"] = []
    for i, option in enumerate(q.get("options") or []):
        values[f"option-{i}"] = option.get("text", "")
        if option.get("correct"):
            values["correct"].append(str(i))
    if "answer" in q:
        values["answer"] = "true" if q["answer"] is True else "false"
    values["answers"] = "\n".join(str(a) for a in q.get("answers") or [])
    for i, pair in enumerate(q.get("pairs") or []):
        values[f"left-{i}"], values[f"right-{i}"] = pair.get("left", ""), pair.get("right", "")
    return values


# ---------------------------------------------------------------- tasks


@bp.route("/kursus/<id:course_id>/tugas/<folder>", methods=["GET", "POST"])
@require(is_trainer)
def task(course_id, folder):
    course = _course(course_id)
    outline = services.outline(current_user, course)
    if folder not in {m.folder for m in outline.modules}:
        abort(404)
    errors = {}
    form = EmptyForm()
    current = services.read_yaml(outline.draft.files, f"{folder}/task.yaml")
    values = _task_values(current)
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        values = request.form
        criteria = tuple(
            (
                request.form.get(f"c{i}-id", "").strip(),
                request.form.get(f"c{i}-criterion", ""),
                tuple(
                    (
                        request.form.get(f"c{i}-l{j}-points", ""),
                        request.form.get(f"c{i}-l{j}-description", ""),
                    )
                    for j in range(LEVEL_SLOTS)
                ),
            )
            for i in range(CRITERIA_SLOTS)
        )
        try:
            services.save_task(
                current_user,
                course,
                _version(),
                folder,
                services.TaskEntry(
                    title=request.form.get("title", ""),
                    minutes=request.form.get("minutes", ""),
                    instructions=request.form.get("instructions", ""),
                    min_words=request.form.get("min_words", ""),
                    max_words=request.form.get("max_words", ""),
                    photos_min=request.form.get("photos_min", ""),
                    photos_max=request.form.get("photos_max", ""),
                    link=request.form.get("link", ""),
                    criteria=criteria,
                    pass_score=request.form.get("pass_score", ""),
                    review=request.form.get("review", "trainer"),
                    peer_reviewers=request.form.get("peer_reviewers", ""),
                ),
            )
        except FormErrors as e:
            errors = e.messages()
        else:
            flash(_("The practice task is saved in the draft."), "success")
            return redirect(url_for("authoring.module", course_id=course.id, folder=folder))
    return _page(
        "authoring/task.html",
        outline=outline,
        course=course,
        folder=folder,
        values=values,
        criteria=range(CRITERIA_SLOTS),
        levels=range(LEVEL_SLOTS),
        form=form,
        errors=errors,
    )


def _task_values(data: dict) -> dict:
    submit = data.get("submit") or {}
    values = {
        "title": data.get("title", ""),
        "minutes": data.get("minutes", ""),
        "instructions": data.get("instructions", ""),
        "min_words": (submit.get("text") or {}).get("min_words", ""),
        "max_words": (submit.get("text") or {}).get("max_words", ""),
        "photos_min": (submit.get("photos") or {}).get("min", ""),
        "photos_max": (submit.get("photos") or {}).get("max", ""),
        "link": submit.get("link", ""),
        "pass_score": data.get("pass_score", ""),
        "review": data.get("review", "trainer"),
        "peer_reviewers": data.get("peer_reviewers", ""),
    }
    for i, criterion in enumerate(data.get("rubric") or []):
        values[f"c{i}-id"] = criterion.get("id", "")
        values[f"c{i}-criterion"] = criterion.get("criterion", "")
        for j, level in enumerate(criterion.get("levels") or []):
            values[f"c{i}-l{j}-points"] = level.get("points", "")
            values[f"c{i}-l{j}-description"] = level.get("description", "")
    return values


# ---------------------------------------------------------------- publishing and versions


@bp.route("/kursus/<id:course_id>/terbitkan", methods=["GET", "POST"])
@require(is_trainer)
def publish(course_id):
    course = _course(course_id)
    if request.method == "POST":
        if not EmptyForm().validate_on_submit():
            abort(400)
        entry = services.publish(current_user, course, _version())
        flash(_("Version %(n)s is published: trainees see it now.", n=entry.number), "success")
        return redirect(url_for("authoring.course", course_id=course.id))
    outline = services.outline(current_user, course)
    return render_template(
        "authoring/publish.html",
        outline=outline,
        course=course,
        changes=services.pending_changes(current_user, course),
        form=EmptyForm(),
    )


@bp.route("/kursus/<id:course_id>/versi")
@require(is_trainer)
def versions(course_id):
    course = _course(course_id)
    listing = services.versions(current_user, course)
    a, b = request.args.get("a", ""), request.args.get("b", "")
    compared = None
    if a.isdecimal() and b.isdecimal() and len(a) < 7 and len(b) < 7:
        old = services.version_of(current_user, course, int(a))
        new = services.version_of(current_user, course, int(b))
        compared = (old.number, new.number, services.compare(old.files, new.files))
    return render_template(
        "authoring/versions.html",
        course=course,
        versions=listing,
        compared=compared,
        form=EmptyForm(),
    )


@bp.route("/kursus/<id:course_id>/versi/<int:number>/pulihkan", methods=["POST"])
@require(is_trainer)
def restore(course_id, number):
    course = _course(course_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.restore(current_user, course, number)
    flash(
        _("Version %(n)s is the draft again: publish it to make it current.", n=number), "success"
    )
    return redirect(url_for("authoring.course", course_id=course.id))
