"""Command-line: `flask --app lms users|courses|demo …`."""

import sys

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import func, select

from .accounts import services as accounts
from .accounts.models import ROLES, User
from .content.loader import hours_warnings, load_tree
from .content.sync import SourceConflict, sync_courses
from .errors import FormErrors
from .extensions import db

users_cli = AppGroup("users", help="Manage accounts.")
courses_cli = AppGroup("courses", help="Check and import courses/.")


@users_cli.command("create")
@click.option("--role", type=click.Choice(ROLES), default="trainee", show_default=True)
@click.option("--name", "full_name", required=True, help="Nama lengkap.")
@click.option("--login", required=True, help="Email or Indonesian mobile number.")
@click.option("--province", required=True, help="Province code, e.g. 31 (DKI Jakarta).")
@click.option("--regency", required=True, help="Kabupaten/kota code, e.g. 31.71.")
@click.password_option(help="Prompted when omitted.")
def create_user(role, full_name, login, province, regency, password):
    """Create an account (e.g. the first admin)."""
    try:
        user = accounts.create_user(
            full_name=full_name,
            login=login,
            password=password,
            province_code=province,
            regency_code=regency,
            role=role,
            require_consent=False,
        )
    except FormErrors as e:
        for name, message in e.errors.items():
            click.echo(f"{name}: {message}", err=True)
        sys.exit(1)
    click.echo(f"Created {user.role} {user.full_name} <{user.login_name}> (id {user.id}).")


def _path(path):
    return path or current_app.config["COURSES_DIR"]


@courses_cli.command("check")
@click.argument("path", required=False)
def check(path):
    """Validate course folders; print file:line: message for each problem."""
    courses, problems = load_tree(_path(path))
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        click.echo(f"{len(problems)} problem(s) found.", err=True)
        sys.exit(1)
    for warning in hours_warnings(courses):
        click.echo(warning, err=True)
    lessons = sum(len(m.lessons) for c in courses for m in c.modules)
    click.echo(f"OK: {len(courses)} course(s), {lessons} lesson(s).")


@courses_cli.command("import")
@click.argument("path", required=False)
@click.option("--keep-missing", is_flag=True, help="Do not hide courses absent from PATH.")
def import_(path, keep_missing):
    """Import course folders (idempotent). A tree with any problem writes nothing."""
    courses, problems = load_tree(_path(path))
    if problems:
        for problem in problems:
            click.echo(str(problem), err=True)
        click.echo("Nothing imported: fix the problems above first.", err=True)
        sys.exit(1)
    try:
        report = sync_courses(courses, hide_missing=not keep_missing)
    except SourceConflict as e:
        click.echo(f"Nothing imported: {e}", err=True)
        sys.exit(1)
    for line in report.lines():
        click.echo(line)


@courses_cli.command("export")
@click.argument("slug")
@click.argument("directory", type=click.Path(file_okay=False))
def export(slug, directory):
    """Write a course, as trainees see it now, in the courses/ format into DIRECTORY/SLUG."""
    from pathlib import Path

    from .authoring import services as authoring
    from .catalog.models import Course
    from .errors import ServiceError

    course = db.session.scalar(select(Course).where(Course.slug == slug))
    if course is None:
        click.echo(f"No course {slug}.", err=True)
        sys.exit(1)
    try:
        count = authoring.export_folder(course, Path(directory))
    except ServiceError as e:
        click.echo(str(e), err=True)
        sys.exit(1)
    click.echo(f"Written {count} files to {Path(directory) / slug}")


DEMO_ACCOUNTS = [
    ("admin", "Admin Demo", "admin@contoh.id"),
    ("trainer", "Pelatih Demo", "pelatih@contoh.id"),
    ("trainee", "Peserta Demo", "081234567890"),
]
DEMO_PASSWORD = "akademi-kim-demo"


