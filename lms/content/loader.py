"""The courses/ loader: parse and validate course folders into plain dataclasses.

No database here: `load_tree(path)` returns the courses and every problem found, each as
`file:line: message`. The sync step (sync.py) writes what this returns.
"""

import hashlib
import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import markdown
import nh3
import yaml
from flask_babel import lazy_gettext as _l
from markdown.treeprocessors import Treeprocessor

from ..quizzes.types import TYPES

SLUG = r"[a-z0-9]+(?:-[a-z0-9]+)*"
SLUG_RE = re.compile(rf"^{SLUG}$")
SLUG_MAX = 80  # the database columns' size (course, module and lesson slugs)
NUMBERED_RE = re.compile(rf"^(\d{{2}})-({SLUG})$")
LESSON_RE = re.compile(rf"^(\d{{2}})-({SLUG})\.md$")
LEVELS = ("dasar", "menengah", "lanjut")
REQUIREMENTS = ("all_lessons", "module_quizzes", "final_exam", "tasks")
IMAGE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".svg": "image/svg+xml",
}
MAX_IMAGE_BYTES = 1024 * 1024
MEDIA_PREFIX = "/kursus/{course}/media/"

ALLOWED_TAGS = {
    "p",
    "h2",
    "h3",
    "h4",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "b",
    "i",
    "blockquote",
    "code",
    "pre",
    "a",
    "img",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "hr",
    "br",
    "figure",
    "figcaption",
    "sup",
    "sub",
    "dl",
    "dt",
    "dd",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}}


@dataclass
class Problem:
    """A rule a file breaks: `message` in English for `courses check`; `hint`, where there is
    one, says it in the reader's language for a form field (the browser's course editor)."""

    path: Path
    line: int
    message: str
    hint: object = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class QuizData:
    key: str
    title: str
    settings: dict
    questions: list


@dataclass
class LessonData:
    slug: str
    position: int
    title: str
    minutes: int
    html: str


@dataclass
class TaskData:
    """A module's practice task (task.yaml): what to hand in and the rubric it is reviewed on."""

    title: str
    minutes: int
    instructions_html: str
    submit: dict  # {"text": {"min_words", "max_words"}, "photos": {"min", "max"}, "link": …}
    rubric: list  # [{"id", "criterion", "levels": [{"points", "description"}]}]
    pass_score: int
    review: str  # trainer | peer | trainer_or_peer
    peer_reviewers: int

    @property
    def max_score(self) -> int:
        return sum(max(level["points"] for level in c["levels"]) for c in self.rubric)


@dataclass
class ModuleData:
    slug: str
    position: int
    title: str
    summary: str
    objectives: list
    lessons: list = field(default_factory=list)
    quiz: QuizData | None = None
    task: TaskData | None = None


@dataclass
class AssetData:
    path: str
    content_type: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class CourseData:
    slug: str
    title: str
    summary: str
    level: str
    hours: int
    version: str
    certificate_title: str
    certificate_requires: list
    modules: list = field(default_factory=list)
    certificate_valid_years: int | None = None  # certificate.valid_years; None: no end
    final_exam: QuizData | None = None
    assets: dict = field(default_factory=dict)
    cover: str = ""  # an image of the course folder shown in the catalogue


JP_MINUTES = 45  # one jam pelajaran, as Indonesian trainings count them
HOURS_TOLERANCE = 0.25
MINUTES_PER_QUESTION = 2  # a quiz without a time limit


def quiz_minutes(quiz: QuizData) -> int:
    """The time a quiz takes: its time limit, or two minutes a question drawn."""
    settings = quiz.settings
    if settings.get("time_limit_minutes"):
        return settings["time_limit_minutes"]
    return MINUTES_PER_QUESTION * (settings.get("questions_per_attempt") or len(quiz.questions))


