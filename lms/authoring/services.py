"""Authoring: who may write which course, drafts kept in the courses/ format, every edit
checked by the loader `courses check` uses, publishing with exactly the import's rules, versions,
copies, ZIP import and export. Every write is one transaction; rights are checked here."""

import difflib
import io
import math
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import yaml
from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import func, select, update

from .. import permissions, storage
from ..accounts.models import User
from ..catalog.models import Course
from ..content.loader import (
    LEVELS,
    MAX_IMAGE_BYTES,
    REQUIREMENTS,
    SLUG_MAX,
    SLUG_RE,
    render_markdown,
)
from ..content.sync import Report, SourceConflict, sync
from ..errors import FormErrors, ServiceError
from ..extensions import db
from ..issuers.models import Issuer, UnitAuthor
from ..quizzes.types import TYPES, Answers
from ..text import one_line
from ..timeutil import utcnow
from . import tree
from .models import CourseDraft, CourseVersion

IMAGE_MAX_BYTES = 2 * 1024 * 1024
IMAGE_MAX_SIDE = 1600
COVER_MAX_SIDE = 800
MODULE_RE = re.compile(r"^(\d{2})-([a-z0-9-]+)$")
LESSON_RE = re.compile(r"^(\d{2})-([a-z0-9-]+)\.md$")


# ---------------------------------------------------------------- who may author


def unit_of(user) -> Issuer | None:
    """The issuing unit a course author writes for."""
    if user is None or not user.is_authenticated:
        return None
    return db.session.scalar(
        select(Issuer)
        .join(UnitAuthor, UnitAuthor.issuer_id == Issuer.id)
        .where(UnitAuthor.user_id == user.id)
    )


def can_edit(user, course: Course) -> bool:
    unit = unit_of(user)
    return permissions.can_edit_course(user, unit.id if unit else None, course)


def require_edit(user, course: Course | None) -> Course:
    if course is None or not can_edit(user, course):
        raise ServiceError(_l("This course does not exist or is not yours to edit."), 404)
    return course


def grant_author(actor, user: User, issuer: Issuer | None) -> None:
    """An admin makes a trainer or admin a course author of a unit (None: no longer one)."""
    if not permissions.can_manage_users(actor):
        raise ServiceError(_l("Only an administrator can do this."), 403)
    if issuer is not None and user.role not in ("trainer", "admin"):
        raise ServiceError(_l("Only trainers and administrators can be course authors."))
    existing = db.session.scalar(select(UnitAuthor).where(UnitAuthor.user_id == user.id))
    if issuer is None:
        if existing is not None:
            db.session.delete(existing)
    elif existing is None:
        db.session.add(UnitAuthor(user_id=user.id, issuer_id=issuer.id, granted_by_id=actor.id))
    else:
        existing.issuer_id, existing.granted_by_id = issuer.id, actor.id
    db.session.commit()


def authors_by_user(user_ids: list[int]) -> dict[int, Issuer]:
    return {
        user_id: issuer
        for user_id, issuer in db.session.execute(
            select(UnitAuthor.user_id, Issuer)
            .join(Issuer, Issuer.id == UnitAuthor.issuer_id)
            .where(UnitAuthor.user_id.in_(user_ids))
        )
    }


@dataclass
class Home:
    unit: Issuer | None
    mine: list  # the browser courses this person may edit
    shipped: list  # the courses managed as files, which can be copied


def require_author(user) -> Issuer | None:
    """The unit a course author writes for (None for an admin who is no unit's author);
    anyone else is refused."""
    unit = unit_of(user)
    if not permissions.can_author(user, unit.id if unit else None):
        raise ServiceError(_l("Ask an administrator to make you a course author."), 403)
    return unit


def home(user) -> Home:
    unit = require_author(user)
    stmt = select(Course).where(Course.source == "browser").order_by(Course.title)
    if not permissions.is_admin(user):
        stmt = stmt.where(Course.issuer_id == unit.id)
    shipped = select(Course).where(Course.source == "files", Course.hidden.is_(False))
    return Home(
        unit,
        list(db.session.scalars(stmt)),
        list(db.session.scalars(shipped.order_by(Course.title))),
    )


# ---------------------------------------------------------------- new courses


@dataclass(frozen=True)
class NewCourse:
    title: str
    slug: str
    issuer_id: int | None = None  # admins choose the unit; authors write for their own


