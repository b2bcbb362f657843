import re

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup, escape

from .. import signals
from ..errors import FormErrors
from ..extensions import limiter
from ..forms import EmptyForm
from ..permissions import is_trainer, require
from ..web import show_errors
from . import services
from .forms import ReasonForm, ReplyForm, ThreadForm

bp = Blueprint("discussions", __name__)


def _poster_key() -> str:
    return f"user:{current_user.get_id()}"


def rate_limited(view):
    """Posting (threads and replies) is limited per person (LMS_POST_LIMIT)."""
    return limiter.shared_limit(
        lambda: current_app.config["POST_LIMIT"],
        scope="discussion-post",
        key_func=_poster_key,
        exempt_when=lambda: request.method != "POST",
    )(view)


@bp.app_template_filter("plaintext")
def plaintext(value: str) -> Markup:
    """A post as typed: escaped, web links made clickable, line breaks kept."""
    out, last = [], 0
    for match in services.URL_RE.finditer(value or ""):
        url = match.group(0).rstrip(".,;:!?)")
        end = match.start() + len(url)
        out.append(escape(value[last : match.start()]))
        out.append(
            Markup('<a href="{0}" rel="nofollow ugc noopener noreferrer">{0}</a>').format(url)
        )
        last = end
    out.append(escape(value[last:]))
    html = Markup("").join(out)
    return Markup(re.sub(r"\n", "<br>\n", str(html)))


def _page() -> int:
    page = request.args.get("halaman", "1")
    return int(page) if page.isdecimal() and 0 < int(page) < 100_000 else 1


def _board(place, form, status=200):
    rows, pages = services.threads(place, _page())
    panels = []
    if place.cohort is not None:
        for _receiver, found in signals.page_panels.send(
            current_user._get_current_object(), place="cohort", cohort_id=place.cohort.id
        ):
            panels.extend(found or [])
    return render_template(
        "discussions/board.html", place=place, rows=rows, pages=pages, form=form, panels=panels
    ), status


def _start(place):
    form = ThreadForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            thread = services.start_thread(current_user, place, form.title.data, form.body.data)
        except FormErrors as e:
            show_errors(form, e)
            return _board(place, form, 400)
        flash(_("Your question is posted."), "success")
        return redirect(url_for("discussions.thread", thread_id=thread.id))
    return _board(place, form)


@bp.route("/kursus/<slug>/pelajaran/<id:lesson_id>/diskusi", methods=["GET", "POST"])
@login_required
@rate_limited
def lesson_board(slug, lesson_id):
    return _start(services.lesson_place(current_user, slug, lesson_id))


@bp.route("/kelas/<id:cohort_id>/diskusi", methods=["GET", "POST"])
@login_required
@rate_limited
def cohort_board(cohort_id):
    return _start(services.cohort_place(current_user, cohort_id))


def _thread_page(thread, place, form, status=200):
    page = request.args.get("halaman")
    page = _page() if page else services.last_page(thread)
    rows, pages = services.posts(thread, page, current_user.id)
    muted = services.muted_ids(place.cohort.id) if place.cohort and place.can_moderate else set()
    return render_template(
        "discussions/thread.html",
        thread=thread,
        place=place,
        rows=rows,
        pages=pages,
        form=form,
        reason_form=ReasonForm(),
        action_form=EmptyForm(),
        muted=muted,
    ), status


@bp.route("/diskusi/<id:thread_id>", methods=["GET", "POST"])
@login_required
@rate_limited
def thread(thread_id):
    thread, place = services.get_thread(current_user, thread_id)
    form = ReplyForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            services.reply(current_user, thread, place, form.body.data)
        except FormErrors as e:
            show_errors(form, e)
            return _thread_page(thread, place, form, 400)
        flash(_("Your reply is posted."), "success")
        return redirect(url_for("discussions.thread", thread_id=thread.id) + "#akhir")
    return _thread_page(thread, place, form)


FLAGS = {
    "pin": {"pinned": True},
    "unpin": {"pinned": False},
    "lock": {"locked": True},
    "unlock": {"locked": False},
}


@bp.route("/diskusi/<id:thread_id>/atur", methods=["POST"])
@login_required
def moderate_thread(thread_id):
    thread, place = services.get_thread(current_user, thread_id)
    flags = FLAGS.get(request.form.get("action", ""))
    if not EmptyForm().validate_on_submit() or flags is None:
        abort(400)
    services.set_flags(current_user, thread, place, **flags)
    flash(_("Saved."), "success")
    return redirect(url_for("discussions.thread", thread_id=thread.id))


@bp.route("/diskusi/pos/<id:post_id>/sembunyikan", methods=["POST"])
@login_required
def hide(post_id):
    post, thread, place = services.get_post(current_user, post_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.hide(current_user, post, place, form.reason.data)
    except FormErrors as e:
        flash(str(e), "error")
        return redirect(url_for("discussions.thread", thread_id=thread.id)), 303
    flash(_("The message is hidden. Its author sees why."), "success")
    return redirect(url_for("discussions.thread", thread_id=thread.id))


@bp.route("/diskusi/pos/<id:post_id>/tampilkan", methods=["POST"])
@login_required
def unhide(post_id):
    post, thread, place = services.get_post(current_user, post_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.unhide(current_user, post, place)
    flash(_("The message is shown again."), "success")
    return redirect(url_for("discussions.thread", thread_id=thread.id))


@bp.route("/diskusi/pos/<id:post_id>/laporkan", methods=["POST"])
@login_required
def report(post_id):
    post, thread, _place = services.get_post(current_user, post_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.report(current_user, post, form.reason.data)
    except FormErrors as e:
        flash(str(e), "error")
        return redirect(url_for("discussions.thread", thread_id=thread.id))
    flash(_("Thank you: the moderators will look at this message."), "success")
    return redirect(url_for("discussions.thread", thread_id=thread.id))


@bp.route("/kelas/<id:cohort_id>/diskusi/bisukan/<id:user_id>", methods=["POST"])
@login_required
def mute(cohort_id, user_id):
    place = services.cohort_place(current_user, cohort_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    muted = request.form.get("muted", "1") == "1"
    services.set_muted(current_user, place, user_id, muted)
    flash(
        _("The member is muted on this board.") if muted else _("The member may post again."),
        "success",
    )
    return redirect(
        request.form.get("back")
        if (request.form.get("back") or "").startswith("/diskusi/")
        else url_for("discussions.cohort_board", cohort_id=cohort_id)
    )


@bp.route("/moderasi")
@require(is_trainer)
def reports():
    return render_template(
        "discussions/reports.html",
        rows=services.report_queue(current_user),
        form=EmptyForm(),
        reason_form=ReasonForm(),
    )


@bp.route("/moderasi/<id:report_id>/abaikan", methods=["POST"])
@require(is_trainer)
def dismiss(report_id):
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.dismiss_report(current_user, report_id)
    flash(_("The report is closed."), "success")
    return redirect(url_for("discussions.reports"))