@click.command("demo-accounts")
@with_appcontext
def demo_accounts():
    """Create the demo accounts, only when the database has no users yet (used by make run)."""
    if current_app.config.get("DEMO_MODE"):
        _demo_signing_identity()
    if db.session.scalar(select(func.count(User.id))):
        click.echo("Database already has accounts: no demo accounts created.")
        return
    made = {
        role: accounts.create_user(
            full_name=name,
            login=login,
            password=DEMO_PASSWORD,
            province_code="11",
            regency_code="11.11",
            role=role,
            require_consent=False,
        )
        for role, name, login in DEMO_ACCOUNTS
    }
    click.echo(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
    for role, _, login in DEMO_ACCOUNTS:
        click.echo(f"  {role:8} {login}")
    _demo_author(made["admin"], made["trainer"])
    _demo_cohort(made["trainer"], made["trainee"])


def _demo_author(admin, trainer) -> None:
    """The demo trainer writes courses for the seeded unit, so authoring is there to try."""
    from .authoring.services import grant_author
    from .issuers.services import default_issuer

    unit = default_issuer()
    if unit is not None:
        grant_author(admin, trainer, unit)
        click.echo(f"  the trainer is a course author for {unit.name}")


def _demo_cohort(trainer, trainee) -> None:
    """A cohort of the hoax course run by the demo trainer, the demo trainee two lessons in, a
    welcome announcement and a first thread on the board: every page has something to show."""
    from datetime import timedelta

    from .catalog import services as catalog
    from .catalog.models import Course, Lesson, Module
    from .cohorts import services as cohorts
    from .discussions import services as discussions
    from .issuers.services import default_issuer
    from .notifications import services as notifications
    from .timeutil import utcnow

    course = db.session.scalar(
        select(Course)
        .where(Course.hidden.is_(False), Course.visibility == "public")
        .order_by((Course.slug == "cek-fakta-hoaks").desc(), Course.id)
        .limit(1)
    )
    unit = default_issuer()
    if course is None or unit is None:
        return
    today = (utcnow() + timedelta(hours=7)).date()  # WIB
    cohort = cohorts.create_cohort(
        trainer,
        cohorts.CohortInput(
            name="Kelas Demo Cek Fakta KIM Bireuen",
            course=str(course.id),
            starts_on=today.isoformat(),
            ends_on=(today + timedelta(days=30)).isoformat(),
            location="Aula Dinas Kominfo Kabupaten Bireuen",
            organiser="Dinas Kominfo Kabupaten Bireuen",
            province="11",
            regency="11.11",
            issuer=str(unit.id),
        ),
    )
    cohorts.join(trainee, cohort.join_code)
    first = db.session.scalars(
        select(Lesson.id)
        .join(Module, Module.id == Lesson.module_id)
        .where(Lesson.course_id == course.id, Lesson.hidden.is_(False))
        .order_by(Module.position, Lesson.position)
        .limit(2)
    ).all()
    for lesson_id in first:
        catalog.complete_lesson(trainee, course, lesson_id)
    notifications.announce(
        trainer,
        cohort,
        "Selamat datang di kelas cek fakta",
        "Selesaikan Modul 1 minggu ini. Pertanyaan bisa ditulis di papan diskusi kelas.",
    )
    discussions.start_thread(
        trainer,
        discussions.cohort_place(trainer, cohort.id),
        "Kabar yang ingin dicek minggu ini",
        "Tulis di sini pesan berantai yang Anda terima di grup WhatsApp gampong.",
    )
    click.echo(f"  demo cohort: {cohort.name} (join code {cohort.join_code})")


def _demo_signing_identity() -> None:
    """Demo mode: the default unit signs with a self-signed key labelled "DEMO — tidak sah"."""
    from .issuers.services import default_issuer
    from .signing import services as signing

    unit = default_issuer()
    if unit is None or signing.identity_of(unit.id) is not None:
        return
    signing.ensure_demo_identity(unit)
    click.echo(f"Demo signing identity for {unit.code}: {signing.DEMO_LABEL}")


@click.command("backup")
@click.argument("destination", required=False, type=click.Path(dir_okay=False))
@with_appcontext
def backup_command(destination):
    """Copy the database consistently while the app runs (SQLite file, or pg_dump archive)."""
    from datetime import datetime
    from pathlib import Path

    from .backup import BackupError, backup

    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    suffix = ".sqlite3" if url.startswith("sqlite") else ".dump"
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = Path(
        destination or Path(current_app.instance_path) / "backups" / f"lms-{stamp}{suffix}"
    )
    try:
        backup(url, target)
    except BackupError as e:
        click.echo(f"Backup failed: {e}", err=True)
        sys.exit(1)
    click.echo(f"Backup written to {target}")


def register_cli(app):
    app.cli.add_command(users_cli)
    app.cli.add_command(courses_cli)
    app.cli.add_command(demo_accounts)
    app.cli.add_command(backup_command)
    from .certificates.cli import certificates_cli

    app.cli.add_command(certificates_cli)
    from .queue import worker_command

    app.cli.add_command(worker_command)
    from .notifications.cli import notify_cli

    app.cli.add_command(notify_cli)