def _check_new(actor, entry: NewCourse) -> tuple[str, str, Issuer]:
    unit = unit_of(actor)
    if permissions.is_admin(actor) and entry.issuer_id:
        unit = db.session.get(Issuer, entry.issuer_id)
    if permissions.is_admin(actor) and unit is None:
        raise FormErrors({"unit": _l("Choose the unit the course belongs to.")})
    if not permissions.can_author(actor, unit.id if unit else None) or unit is None:
        raise ServiceError(_l("Ask an administrator to make you a course author."), 403)
    errors = {}
    title = one_line(entry.title)
    if not title:
        errors["title"] = _l("Enter the course's title.")
    elif len(title) > 200:
        errors["title"] = _l("Use at most %(n)s characters.", n=200)
    slug = entry.slug.strip().lower()
    if not SLUG_RE.match(slug) or len(slug) > SLUG_MAX:
        errors["slug"] = _l("Use lowercase letters, digits and dashes, e.g. cek-fakta-bireuen.")
    elif (
        db.session.scalar(select(Course.id).where(Course.slug == slug)) is not None
        or (Path(current_app.config["COURSES_DIR"]) / slug).exists()
    ):
        errors["slug"] = _l("Another course already uses this address.")
    if errors:
        raise FormErrors(errors)
    return title, slug, unit


def _new_course(actor, slug: str, title: str, unit: Issuer, files: dict) -> Course:
    meta = yaml.safe_load(files["course.yaml"]["text"]) or {}
    course = Course(
        slug=slug,
        title=title,
        summary=str(meta.get("summary") or ""),
        level=meta.get("level") if meta.get("level") in LEVELS else "dasar",
        hours=int(meta.get("hours") or 1) if str(meta.get("hours", "1")).isdecimal() else 1,
        version="0",
        certificate_title="",
        certificate_requires=[],
        hidden=True,  # nothing shows until the first Terbitkan
        source="browser",
        issuer_id=unit.id,
        visibility="unit",
    )
    db.session.add(course)
    db.session.flush()
    db.session.add(CourseDraft(course_id=course.id, files=files, updated_by_id=actor.id))
    return course


def create_course(actor, entry: NewCourse) -> Course:
    """An empty course of the author's unit: course.yaml and a first module with a lesson."""
    title, slug, unit = _check_new(actor, entry)
    files = {
        "course.yaml": {
            "text": tree.dump_yaml(
                {
                    "title": title,
                    "summary": str(_l("What trainees will learn in this course.")),
                    "level": "dasar",
                    "hours": 1,
                    "version": 1,
                    "language": "id",
                    "certificate": {
                        "title": f"Sertifikat {title}",
                        "requires": ["all_lessons"],
                    },
                }
            )
        },
        "01-pengantar/module.yaml": {
            "text": tree.dump_yaml({"title": "Pengantar", "objectives": []})
        },
        "01-pengantar/01-selamat-datang.md": {
            "text": tree.front_matter(
                "Selamat datang", 5, str(_l("Write the first lesson here (Markdown)."))
            )
        },
    }
    course = _new_course(actor, slug, title, unit, files)
    db.session.commit()
    return course


def copy_course(actor, source: Course, entry: NewCourse) -> Course:
    """*Salin kursus*: the course's current files become a new course of the author's unit."""
    title, slug, unit = _check_new(actor, entry)
    files = published_files(source)
    meta = yaml.safe_load(files["course.yaml"]["text"]) or {}
    meta["title"] = title
    certificate = meta.get("certificate")
    if isinstance(certificate, dict):
        certificate["title"] = f"Sertifikat {title}"
    files["course.yaml"] = {"text": tree.dump_yaml(meta)}
    course = _new_course(actor, slug, title, unit, files)
    db.session.commit()
    return course


def published_files(course: Course) -> dict:
    """The course's files as trainees see them now: its folder in courses/, or the last
    publication of a browser course."""
    if course.source == "files":
        folder = Path(current_app.config["COURSES_DIR"]) / course.slug
        if not folder.is_dir():
            raise ServiceError(_l("The files of this course are not on this server."), 404)
        return tree.read_folder(folder)
    latest = db.session.scalar(
        select(CourseVersion)
        .where(CourseVersion.course_id == course.id)
        .order_by(CourseVersion.number.desc())
        .limit(1)
    )
    if latest is None:
        raise ServiceError(_l("This course has not been published yet."), 404)
    return dict(latest.files)


def import_zip(actor, data: bytes, entry: NewCourse | None = None, into: Course | None = None):
    """A ZIP in the courses/ format becomes a new course of the unit (or the draft of `into`).
    Any problem `courses check` finds is listed and nothing is written."""
    try:
        folder, files = tree.read_zip(data)
    except tree.TreeError as e:
        db.session.rollback()
        raise ZipProblems(e.problems) from e
    if into is not None:
        require_edit(actor, into)
        slug = into.slug
    else:
        entry = entry or NewCourse(title="", slug=folder or "")
        meta_title = (yaml.safe_load(files["course.yaml"]["text"]) or {}).get("title", "")
        title, slug, unit = _check_new(
            actor,
            NewCourse(entry.title or str(meta_title), entry.slug or folder or "", entry.issuer_id),
        )
    _, problems = tree.load(files, slug)
    if problems:
        db.session.rollback()
        raise ZipProblems([f"{slug}/{p}" for p in problems])
    if into is not None:
        draft = draft_of(into)
        draft.files, draft.version = files, draft.version + 1
        draft.updated_at, draft.updated_by_id = utcnow(), actor.id
        course = into
    else:
        course = _new_course(actor, slug, title, unit, files)
    db.session.commit()
    return course