def course_minutes(course: "CourseData") -> int:
    """Reading (lesson minutes), quizzes and exam, and practice tasks: the study time that
    the hours (JP) on the certificate stand for."""
    total = sum(lesson.minutes for m in course.modules for lesson in m.lessons)
    total += sum(quiz_minutes(m.quiz) for m in course.modules if m.quiz)
    total += sum(m.task.minutes for m in course.modules if m.task)
    if course.final_exam is not None:
        total += quiz_minutes(course.final_exam)
    return total


def hours_warnings(courses: list) -> list[str]:
    """A warning for each course whose hours are off by more than 25% from its content."""
    warnings = []
    for course in courses:
        expected = course_minutes(course) / JP_MINUTES
        if expected and abs(course.hours - expected) > HOURS_TOLERANCE * expected:
            warnings.append(
                f"{course.slug}/course.yaml: warning: 'hours' is {course.hours} but the content "
                f"takes {course_minutes(course)} minutes, about {expected:.1f} JP of "
                f"{JP_MINUTES} minutes"
            )
    return warnings


# ---------------------------------------------------------------- YAML with line numbers


class LineDict(dict):
    """A YAML mapping that knows its line, and the line of each key."""

    line = 1
    key_lines: dict = {}

    def line_of(self, key) -> int:
        return self.key_lines.get(key, self.line)


class _Loader(yaml.SafeLoader):
    def construct_mapping(self, node, deep=False):
        keys = [k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode)]
        duplicate = {k for k in keys if keys.count(k) > 1}
        if duplicate:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key: {', '.join(sorted(duplicate))}", node.start_mark
            )
        mapping = LineDict(super().construct_mapping(node, deep=True))
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {
            k.value: k.start_mark.line + 1 for k, _ in node.value if isinstance(k, yaml.ScalarNode)
        }
        return mapping


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _Loader.construct_mapping)


class Reader:
    """Collects problems while reading one tree."""

    def __init__(self, root: Path):
        self.root = root
        self.problems: list[Problem] = []

    def rel(self, path: Path) -> Path:
        try:
            return path.relative_to(self.root.parent)
        except ValueError:
            return path

    def problem(self, path: Path, line: int, message: str, hint=None) -> None:
        self.problems.append(Problem(self.rel(path), line, message, hint))

    def yaml(self, path: Path, text: str | None = None, line_offset: int = 0):
        """The mapping in a YAML file (or text), or None after recording a problem."""
        try:
            if text is None:
                text = path.read_text(encoding="utf-8")
            data = yaml.load(text, Loader=_Loader)  # noqa: S506 (a SafeLoader subclass)
        except UnicodeDecodeError:
            self.problem(path, 1, "the file is not UTF-8 text")
            return None
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
            line = (mark.line + 1 if mark else 1) + line_offset
            message = getattr(e, "problem", None) or str(e)
            self.problem(path, line, f"invalid YAML: {message}")
            return None
        if not isinstance(data, dict):
            self.problem(path, 1 + line_offset, "expected a mapping of keys to values")
            return None
        if line_offset:
            _shift_lines(data, line_offset)
        return data

    def text(self, path: Path, data: dict, key: str, required=True, max_len=200) -> str:
        value = data.get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or not value.strip():
            self.problem(
                path, data.line_of(key), f"'{key}' must be a non-empty text", _l("Fill this in.")
            )
            return ""
        if len(value) > max_len:
            self.problem(
                path,
                data.line_of(key),
                f"'{key}' is longer than {max_len} characters",
                _l("At most %(num)s characters.", num=max_len),
            )
        return value.strip()

    def integer(self, path, data, key, minimum=0, maximum=None, required=True, default=None):
        value = data.get(key, default)
        if value is None and not required:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(
                path,
                data.line_of(key),
                f"'{key}' must be a whole number",
                _l("Enter a whole number."),
            )
            return default
        if value < minimum or (maximum is not None and value > maximum):
            if maximum is not None:
                bound = f"between {minimum} and {maximum}"
                hint = _l("Enter a number from %(low)s to %(high)s.", low=minimum, high=maximum)
            else:
                bound, hint = f"at least {minimum}", _l("Enter at least %(low)s.", low=minimum)
            self.problem(path, data.line_of(key), f"'{key}' must be {bound}", hint)
        return value

    def unknown_keys(self, path, data, allowed) -> None:
        unknown = set(data) - set(allowed)
        if unknown:
            self.problem(path, data.line, f"unknown key: {', '.join(sorted(map(str, unknown)))}")


