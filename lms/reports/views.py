from datetime import date

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_babel import format_date, get_locale, to_user_timezone
from flask_babel import gettext as _
from flask_login import current_user

from .. import locales, regions
from .. import spreadsheets as exports
from ..accounts import services as accounts
from ..catalog import services as catalog
from ..cohorts import services as cohorts
from ..forms import EmptyForm
from ..permissions import can_run_cohorts, can_see_overview, require
from ..web import attachment, render_reset_link
from . import charts, services

bp = Blueprint("reports", __name__)


def status_labels() -> dict:
    return {
        services.NOT_STARTED: _("Not started"),
        services.LEARNING: _("Learning"),
        services.COMPLETED: _("Completed"),
        services.CERTIFIED: _("Certified"),
        services.INACTIVE: _("Inactive"),
    }


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    value = request.args.get(name, "")
    if not value.isdecimal() or len(value) > 7:
        return default
    return min(max(int(value), low), high)


def _table_args():
    status = request.args.get("status", "")
    status = status if status in services.FILTERS else ""
    sort = request.args.get("urut", "nama")
    sort = sort if sort in services.SORTS else "nama"
    descending = request.args.get("arah") == "turun"
    days = _int_arg("hari", services.INACTIVE_DAYS, 1, 365)
    return status, sort, descending, days


def _report(cohort, days):
    return services.cohort_report(
        cohort, inactive_days=days, tz_hours=locales.utc_offset_hours(current_user.timezone)
    )