class ZipProblems(ServiceError):
    status = 400

    def __init__(self, problems: list[str]):
        super().__init__(_l("Nothing was imported: fix the problems listed."))
        self.problems = problems


# ---------------------------------------------------------------- the draft


def draft_of(course: Course) -> CourseDraft:
    draft = db.session.scalar(select(CourseDraft).where(CourseDraft.course_id == course.id))
    if draft is None:  # a course never edited here: its published files
        draft = CourseDraft(course_id=course.id, files=published_files(course))
        db.session.add(draft)
        db.session.flush()
    return draft


def word_count(text: str) -> int:
    """Words as the course checks count them."""
    return len(re.findall(r"[\w’'-]+", text))


@dataclass
class Lesson:
    path: str
    slug: str
    title: str
    minutes: int
    body: str

    @property
    def words(self) -> int:
        return word_count(self.body)


@dataclass
class ModuleView:
    folder: str
    slug: str
    title: str
    summary: str
    objectives: list
    lessons: list = field(default_factory=list)
    has_quiz: bool = False
    has_task: bool = False


@dataclass
class Outline:
    """The draft as the editor shows it."""

    course: Course
    draft: CourseDraft
    meta: dict
    modules: list
    has_final: bool
    problems: list  # what `courses check` says of the draft now


def read_yaml(files: dict, path: str) -> dict:
    try:
        data = yaml.safe_load(files[path]["text"]) if path in files else None
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


def _minutes(value) -> int:
    return int(value) if str(value).isdecimal() and len(str(value)) < 4 else 1


def module_folders(files: dict) -> list[str]:
    folders = {p.split("/", 1)[0] for p in files if "/" in p}
    return sorted(f for f in folders if MODULE_RE.match(f))


def outline(actor, course: Course) -> Outline:
    require_edit(actor, course)
    draft = draft_of(course)
    files = draft.files
    modules = []
    for folder in module_folders(files):
        meta = read_yaml(files, f"{folder}/module.yaml")
        view = ModuleView(
            folder,
            MODULE_RE.match(folder).group(2),
            str(meta.get("title") or folder),
            str(meta.get("summary") or ""),
            list(meta.get("objectives") or []),
            has_quiz=f"{folder}/quiz.yaml" in files,
            has_task=f"{folder}/task.yaml" in files,
        )
        for path in sorted(p for p in files if p.startswith(folder + "/") and p.endswith(".md")):
            match = LESSON_RE.match(path.split("/", 1)[1])
            if match:
                front, body = tree.split_lesson(files[path]["text"])
                view.lessons.append(
                    Lesson(
                        path,
                        match.group(2),
                        str(front.get("title") or match.group(2)),
                        int(front.get("minutes") or 1)
                        if str(front.get("minutes", 1)).isdecimal()
                        else 1,
                        body,
                    )
                )
        modules.append(view)
    _, problems = tree.load(files, course.slug)
    return Outline(
        course,
        draft,
        read_yaml(files, "course.yaml"),
        modules,
        "final-exam.yaml" in files,
        problems,
    )


# What `courses check` says of a quiz still being written: shown on the outline, not refused.
UNFINISHED = ("must list at least one question", "'questions_per_attempt' is")