def _shift_lines(data, offset):
    if isinstance(data, LineDict):
        data.line += offset
        data.key_lines = {k: line + offset for k, line in data.key_lines.items()}
        for value in data.values():
            _shift_lines(value, offset)
    elif isinstance(data, list):
        for value in data:
            _shift_lines(value, offset)


# ---------------------------------------------------------------- Markdown


class _Images(Treeprocessor):
    """Check every image and point it at the course's media route."""

    def __init__(self, md, on_image):
        super().__init__(md)
        self.on_image = on_image

    def run(self, root):
        for img in root.iter("img"):
            img.set("src", self.on_image(img.get("src", ""), img.get("alt", "")))


def render_markdown(text: str, on_image) -> str:
    md = markdown.Markdown(extensions=["tables", "sane_lists"])
    md.treeprocessors.register(_Images(md, on_image), "lms_images", 0)
    html = md.convert(text)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


# ---------------------------------------------------------------- the tree


def course_dirs(path: Path) -> list[Path]:
    """A single course folder, or every course folder inside `path`."""
    if (path / "course.yaml").exists():
        return [path]
    return sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith("."))


def load_tree(path: str | Path) -> tuple[list[CourseData], list[Problem]]:
    path = Path(path)
    if not path.is_dir():
        return [], [Problem(path, 0, "not a folder")]
    reader = Reader(path if not (path / "course.yaml").exists() else path.parent)
    courses = [c for c in (load_course(reader, d) for d in course_dirs(path)) if c is not None]
    return courses, reader.problems