@bp.route("/kelas/<id:cohort_id>")
@require(can_run_cohorts)
def dashboard(cohort_id):
    cohort = cohorts.get_cohort_for(current_user, cohort_id)
    status, sort, descending, days = _table_args()
    report = _report(cohort, days)
    rows = services.sort_rows(services.filter_rows(report.rows, status), sort, descending)
    per_page = current_app.config["COHORT_ROWS_PER_PAGE"]
    pages = max(1, -(-len(rows) // per_page))
    page = _int_arg("halaman", 1, 1, pages)
    labels = status_labels()
    funnel_labels = {
        "enrolled": _("Enrolled"),
        "started": _("Started"),
        "half": _("Half of the lessons"),
        "completed": _("Completed"),
        "certified": _("Certified"),
    }
    funnel = [(funnel_labels[key], n) for key, n in report.funnel]
    weeks = [(format_date(w.start, "d MMM"), w.active) for w in report.weeks]
    args = {"status": status or None, "urut": sort, "arah": "turun" if descending else None}
    if days != services.INACTIVE_DAYS:
        args["hari"] = days
    return render_template(
        "reports/dashboard.html",
        cohort=cohort,
        report=report,
        rows=rows[(page - 1) * per_page : page * per_page],
        shown=len(rows),
        page=page,
        pages=pages,
        status=status,
        sort=sort,
        descending=descending,
        days=days,
        args=args,
        labels=labels,
        funnel=funnel,
        funnel_svg=charts.funnel("funnel", _("From enrolment to certificate"), funnel),
        weeks=report.weeks,
        weeks_svg=charts.columns(
            "weekly", _("Active trainees per week"), weeks, _("active trainees")
        )
        if weeks
        else None,
        trainers=cohorts.trainers(cohort),
        statuses=services.FILTERS,
        sorts=services.SORTS,
        separators=[
            ("titik-koma", _("semicolon (Excel Indonesia)")),
            ("koma", _("comma")),
        ],
        separator=exports.default_separator(get_locale()),
    )


@bp.route("/kelas/<id:cohort_id>/peserta/<id:user_id>")
@require(can_run_cohorts)
def trainee(cohort_id, user_id):
    cohort = cohorts.get_cohort_for(current_user, cohort_id)
    detail = services.trainee_detail(cohort, user_id)
    if detail is None:
        abort(404)
    return render_template("reports/trainee.html", cohort=cohort, detail=detail)


@bp.route("/kelas/<id:cohort_id>/peserta/<id:user_id>/tautan", methods=["POST"])
@require(can_run_cohorts)
def trainee_reset_link(cohort_id, user_id):
    """A trainer makes a one-time password link for a member (who may have no email)."""
    cohort = cohorts.get_cohort_for(current_user, cohort_id)
    detail = services.trainee_detail(cohort, user_id)
    if detail is None:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    token = accounts.staff_reset_link(current_user, detail.user)
    return render_reset_link(detail.user, token)


def _local(moment):
    return to_user_timezone(moment).replace(tzinfo=None) if moment else None


def _export_table(cohort):
    status, sort, descending, days = _table_args()
    report = _report(cohort, days)
    rows = services.sort_rows(services.filter_rows(report.rows, status), sort, descending)
    labels = status_labels()
    headers = [
        _("Name"),
        _("Email"),
        _("Mobile number"),
        _("Province"),
        _("Kabupaten/kota"),
        _("Status"),
        _("Inactive for %(n)s days or more", n=days),
        _("Progress (%)"),
        _("Lessons done"),
        _("Lessons in the course"),
        _("Module quizzes passed"),
        _("Module quizzes in the course"),
        _("Practice tasks passed"),
        _("Practice tasks waiting for review"),
        _("Best final exam score"),
        _("Certificate"),
        _("Last activity (%(zone)s)", zone=current_user.timezone),
        _("Joined (%(zone)s)", zone=current_user.timezone),
    ]
    yes, no = _("yes"), _("no")
    table = [
        [
            r.full_name,
            r.email or "",
            r.phone or "",
            regions.name(r.province_code),
            regions.name(r.regency_code),
            labels[r.status],
            yes if r.inactive else no,
            r.percent,
            r.lessons_done,
            r.lessons_total,
            r.quizzes_passed,
            r.quizzes_total,
            f"{r.tasks_passed}/{r.tasks_total}",
            r.tasks_waiting,
            r.final_best,
            yes if r.certified else no,
            _local(r.last_activity),
            _local(r.joined_at),
        ]
        for r in rows
    ]
    name = f"kelas-{cohort.id}-{date.today().isoformat()}"
    return headers, table, name


@bp.route("/kelas/<id:cohort_id>/ekspor.csv")
@require(can_run_cohorts)
def export_csv(cohort_id):
    cohort = cohorts.get_cohort_for(current_user, cohort_id)
    headers, table, name = _export_table(cohort)
    delimiter = exports.separator(request.args.get("pemisah"), get_locale())
    return exports.to_csv(headers, table, delimiter), {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": attachment(f"{name}.csv"),
        "Cache-Control": "no-store",
    }


@bp.route("/kelas/<id:cohort_id>/ekspor.xlsx")
@require(can_run_cohorts)
def export_xlsx(cohort_id):
    cohort = cohorts.get_cohort_for(current_user, cohort_id)
    headers, table, name = _export_table(cohort)
    return exports.to_xlsx(_("Trainees"), headers, table), {
        "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "Content-Disposition": attachment(f"{name}.xlsx"),
        "Cache-Control": "no-store",
    }


def _date_arg(name: str):
    try:
        return date.fromisoformat(request.args.get(name, "")[:10])
    except ValueError:
        return None


@bp.route("/admin/kelas")
@require(can_see_overview)
def overview():
    province = request.args.get("provinsi", "")
    province = province if (regions.get(province) and "." not in province) else ""
    regency = request.args.get("kabkota", "")
    regency = regency if province and regions.belongs_to(regency, province) else ""
    course = request.args.get("kursus", "")
    filters = services.OverviewFilters(
        province=province,
        regency=regency,
        course_id=int(course) if course.isdecimal() and len(course) < 10 else None,
        date_from=_date_arg("dari"),
        date_to=_date_arg("sampai"),
    )
    result = services.overview(filters, _int_arg("halaman", 1, 1, 100_000))
    args = {
        "provinsi": filters.province or None,
        "kabkota": filters.regency or None,
        "kursus": filters.course_id,
        "dari": filters.date_from.isoformat() if filters.date_from else None,
        "sampai": filters.date_to.isoformat() if filters.date_to else None,
    }
    return render_template(
        "reports/overview.html",
        result=result,
        filters=filters,
        args=args,
        provinces=regions.provinces(),
        regencies=regions.regencies(filters.province) if filters.province else [],
        courses=catalog.visible_courses(current_user),
        page_url=lambda page: url_for("reports.overview", halaman=page, **args),
    )