def _save(
    actor,
    course: Course,
    version: int | None,
    change,
    check: str | None = None,
    fields: dict | None = None,
    unfinished: tuple = (),
) -> CourseDraft:
    """Apply `change(files) -> files` to the draft in one transaction. The whole tree is checked
    by the loader; problems in the file `check` (but those `unfinished` allows) refuse the save,
    next to `fields` (YAML key -> form field) where they name one. A draft changed since the
    form was opened: refused."""
    require_edit(actor, course)
    draft = draft_of(course)
    if version is not None:
        claimed = db.session.execute(
            update(CourseDraft)
            .where(CourseDraft.id == draft.id, CourseDraft.version == version)
            .values(version=CourseDraft.version + 1)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            db.session.rollback()
            raise ServiceError(
                _l(
                    "Someone changed this course since you opened the page. Your text is not "
                    "saved: copy it, reload the page and apply your change again."
                ),
                409,
            )
        db.session.refresh(draft, ["version"])
    else:
        draft.version += 1
    files = change(dict(draft.files))
    _, problems = tree.load(files, course.slug)
    if check is not None:
        found = [
            p
            for p in tree.problems_for(problems, check)
            if not any(u in p.message for u in unfinished)
        ]
        if found:
            db.session.rollback()
            raise FormErrors(_field_errors(found, fields or {}))
    draft.files = files
    draft.updated_at, draft.updated_by_id = utcnow(), actor.id
    db.session.commit()
    return draft


def _field_errors(problems: list, fields: dict) -> dict:
    """The loader's problems ('pass_mark' must be between 0 and 100) placed next to the field
    they name (YAML key -> form field), in the reader's language where the loader says it."""
    errors: dict = {}
    for problem in problems:
        target = next((f for k, f in fields.items() if f"'{k}'" in problem.message), "__all__")
        text = str(problem_text(problem))
        errors[target] = f"{errors[target]} {text}" if target in errors else text
    return errors


def problem_text(problem) -> str:
    """What to tell an author of one problem: its hint, or the check's own words."""
    if problem.hint is not None:
        return str(problem.hint)
    return str(_l("The course check says: %(message)s", message=problem.message))


COURSE_FIELDS = {
    "title": "title",
    "summary": "summary",
    "level": "level",
    "hours": "hours",
    "requires": "requires",
    "certificate": "certificate_title",
}


@dataclass(frozen=True)
class Settings:
    title: str
    summary: str
    level: str
    hours: str
    certificate_title: str
    requires: tuple
    visibility: str


def save_settings(actor, course: Course, version: int | None, entry: Settings) -> None:
    """course.yaml and who sees the course (public, or the unit's cohorts only)."""
    if entry.visibility not in ("public", "unit"):
        raise FormErrors({"visibility": _l("Choose who may see the course.")})
    hours = entry.hours.strip()

    def change(files):
        meta = read_yaml(files, "course.yaml")
        meta.update(
            title=one_line(entry.title),
            summary=entry.summary.strip(),
            level=entry.level,
            hours=int(hours) if hours.isdecimal() and len(hours) < 5 else hours,
            language="id",
        )
        kept = meta.get("certificate")
        meta["certificate"] = {
            "title": one_line(entry.certificate_title),
            "requires": [r for r in entry.requires if r in REQUIREMENTS] or ["all_lessons"],
        }
        if isinstance(kept, dict) and "valid_years" in kept:  # not edited in the browser
            meta["certificate"]["valid_years"] = kept["valid_years"]
        files["course.yaml"] = {"text": tree.dump_yaml(meta)}
        return files

    _save(actor, course, version, change, "course.yaml", COURSE_FIELDS)
    course = db.session.get(Course, course.id)
    course.visibility = entry.visibility
    db.session.commit()


def _renumbered(files: dict, old: str, new: str) -> dict:
    return {(new + p[len(old) :] if p.startswith(old + "/") else p): e for p, e in files.items()}


def _slug_from(title: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", one_line(title).lower()).strip("-")[:60] or "bagian"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def add_module(actor, course: Course, version, title: str) -> None:
    title = one_line(title)
    if not title:
        raise FormErrors({"title": _l("Enter the module's title.")})

    def change(files):
        folders = module_folders(files)
        taken = {MODULE_RE.match(f).group(2) for f in folders}
        number = len(folders) + 1
        if number > 99:
            raise FormErrors({"title": _l("A course has at most 99 modules.")})
        folder = f"{number:02d}-{_slug_from(title, taken)}"
        files[f"{folder}/module.yaml"] = {
            "text": tree.dump_yaml({"title": title, "objectives": []})
        }
        files[f"{folder}/01-pengantar.md"] = {
            "text": tree.front_matter("Pengantar", 5, str(_l("Write the lesson here (Markdown).")))
        }
        return files

    _save(actor, course, version, change)


def _module(files: dict, folder: str) -> str:
    if folder not in module_folders(files):
        raise ServiceError(_l("This module does not exist in the draft."), 404)
    return folder


def save_module(actor, course, version, folder: str, title: str, summary: str, objectives: str):
    def change(files):
        _module(files, folder)
        meta = {"title": one_line(title)}
        if summary.strip():  # the summary is optional: absent, not empty
            meta["summary"] = summary.strip()
        meta["objectives"] = [one_line(o) for o in objectives.splitlines() if one_line(o)]
        files[f"{folder}/module.yaml"] = {"text": tree.dump_yaml(meta)}
        return files

    _save(
        actor,
        course,
        version,
        change,
        f"{folder}/module.yaml",
        {"title": "title", "summary": "summary", "objectives": "objectives"},
    )


def move_module(actor, course, version, folder: str, step: int) -> None:
    """Move a module up (-1) or down (+1): the folders' numbers are swapped."""

    def change(files):
        folders = module_folders(files)
        i = folders.index(_module(files, folder))
        j = i + step
        if not 0 <= j < len(folders):
            return files
        a, b = folders[i], folders[j]
        na, nb = a[:2], b[:2]
        files = _renumbered(files, a, "__tmp__")
        files = _renumbered(files, b, na + b[2:])
        return _renumbered(files, "__tmp__", nb + a[2:])

    _save(actor, course, version, change)


def remove_module(actor, course, version, folder: str) -> None:
    """Removed from the draft; publishing hides it (progress on it is kept, as on import)."""

    def change(files):
        _module(files, folder)
        if len(module_folders(files)) == 1:
            raise ServiceError(_l("A course needs at least one module."))
        files = {p: e for p, e in files.items() if not p.startswith(folder + "/")}
        for i, f in enumerate(module_folders(files), 1):
            files = _renumbered(files, f, f"{i:02d}{f[2:]}")
        return files

    _save(actor, course, version, change)


def _lessons(files: dict, folder: str) -> list[str]:
    return sorted(
        p
        for p in files
        if p.startswith(folder + "/") and LESSON_RE.match(p.split("/", 1)[1] if "/" in p else "")
    )


def add_lesson(actor, course, version, folder: str, title: str) -> str:
    title = one_line(title)
    if not title:
        raise FormErrors({"title": _l("Enter the lesson's title.")})
    created = {}

    def change(files):
        _module(files, folder)
        lessons = _lessons(files, folder)
        taken = {LESSON_RE.match(p.split("/", 1)[1]).group(2) for p in lessons}
        path = f"{folder}/{len(lessons) + 1:02d}-{_slug_from(title, taken)}.md"
        files[path] = {
            "text": tree.front_matter(title, 5, str(_l("Write the lesson here (Markdown).")))
        }
        created["path"] = path
        return files

    _save(actor, course, version, change)
    return created["path"]


def _lesson(files: dict, path: str) -> str:
    folder = path.split("/", 1)[0]
    if path not in _lessons(files, folder):
        raise ServiceError(_l("This lesson does not exist in the draft."), 404)
    return path


def save_lesson(actor, course, version, path: str, title: str, minutes: str, body: str) -> None:
    minutes = minutes.strip()

    def change(files):
        _lesson(files, path)
        text = tree.front_matter(
            one_line(title), int(minutes) if minutes.isdecimal() and len(minutes) < 4 else 0, body
        )
        files[path] = {"text": text}
        return files

    _save(actor, course, version, change, path, {"title": "title", "minutes": "minutes"})


def move_lesson(actor, course, version, path: str, step: int) -> None:
    def change(files):
        _lesson(files, path)
        folder = path.split("/", 1)[0]
        lessons = _lessons(files, folder)
        i, j = lessons.index(path), lessons.index(path) + step
        if not 0 <= j < len(lessons):
            return files
        a, b = lessons[i], lessons[j]
        name_a, name_b = a.split("/", 1)[1], b.split("/", 1)[1]
        files[f"{folder}/{name_b[:2]}{name_a[2:]}"], files[f"{folder}/{name_a[:2]}{name_b[2:]}"] = (
            files.pop(a),
            files.pop(b),
        )
        return files

    _save(actor, course, version, change)


def remove_lesson(actor, course, version, path: str) -> None:
    def change(files):
        _lesson(files, path)
        folder = path.split("/", 1)[0]
        if len(_lessons(files, folder)) == 1:
            raise ServiceError(_l("A module needs at least one lesson."))
        del files[path]
        for i, p in enumerate(_lessons(files, folder), 1):
            name = p.split("/", 1)[1]
            files[f"{folder}/{i:02d}{name[2:]}"] = files.pop(p)
        return files

    _save(actor, course, version, change)


def preview_lesson(course: Course, files: dict, path: str, title: str, minutes: str, body: str):
    """The lesson as trainees will see it (the import's Markdown rules, the draft's images),
    and what the course check says of it: (html, [messages])."""
    folder = path.split("/", 1)[0]

    def on_image(src, alt):
        if urlsplit(src).scheme or urlsplit(src).netloc or src.startswith("/"):
            return ""  # refused by the check: never fetched, not even in the preview
        return f"/penulis/kursus/{course.id}/media/{posixpath.normpath(f'{folder}/{src}')}"

    minutes = minutes.strip()
    changed = dict(files)
    changed[path] = {
        "text": tree.front_matter(
            one_line(title), int(minutes) if minutes.isdecimal() and len(minutes) < 4 else 0, body
        )
    }
    _, problems = tree.load(changed, course.slug)
    return render_markdown(body, on_image), [
        problem_text(p) for p in tree.problems_for(problems, path)
    ]


def _reencoded(data: bytes, max_side: int) -> tuple[bytes, str]:
    """A PNG or JPEG upload checked, turned upright, stripped of metadata and shrunk to at most
    `max_side` px, as (bytes, content type); a PNG too large for `courses check` becomes a JPEG."""
    if not data:
        raise FormErrors({"image": _l("Choose a PNG or JPEG image.")})
    if len(data) > IMAGE_MAX_BYTES:
        raise FormErrors({"image": _l("The image is larger than 2 MB.")})
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format
            if kind not in ("PNG", "JPEG") or image.width * image.height > 40_000_000:
                raise FormErrors({"image": _l("Choose a PNG or JPEG image.")})
            image = ImageOps.exif_transpose(image)
            image.thumbnail((max_side, max_side))
            out = io.BytesIO()
            if kind == "PNG":
                image.save(out, format="PNG", optimize=True)
            if kind == "JPEG" or out.tell() > MAX_IMAGE_BYTES:
                kind, out = "JPEG", io.BytesIO()
                rgb = image.convert("RGBA")
                flat = Image.new("RGB", rgb.size, "white")
                flat.paste(rgb, mask=rgb.getchannel("A"))
                for quality in (85, 70, 55):
                    out.seek(0)
                    out.truncate()
                    flat.save(out, format="JPEG", quality=quality, optimize=True)
                    if out.tell() <= MAX_IMAGE_BYTES:
                        break
    except FormErrors:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
    ) as e:
        raise FormErrors({"image": _l("Choose a PNG or JPEG image.")}) from e
    return out.getvalue(), "image/png" if kind == "PNG" else "image/jpeg"


def _store_image(files: dict, folder: str, stem: str, data: bytes, content_type: str) -> str:
    """Put an image in the draft's `folder` ("" for the course's root) under a free name."""
    suffix = ".png" if content_type == "image/png" else ".jpg"
    prefix = f"{folder}/" if folder else ""
    filename, n = f"{stem}{suffix}", 2
    while f"{prefix}{filename}" in files:
        filename, n = f"{stem}-{n}{suffix}", n + 1
    record = storage.save(data, content_type)
    files[f"{prefix}{filename}"] = {"key": record.key, "type": record.content_type}
    return filename


def add_image(actor, course, version, folder: str, data: bytes, name: str) -> str:
    """A PNG or JPEG for the module's lessons: checked, re-encoded without metadata and shrunk
    to at most 1600 px; returns the Markdown that shows it."""
    encoded, content_type = _reencoded(data, IMAGE_MAX_SIDE)
    stem = _slug_from(PurePosixPath(name or "gambar").stem, set())[:40] or "gambar"
    inserted = {}

    def change(files):
        _module(files, folder)
        filename = _store_image(files, folder, stem, encoded, content_type)
        alt = _l("Describe the picture here")
        inserted["markdown"] = f"![{alt}]({filename})"
        return files

    _save(actor, course, version, change)
    return inserted["markdown"]


def set_cover(actor, course, version, data: bytes | None) -> None:
    """The course's cover image (at most 800 px, for the catalogue), or none with `None`."""
    encoded = _reencoded(data, COVER_MAX_SIDE) if data is not None else None

    def change(files):
        meta = read_yaml(files, "course.yaml")
        old = meta.pop("cover", None)
        if isinstance(old, str) and old in files and "key" in files[old]:
            del files[old]
        if encoded is not None:
            meta["cover"] = _store_image(files, "", "sampul", *encoded)
        files["course.yaml"] = {"text": tree.dump_yaml(meta)}
        return files

    _save(actor, course, version, change, fields={"cover": "image"})


def draft_image(actor, course: Course, path: str) -> tuple[bytes, str]:
    require_edit(actor, course)
    entry = draft_of(course).files.get(path)
    if not entry or "key" not in entry:
        raise ServiceError(_l("This image does not exist in the draft."), 404)
    return tree.entry_bytes(entry), entry["type"]


# ---------------------------------------------------------------- quizzes and tasks


QUIZ_FIELDS = {
    "title": "title",
    "pass_mark": "pass_mark",
    "max_attempts": "max_attempts",
    "cooldown_minutes": "cooldown_minutes",
    "time_limit_minutes": "time_limit_minutes",
    "questions_per_attempt": "questions_per_attempt",
    "review": "review",
}


def quiz_path(folder: str | None) -> str:
    return "final-exam.yaml" if folder is None else f"{folder}/quiz.yaml"


def quiz_of(files: dict, folder: str | None) -> dict:
    return read_yaml(files, quiz_path(folder))


def _whole(value: str):
    value = (value or "").strip()
    return int(value) if value.isdecimal() and len(value) < 6 else (value or None)


@dataclass(frozen=True)
class QuizSettings:
    title: str
    pass_mark: str
    max_attempts: str = ""
    cooldown_minutes: str = ""
    time_limit_minutes: str = ""
    questions_per_attempt: str = ""
    shuffle_options: bool = True
    partial_credit: bool = False
    review: str = ""


def save_quiz(actor, course, version, folder: str | None, entry: QuizSettings) -> None:
    """A module's quiz (or the final exam): its settings; the questions stay."""

    def change(files):
        if folder is not None:
            _module(files, folder)
        quiz = quiz_of(files, folder)
        settings = {
            "title": one_line(entry.title),
            "pass_mark": _whole(entry.pass_mark),
            "max_attempts": _whole(entry.max_attempts),
            "cooldown_minutes": _whole(entry.cooldown_minutes),
            "time_limit_minutes": _whole(entry.time_limit_minutes),
            "questions_per_attempt": _whole(entry.questions_per_attempt),
            "shuffle_options": entry.shuffle_options,
            "partial_credit": entry.partial_credit,
            "review": entry.review or None,
        }
        data = {k: v for k, v in settings.items() if v is not None and v != ""}
        data["questions"] = quiz.get("questions") or []
        files[quiz_path(folder)] = {"text": tree.dump_yaml(data)}
        return files

    _save_quiz(actor, course, version, folder, change)


def _save_quiz(actor, course, version, folder, change, fields=None):
    _save(actor, course, version, change, quiz_path(folder), fields or QUIZ_FIELDS, UNFINISHED)


def remove_quiz(actor, course, version, folder: str | None) -> None:
    def change(files):
        files.pop(quiz_path(folder), None)
        return files

    _save(actor, course, version, change)


@dataclass(frozen=True)
class QuestionEntry:
    """A question as the authoring form sends it; `values` holds the type's own fields."""

    qtype: str
    prompt: str
    explanation: str
    values: Answers
    question_id: str = ""  # the id of the question being edited ("" for a new one)


def save_question(actor, course, version, folder: str | None, entry: QuestionEntry) -> str:
    """Add or change one question; every rule of its type (the loader's) is applied."""
    kind = TYPES.get(entry.qtype)
    if kind is None:
        raise FormErrors({"qtype": _l("Choose a question type.")})
    saved = {}

    def change(files):
        if folder is not None:
            _module(files, folder)
        quiz = quiz_of(files, folder) or {
            "title": "Ujian Akhir" if folder is None else "Kuis Modul",
            "pass_mark": 70,
            "shuffle_options": True,
        }
        questions = list(quiz.get("questions") or [])
        ids = [q.get("id") for q in questions if isinstance(q, dict)]
        qid = entry.question_id
        if qid and qid not in ids:
            raise ServiceError(_l("This question does not exist in the draft."), 404)
        if not qid:
            qid = _slug_from(entry.prompt[:50] or "soal", set(ids))
        question = {
            "id": qid,
            "type": entry.qtype,
            "prompt": entry.prompt.strip(),
            **kind.from_form(entry.values),
            "explanation": entry.explanation.strip(),
        }
        if entry.question_id:
            questions[ids.index(qid)] = question
        else:
            questions.append(question)
        quiz["questions"] = questions
        files[quiz_path(folder)] = {"text": tree.dump_yaml(quiz)}
        saved["id"] = qid
        return files

    _save_quiz(
        actor,
        course,
        version,
        folder,
        change,
        {
            "prompt": "prompt",
            "explanation": "explanation",
            "options": "__type__",
            "answer": "__type__",
            "answers": "__type__",
            "pairs": "__type__",
        },
    )
    return saved["id"]


def remove_question(actor, course, version, folder: str | None, question_id: str) -> None:
    def change(files):
        quiz = quiz_of(files, folder)
        questions = [q for q in quiz.get("questions") or [] if q.get("id") != question_id]
        quiz["questions"] = questions
        files[quiz_path(folder)] = {"text": tree.dump_yaml(quiz)}
        return files

    _save_quiz(actor, course, version, folder, change)


TASK_FIELDS = {
    "title": "title",
    "minutes": "minutes",
    "instructions": "instructions",
    "submit": "__all__",
    "min_words": "min_words",
    "max_words": "max_words",
    "min": "photos_min",
    "max": "photos_max",
    "link": "link",
    "rubric": "__all__",
    "pass_score": "pass_score",
    "review": "review",
    "peer_reviewers": "peer_reviewers",
}


@dataclass(frozen=True)
class TaskEntry:
    title: str
    minutes: str
    instructions: str
    min_words: str = ""
    max_words: str = ""
    photos_min: str = ""
    photos_max: str = ""
    link: str = ""  # "" | optional | required
    criteria: tuple = ()  # ((id, criterion, ((points, description), …)), …)
    pass_score: str = ""
    review: str = "trainer"
    peer_reviewers: str = ""


def save_task(actor, course, version, folder: str, entry: TaskEntry) -> None:
    def change(files):
        _module(files, folder)
        submit = {}
        if entry.min_words.strip() or entry.max_words.strip():
            submit["text"] = {
                "min_words": _whole(entry.min_words),
                "max_words": _whole(entry.max_words),
            }
        if entry.photos_min.strip() or entry.photos_max.strip():
            submit["photos"] = {"min": _whole(entry.photos_min), "max": _whole(entry.photos_max)}
        if entry.link:
            submit["link"] = entry.link
        rubric = []
        for cid, name, levels in entry.criteria:
            if not (cid or name or any(p or d for p, d in levels)):
                continue
            rubric.append(
                {
                    "id": cid or _slug_from(name, {c["id"] for c in rubric}),
                    "criterion": one_line(name),
                    "levels": [
                        {"points": _whole(p), "description": one_line(d)}
                        for p, d in levels
                        if str(p).strip() or d.strip()
                    ],
                }
            )
        data = {
            "title": one_line(entry.title),
            "minutes": _whole(entry.minutes),
            "instructions": entry.instructions.strip(),
            "submit": submit,
            "rubric": rubric,
            "pass_score": _whole(entry.pass_score),
            "review": entry.review,
        }
        if entry.review in ("peer", "trainer_or_peer"):
            data["peer_reviewers"] = _whole(entry.peer_reviewers)
        files[f"{folder}/task.yaml"] = {"text": tree.dump_yaml(data)}
        return files

    _save(actor, course, version, change, f"{folder}/task.yaml", TASK_FIELDS)


def remove_task(actor, course, version, folder: str) -> None:
    def change(files):
        files.pop(f"{folder}/task.yaml", None)
        return files

    _save(actor, course, version, change)


# ---------------------------------------------------------------- publishing


@dataclass
class Changes:
    """What publishing would do: created, updated and hidden items, by kind, with titles."""

    report: Report
    problems: list

    def names(self, kind, what) -> list[str]:
        return self.report.names(kind, what)

    @property
    def empty(self) -> bool:
        return not any(self.report.counts.values())


def pending_changes(actor, course: Course) -> Changes:
    """The publication's summary, computed by running it and rolling it back."""
    require_edit(actor, course)
    draft = draft_of(course)
    data, problems = tree.load(draft.files, course.slug)
    if data is None or problems:
        return Changes(Report(), problems)
    data.version = course.version  # the publication's number is not a change to show
    savepoint = db.session.begin_nested()
    try:
        report = sync([data], hide_missing=False, source="browser")
    finally:
        savepoint.rollback()
    return Changes(report, [])


def publish(actor, course: Course, version: int | None) -> CourseVersion:
    """Terbitkan: the draft becomes what trainees see, with exactly the import's rules
    (progress kept, removed lessons hidden, open attempts keep their paper), and a version.
    One transaction."""
    require_edit(actor, course)
    draft = draft_of(course)
    if version is not None and draft.version != version:
        raise ServiceError(
            _l("Someone changed this course since you opened the page. Reload and check again."),
            409,
        )
    data, problems = tree.load(draft.files, course.slug)
    if data is None or problems:
        raise ServiceError(_l("The draft has problems: fix them before publishing."), 400)
    number = (
        db.session.scalar(
            select(func.max(CourseVersion.number)).where(CourseVersion.course_id == course.id)
        )
        or 0
    ) + 1
    data.version = str(number)
    try:
        report = sync([data], hide_missing=False, source="browser")
    except SourceConflict as e:
        db.session.rollback()
        raise ServiceError(str(e)) from e
    entry = CourseVersion(
        course_id=course.id,
        number=number,
        files=dict(draft.files),
        changes={f"{k}:{w}": n for (k, w), n in report.counts.items()},
        published_by_id=actor.id,
    )
    db.session.add(entry)
    db.session.commit()
    return entry


def versions(actor, course: Course) -> list:
    require_edit(actor, course)
    return list(
        db.session.execute(
            select(CourseVersion, User.full_name)
            .outerjoin(User, User.id == CourseVersion.published_by_id)
            .where(CourseVersion.course_id == course.id)
            .order_by(CourseVersion.number.desc())
        )
    )


def version_of(actor, course: Course, number: int) -> CourseVersion:
    require_edit(actor, course)
    found = db.session.scalar(
        select(CourseVersion).where(
            CourseVersion.course_id == course.id, CourseVersion.number == number
        )
    )
    if found is None:
        raise ServiceError(_l("This version does not exist."), 404)
    return found


@dataclass
class FileChange:
    path: str
    kind: str  # added | removed | changed
    diff: list  # unified diff lines for text files


def compare(old: dict, new: dict) -> list[FileChange]:
    """File by file, what changed from `old` to `new` (text files with their diff)."""
    changes = []
    for path in sorted(set(old) | set(new)):
        a, b = old.get(path), new.get(path)
        if a == b:
            continue
        kind = "added" if a is None else "removed" if b is None else "changed"
        diff = []
        if "text" in (a or b) and "text" in (b or a):  # text files: their lines (+ and -)
            before = a["text"].splitlines() if a else []
            after = b["text"].splitlines() if b else []
            diff = list(difflib.unified_diff(before, after, lineterm="", n=1))[2:]
        changes.append(FileChange(path, kind, diff))
    return changes


def restore(actor, course: Course, number: int) -> None:
    """An older version becomes the draft again (publish it to make it current)."""
    old = version_of(actor, course, number)
    draft = draft_of(course)
    draft.files = dict(old.files)
    draft.version += 1
    draft.updated_at, draft.updated_by_id = utcnow(), actor.id
    db.session.commit()


def export_zip(actor, course: Course) -> bytes:
    """A course as a ZIP in the courses/ format (what trainees see now): a national course, a
    public one, or one of the author's unit."""
    require_author(actor)
    public = course.visibility == "public" and not course.hidden
    if course.source == "browser" and not (public or can_edit(actor, course)):
        raise ServiceError(_l("This course does not exist or is not yours to edit."), 404)
    return tree.to_zip(published_files(course), course.slug)


def export_folder(course: Course, target: Path) -> int:
    """For `flask courses export`: the course's published files into `target/<slug>`."""
    files = published_files(course)
    tree.write_folder(files, target / course.slug)
    return len(files)


def minutes_for(words: int) -> int:
    """The reading time a lesson's minutes should at least cover (CONTENT: 150 words/min)."""
    return max(1, math.ceil(words / 150))