def load_course(reader: Reader, folder: Path) -> CourseData | None:
    slug = folder.name
    yaml_path = folder / "course.yaml"
    if not SLUG_RE.match(slug):
        reader.problem(
            folder, 0, "a course folder name must be a slug: lowercase letters, digits, -"
        )
    elif len(slug) > SLUG_MAX:
        reader.problem(folder, 0, f"a course folder name has at most {SLUG_MAX} characters")
    if not yaml_path.exists():
        reader.problem(yaml_path, 0, "course.yaml is missing")
        return None
    data = reader.yaml(yaml_path)
    if data is None:
        return None
    reader.unknown_keys(
        yaml_path,
        data,
        ["title", "summary", "level", "hours", "version", "language", "certificate", "cover"],
    )
    title = reader.text(yaml_path, data, "title")
    summary = reader.text(yaml_path, data, "summary", max_len=2000)
    level = data.get("level")
    if level not in LEVELS:
        reader.problem(
            yaml_path, data.line_of("level"), f"'level' must be one of: {', '.join(LEVELS)}"
        )
    hours = reader.integer(yaml_path, data, "hours", minimum=1, maximum=1000)
    version = data.get("version")
    if (
        not isinstance(version, str | int | float)
        or isinstance(version, bool)
        or str(version) == ""
    ):
        reader.problem(yaml_path, data.line_of("version"), "'version' must be a number or text")
    elif len(str(version)) > 20:
        reader.problem(yaml_path, data.line_of("version"), "'version' has at most 20 characters")
    if data.get("language") != "id":
        reader.problem(yaml_path, data.line_of("language"), "'language' must be 'id'")
    cert_title, requires, valid_years = "", [], None
    certificate = data.get("certificate")
    if certificate is not None:
        if not isinstance(certificate, dict):
            reader.problem(yaml_path, data.line, "'certificate' must be a mapping")
        else:
            reader.unknown_keys(yaml_path, certificate, ["title", "requires", "valid_years"])
            cert_title = reader.text(yaml_path, certificate, "title")
            valid_years = reader.integer(
                yaml_path, certificate, "valid_years", minimum=1, maximum=50, required=False
            )
            requires = certificate.get("requires", [])
            if not isinstance(requires, list) or not set(requires) <= set(REQUIREMENTS):
                reader.problem(
                    yaml_path,
                    certificate.line,
                    f"'requires' must list some of: {', '.join(REQUIREMENTS)}",
                )
                requires = []
    course = CourseData(
        slug=slug,
        title=title,
        summary=summary,
        level=level if level in LEVELS else "",
        hours=hours or 0,
        version=str(version),
        certificate_title=cert_title,
        certificate_requires=requires,
        certificate_valid_years=valid_years,
    )
    cover = data.get("cover")
    if cover is not None:
        line = data.line_of("cover")
        if not isinstance(cover, str) or not cover.strip():
            reader.problem(yaml_path, line, "'cover' must be the name of an image file")
        elif IMAGE_TYPES.get(Path(cover).suffix.lower()) not in ("image/png", "image/jpeg"):
            reader.problem(yaml_path, line, "'cover' must be a PNG or JPEG image")
        else:
            resolve = _image_resolver(reader, course, yaml_path, [], line, root=folder)
            course.cover = resolve(cover, "cover").removeprefix(MEDIA_PREFIX.format(course=slug))
    positions: dict = {}
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            match = NUMBERED_RE.match(entry.name)
            if not match:
                reader.problem(entry, 0, "a module folder is named NN-slug, e.g. 01-pengenalan")
                continue
            number = int(match.group(1))
            if len(match.group(2)) > SLUG_MAX:
                reader.problem(entry, 0, f"a module slug has at most {SLUG_MAX} characters")
                continue
            if number in positions:
                reader.problem(entry, 0, f"two modules are numbered {match.group(1)}")
            positions[number] = entry
            module = load_module(reader, course, entry, number, match.group(2))
            if module is not None:
                course.modules.append(module)
        elif entry.name == "final-exam.yaml":
            course.final_exam = load_quiz(reader, entry, "final-exam")
        elif entry.name not in ("course.yaml", course.cover):
            reader.problem(entry, 0, "unexpected file in a course folder")
    if not course.modules:
        reader.problem(folder, 0, "a course needs at least one module")
    if "final_exam" in requires and course.final_exam is None:
        reader.problem(
            yaml_path, data.line, "'final_exam' is required but final-exam.yaml is missing"
        )
    return course


def load_module(reader, course, folder, position, slug) -> ModuleData | None:
    yaml_path = folder / "module.yaml"
    if not yaml_path.exists():
        reader.problem(yaml_path, 0, "module.yaml is missing")
        return None
    data = reader.yaml(yaml_path)
    if data is None:
        return None
    reader.unknown_keys(yaml_path, data, ["title", "summary", "objectives"])
    objectives = data.get("objectives", [])
    if not isinstance(objectives, list) or not all(
        isinstance(o, str) and o.strip() for o in objectives
    ):
        reader.problem(yaml_path, data.line, "'objectives' must be a list of texts")
        objectives = []
    module = ModuleData(
        slug=slug,
        position=position,
        title=reader.text(yaml_path, data, "title"),
        summary=reader.text(yaml_path, data, "summary", required=False, max_len=2000),
        objectives=[o.strip() for o in objectives],
    )
    numbers: set = set()
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith(".") or entry.name == "module.yaml":
            continue
        if entry.name == "quiz.yaml":
            module.quiz = load_quiz(reader, entry, f"module:{slug}")
        elif entry.name == "task.yaml":
            module.task = load_task(reader, course, entry)
        elif entry.suffix.lower() in IMAGE_TYPES and entry.is_file():
            continue  # read when a lesson refers to it
        elif entry.suffix == ".md":
            match = LESSON_RE.match(entry.name)
            if not match:
                reader.problem(
                    entry, 0, "a lesson file is named NN-slug.md, e.g. 01-apa-itu-kim.md"
                )
                continue
            number = int(match.group(1))
            if len(match.group(2)) > SLUG_MAX:
                reader.problem(entry, 0, f"a lesson slug has at most {SLUG_MAX} characters")
                continue
            if number in numbers:
                reader.problem(entry, 0, f"two lessons are numbered {match.group(1)}")
            numbers.add(number)
            lesson = load_lesson(reader, course, entry, number, match.group(2))
            if lesson is not None:
                module.lessons.append(lesson)
        else:
            reader.problem(entry, 0, "unexpected file in a module folder")
    if not module.lessons:
        reader.problem(folder, 0, "a module needs at least one lesson")
    return module


SVG_FORBIDDEN = {"script", "foreignObject", "iframe", "object", "embed", "image", "use"}


def svg_problem(data: bytes) -> str | None:
    """Why an SVG may not be shown to trainees: it must be plain drawing (no scripts, event
    handlers, embedded pages or images, and no links or references outside itself)."""
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        return "an SVG may not declare a DOCTYPE or entities"
    try:
        root = etree.fromstring(data)
    except etree.ParseError as e:
        return f"not a readable SVG ({e})"
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""
        if tag in SVG_FORBIDDEN:
            return f"an SVG may not contain <{tag}>"
        for name, value in element.attrib.items():
            local = name.rsplit("}", 1)[-1].lower()
            if local.startswith("on"):
                return f"an SVG may not have event attributes ({local})"
            if local == "href" and not value.startswith("#"):
                return "an SVG may only link inside itself"
            if "url(" in value and not re.search(r"url\(\s*#", value):
                return "an SVG may only refer to its own parts"
    return None


def _image_resolver(
    reader, course, path: Path, lines: list[str], default_line: int, root: Path | None = None
):
    """What Markdown images become: checked files of the course folder, served as media.
    `root` is the course folder (by default the parent of the module folder holding `path`)."""

    def on_image(src: str, alt: str) -> str:
        line = next((i + 1 for i, text in enumerate(lines) if src in text), default_line)
        parts = urlsplit(src)
        if parts.scheme or parts.netloc or src.startswith("/"):
            reader.problem(
                path,
                line,
                f"image '{src}' must be a file in the course folder",
                _l("Pictures from other websites are not allowed: upload the picture."),
            )
            return ""
        if not alt.strip():
            reader.problem(
                path,
                line,
                f"image '{src}' needs alt text: ![description]({src})",
                _l("Describe every picture: ![description](%(name)s)", name=src),
            )
        target = (path.parent / unquote(parts.path)).resolve()
        course_root = (root or path.parent.parent).resolve()
        if not target.is_relative_to(course_root) or not target.is_file():
            reader.problem(
                path,
                line,
                f"image '{src}' not found",
                _l("The picture %(name)s is not in this module: upload it first.", name=src),
            )
            return ""
        content_type = IMAGE_TYPES.get(target.suffix.lower())
        if content_type is None:
            reader.problem(path, line, f"image '{src}' must be PNG, JPEG or SVG")
            return ""
        data = target.read_bytes()
        if len(data) > MAX_IMAGE_BYTES:
            reader.problem(path, line, f"image '{src}' is larger than 1 MB")
            return ""
        if content_type == "image/svg+xml":
            problem = svg_problem(data)
            if problem:
                reader.problem(path, line, f"image '{src}': {problem}")
                return ""
        rel = target.relative_to(course_root).as_posix()
        course.assets[rel] = AssetData(rel, content_type, data)
        return MEDIA_PREFIX.format(course=course.slug) + rel

    return on_image


def load_lesson(reader, course, path, position, slug) -> LessonData | None:
    try:
        raw = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        reader.problem(path, 1, "the file is not UTF-8 text")
        return None
    lines = raw.splitlines()
    if not lines or lines[0].strip() != "---":
        reader.problem(path, 1, "a lesson starts with front matter between '---' lines")
        return None
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        reader.problem(path, 1, "the front matter has no closing '---'")
        return None
    meta = reader.yaml(path, "\n".join(lines[1:end]), line_offset=1)
    if meta is None:
        return None
    reader.unknown_keys(path, meta, ["title", "minutes"])
    title = reader.text(path, meta, "title")
    minutes = reader.integer(path, meta, "minutes", minimum=1, maximum=600)
    body = "\n".join(lines[end + 1 :])
    if not body.strip():
        reader.problem(path, end + 2, "the lesson has no text")

    on_image = _image_resolver(reader, course, path, lines, end + 2)

    try:
        html = render_markdown(body, on_image)
    except (ValueError, etree.ParseError) as e:  # pragma: no cover - markdown is forgiving
        reader.problem(path, end + 2, f"the Markdown could not be read: {e}")
        return None
    return LessonData(slug=slug, position=position, title=title, minutes=minutes or 1, html=html)


QUIZ_KEYS = [
    "title",
    "pass_mark",
    "max_attempts",
    "cooldown_minutes",
    "time_limit_minutes",
    "questions_per_attempt",
    "shuffle_options",
    "partial_credit",
    "review",
    "questions",
]
# When a trainee sees what they got wrong and the right answers (see quizzes.services).
REVIEW_MODES = ("after_each_attempt", "after_pass", "after_last_attempt")


def load_quiz(reader: Reader, path: Path, key: str) -> QuizData | None:
    data = reader.yaml(path)
    if data is None:
        return None
    reader.unknown_keys(path, data, QUIZ_KEYS)
    title = reader.text(path, data, "title")
    settings = {
        "pass_mark": reader.integer(path, data, "pass_mark", minimum=0, maximum=100),
        "max_attempts": reader.integer(path, data, "max_attempts", minimum=1, required=False),
        "cooldown_minutes": reader.integer(path, data, "cooldown_minutes", minimum=0, default=0),
        "time_limit_minutes": reader.integer(
            path, data, "time_limit_minutes", minimum=1, required=False
        ),
        "questions_per_attempt": reader.integer(
            path, data, "questions_per_attempt", minimum=1, required=False
        ),
        "shuffle_options": data.get("shuffle_options", False),
        "partial_credit": data.get("partial_credit", False),
    }
    for flag in ("shuffle_options", "partial_credit"):
        if settings[flag] not in (True, False):
            reader.problem(path, data.line_of(flag), f"'{flag}' must be true or false")
    if "review" in data:
        if data["review"] not in REVIEW_MODES:
            reader.problem(
                path,
                data.line_of("review"),
                f"'review' must be one of: {', '.join(REVIEW_MODES)}",
                _l("Choose one of the options."),
            )
        else:
            settings["review"] = data["review"]
    questions_data = data.get("questions")
    if not isinstance(questions_data, list) or not questions_data:
        reader.problem(path, data.line, "'questions' must list at least one question")
        return None
    questions, ids = [], set()
    for q in questions_data:
        question = load_question(reader, path, q, data.line, ids)
        if question is not None:
            questions.append(question)
    per_attempt = settings["questions_per_attempt"]
    if isinstance(per_attempt, int) and per_attempt > len(questions_data):
        reader.problem(
            path,
            data.line_of("questions_per_attempt"),
            f"'questions_per_attempt' is {per_attempt} "
            f"but the bank has {len(questions_data)} questions",
            _l("The bank has only %(num)s questions.", num=len(questions_data)),
        )
    return QuizData(key=key, title=title, settings=settings, questions=questions)


def load_question(reader, path, q, default_line, ids) -> dict | None:
    if not isinstance(q, dict):
        reader.problem(path, default_line, "each question must be a mapping")
        return None
    line = q.line
    qid = q.get("id")
    if not isinstance(qid, str) or not SLUG_RE.match(qid):
        reader.problem(path, line, "'id' must be a slug: lowercase letters, digits and -")
        return None
    if qid in ids:
        reader.problem(path, line, f"question id '{qid}' is used twice")
    ids.add(qid)
    qtype = q.get("type")
    if qtype not in TYPES:
        reader.problem(path, q.line_of("type"), f"'type' must be one of: {', '.join(TYPES)}")
        return None
    reader.unknown_keys(path, q, {"id", "type", "prompt", "explanation"} | TYPES[qtype].keys)
    prompt = reader.text(path, q, "prompt", max_len=2000)
    explanation = reader.text(path, q, "explanation", max_len=3000)
    problems = TYPES[qtype].validate(q, line)
    for message, pline, *hint in problems:
        reader.problem(path, pline, f"question '{qid}': {message}", *hint)
    if problems or not prompt or not explanation:
        return None
    return {
        "id": qid,
        "type": qtype,
        "prompt": prompt,
        "explanation": explanation,
        **TYPES[qtype].normalise(q),
    }


TASK_KEYS = [
    "title",
    "minutes",
    "instructions",
    "submit",
    "rubric",
    "pass_score",
    "review",
    "peer_reviewers",
]
TASK_REVIEWS = ("trainer", "peer", "trainer_or_peer")
MAX_WORDS = 5000
MAX_PHOTOS = 4


def _mapping(reader, path, data, key) -> dict | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        reader.problem(path, data.line_of(key), f"'{key}' must be a mapping")
        return None
    return value


def _load_submit(reader, path, data) -> dict:
    submit = _mapping(reader, path, data, "submit")
    if submit is None:
        reader.problem(
            path,
            data.line,
            "'submit' must say what to hand in: text, photos, link",
            _l("Say what trainees hand in: text, photos or a link."),
        )
        return {}
    reader.unknown_keys(path, submit, ["text", "photos", "link"])
    result: dict = {}
    text = _mapping(reader, path, submit, "text")
    if text is not None:
        reader.unknown_keys(path, text, ["min_words", "max_words"])
        low = reader.integer(path, text, "min_words", minimum=1, maximum=MAX_WORDS)
        high = reader.integer(path, text, "max_words", minimum=1, maximum=MAX_WORDS)
        if isinstance(low, int) and isinstance(high, int):
            if high < low:
                reader.problem(
                    path,
                    text.line_of("max_words"),
                    "'max_words' is below 'min_words'",
                    _l("The most words may not be below the fewest."),
                )
            result["text"] = {"min_words": low, "max_words": high}
    photos = _mapping(reader, path, submit, "photos")
    if photos is not None:
        reader.unknown_keys(path, photos, ["min", "max"])
        low = reader.integer(path, photos, "min", minimum=1, maximum=MAX_PHOTOS)
        high = reader.integer(path, photos, "max", minimum=1, maximum=MAX_PHOTOS)
        if isinstance(low, int) and isinstance(high, int):
            if high < low:
                reader.problem(
                    path,
                    photos.line_of("max"),
                    "'max' is below 'min'",
                    _l("The most photos may not be below the fewest."),
                )
            result["photos"] = {"min": low, "max": high}
    if "link" in submit:
        if submit["link"] not in ("required", "optional"):
            reader.problem(path, submit.line_of("link"), "'link' must be required or optional")
        else:
            result["link"] = submit["link"]
    if not ({"text", "photos", "link"} & set(submit)):
        reader.problem(
            path,
            submit.line,
            "'submit' needs at least one of: text, photos, link",
            _l("Say what trainees hand in: text, photos or a link."),
        )
    return result


def _load_rubric(reader, path, data) -> list:
    rubric = data.get("rubric")
    if not isinstance(rubric, list) or not 2 <= len(rubric) <= 6:
        reader.problem(
            path,
            data.line_of("rubric"),
            "'rubric' must list 2 to 6 criteria",
            _l("The rubric needs 2 to 6 criteria."),
        )
        return []
    criteria, ids = [], set()
    for item in rubric:
        if not isinstance(item, dict):
            reader.problem(path, data.line_of("rubric"), "each criterion must be a mapping")
            continue
        reader.unknown_keys(path, item, ["id", "criterion", "levels"])
        cid = item.get("id")
        if not isinstance(cid, str) or not SLUG_RE.match(cid) or len(cid) > SLUG_MAX:
            reader.problem(path, item.line, "'id' must be a slug: lowercase letters, digits and -")
            continue
        if cid in ids:
            reader.problem(path, item.line, f"criterion id '{cid}' is used twice")
        ids.add(cid)
        name = reader.text(path, item, "criterion")
        levels = item.get("levels")
        if not isinstance(levels, list) or not 2 <= len(levels) <= 4:
            reader.problem(
                path,
                item.line_of("levels"),
                f"criterion '{cid}': list 2 to 4 levels",
                _l("Each criterion needs 2 to 4 levels."),
            )
            continue
        parsed = []
        for level in levels:
            if not isinstance(level, dict):
                reader.problem(path, item.line_of("levels"), "each level must be a mapping")
                continue
            reader.unknown_keys(path, level, ["points", "description"])
            points = reader.integer(path, level, "points", minimum=0, maximum=100)
            description = reader.text(path, level, "description", max_len=500)
            if isinstance(points, int) and description:
                parsed.append({"points": points, "description": description})
        if len(parsed) == len(levels):
            points = [level["points"] for level in parsed]
            if points != sorted(set(points)):
                reader.problem(
                    path,
                    item.line_of("levels"),
                    f"criterion '{cid}': points must rise level by level",
                    _l("The points must rise level by level."),
                )
            criteria.append({"id": cid, "criterion": name, "levels": parsed})
    return criteria


def load_task(reader: Reader, course: CourseData, path: Path) -> TaskData | None:
    """A module's practice task. Problems are reported like every other file's."""
    try:
        raw = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        reader.problem(path, 1, "the file is not UTF-8 text")
        return None
    data = reader.yaml(path, raw)
    if data is None:
        return None
    reader.unknown_keys(path, data, TASK_KEYS)
    title = reader.text(path, data, "title")
    minutes = reader.integer(path, data, "minutes", minimum=1, maximum=600)
    instructions = reader.text(path, data, "instructions", max_len=20_000)
    submit = _load_submit(reader, path, data)
    rubric = _load_rubric(reader, path, data)
    review = data.get("review")
    if review not in TASK_REVIEWS:
        reader.problem(
            path,
            data.line_of("review"),
            f"'review' must be one of: {', '.join(TASK_REVIEWS)}",
            _l("Choose one of the options."),
        )
    peers = 0
    if review in ("peer", "trainer_or_peer"):
        peers = reader.integer(path, data, "peer_reviewers", minimum=1, maximum=5) or 0
    elif "peer_reviewers" in data:
        reader.problem(path, data.line_of("peer_reviewers"), "'peer_reviewers' needs peer review")
    task = TaskData(
        title=title,
        minutes=minutes or 1,
        instructions_html="",
        submit=submit,
        rubric=rubric,
        pass_score=0,
        review=review if review in TASK_REVIEWS else "trainer",
        peer_reviewers=peers,
    )
    pass_score = reader.integer(path, data, "pass_score", minimum=1, maximum=1000)
    if isinstance(pass_score, int):
        if rubric and pass_score > task.max_score:
            reader.problem(
                path,
                data.line_of("pass_score"),
                f"'pass_score' is {pass_score} but the rubric gives at most {task.max_score}",
                _l("The rubric gives at most %(num)s points.", num=task.max_score),
            )
        task.pass_score = pass_score
    if instructions:
        lines = raw.splitlines()
        line = data.line_of("instructions")
        task.instructions_html = render_markdown(
            instructions, _image_resolver(reader, course, path, lines, line)
        )
    return task
