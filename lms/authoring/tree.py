"""A course as its folder in the courses/ format, held in memory: {path: entry}, where an entry
is {"text": …} (YAML, Markdown) or {"key": …, "type": …} (an image in storage). Read from a
folder or a ZIP, checked and loaded by the very loader `courses check` uses, written out as a
ZIP or a folder."""

import io
import stat
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

import yaml
from flask_babel import lazy_gettext as _l

from .. import storage
from ..content.loader import IMAGE_TYPES, load_tree

TEXT_SUFFIXES = (".yaml", ".md")
MAX_FILES = 500
MAX_UNPACKED = 20 * 1024 * 1024
ARCHIVES = (".zip", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar", ".jar")


def _at(where: str, line: int, message, error: Exception | None = None) -> str:
    """A problem as `courses check` prints one: `file:line: message`."""
    return f"{where}:{line}: {message}" + (f" ({error})" if error else "")


class TreeError(ValueError):
    """A folder or ZIP that cannot be a course: the reasons, as `file:line: message`."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def dump_yaml(data: dict) -> str:
    """YAML as people write it: readable Indonesian, keys in the order given."""
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def front_matter(title: str, minutes: int, body: str) -> str:
    head = dump_yaml({"title": title, "minutes": minutes})
    return f"---\n{head}---\n\n{body.strip()}\n"


def split_lesson(text: str) -> tuple[dict, str]:
    """(front matter, body) of a lesson file."""
    if text.startswith("---"):
        head, _, body = text[3:].partition("\n---")
        meta = yaml.safe_load(head) or {}
        return (meta if isinstance(meta, dict) else {}), body.lstrip("\n")
    return {}, text


def _add_file(files: dict, rel: str, data: bytes, problems: list[str]) -> None:
    suffix = PurePosixPath(rel).suffix.lower()
    if suffix in TEXT_SUFFIXES:
        try:
            files[rel] = {"text": data.decode("utf-8")}
        except UnicodeDecodeError:
            problems.append(_at(rel, 1, _l("The file is not UTF-8 text.")))
    elif suffix in IMAGE_TYPES:
        record = storage.save(data, IMAGE_TYPES[suffix])
        files[rel] = {"key": record.key, "type": IMAGE_TYPES[suffix]}
    else:
        problems.append(_at(rel, 0, _l("Unexpected file: only .yaml, .md and images.")))


def read_folder(folder: Path) -> dict:
    """A course folder on disk as a files dict (images go to storage)."""
    files: dict = {}
    problems: list[str] = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if path.is_file() and not any(part.startswith(".") for part in rel.parts):
            _add_file(files, rel.as_posix(), path.read_bytes(), problems)
    if problems:
        raise TreeError(problems)
    return files


def read_zip(data: bytes) -> tuple[str | None, dict]:
    """A ZIP of one course folder (or of its contents) as (folder name, files). Refused with
    the reasons: paths outside the folder, links, nested archives, too many or too big files."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [m for m in archive.infolist() if not m.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise TreeError([_at("ZIP", 0, _l("This is not a ZIP file that can be read."), e)]) from e
    problems = []
    TOO_BIG = _l("More than %(num)s MB once unpacked.", num=MAX_UNPACKED // 2**20)  # noqa: N806
    if len(members) > MAX_FILES:
        problems.append(_at("ZIP", 0, _l("More than %(num)s files.", num=MAX_FILES)))
    if sum(m.file_size for m in members) > MAX_UNPACKED:
        problems.append(_at("ZIP", 0, TOO_BIG))
    names = []
    for member in members:
        name = member.filename
        path = PurePosixPath(name)
        if "\\" in name or path.is_absolute() or ".." in path.parts or ":" in path.parts[0]:
            problems.append(_at(name, 0, _l("A path outside the course folder.")))
        elif stat.S_ISLNK(member.external_attr >> 16):
            problems.append(_at(name, 0, _l("A link, not a file.")))
        elif path.suffix.lower() in ARCHIVES:
            problems.append(_at(name, 0, _l("An archive inside the archive.")))
        else:
            names.append((member, path))
    if problems:
        raise TreeError(problems)
    roots = {p.parts[0] for _, p in names if len(p.parts) > 1}
    top = None
    if not any(len(p.parts) == 1 for _, p in names) and len(roots) == 1:
        top = roots.pop()  # the ZIP holds one folder: the course
    files: dict = {}
    total = 0
    for member, path in names:
        rel = PurePosixPath(*path.parts[1:]) if top else path
        if any(part.startswith(".") or part == "__MACOSX" for part in rel.parts):
            continue
        try:
            with archive.open(member) as f:
                content = f.read(MAX_UNPACKED + 1 - total)
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as e:
            raise TreeError([_at(member.filename, 0, _l("This file cannot be read."), e)]) from e
        total += len(content)
        if total > MAX_UNPACKED:
            raise TreeError([_at("ZIP", 0, TOO_BIG)])
        _add_file(files, rel.as_posix(), content, problems)
    if problems:
        raise TreeError(problems)
    if "course.yaml" not in files:
        raise TreeError(
            [_at("course.yaml", 0, _l("course.yaml is missing at the top of the course folder."))]
        )
    return top, files


def entry_bytes(entry: dict) -> bytes:
    if "text" in entry:
        return entry["text"].encode("utf-8")
    record = storage.get(entry["key"])
    return storage.load(record) if record is not None else b""


def contents(files: dict) -> dict[str, bytes]:
    """Every file's bytes, the stored images fetched in one query."""
    records = storage.get_many(e["key"] for e in files.values() if "key" in e)
    out = {}
    for rel, entry in files.items():
        if "text" in entry:
            out[rel] = entry["text"].encode("utf-8")
        else:
            record = records.get(entry["key"])
            out[rel] = storage.load(record) if record is not None else b""
    return out


def write_folder(files: dict, folder: Path) -> None:
    for rel, data in contents(files).items():
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def to_zip(files: dict, slug: str) -> bytes:
    out = io.BytesIO()
    data = contents(files)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for rel in sorted(files):
            archive.writestr(f"{slug}/{rel}", data[rel])
    return out.getvalue()


def load(files: dict, slug: str):
    """(CourseData or None, the loader's problems with paths relative to the course)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / slug
        folder.mkdir()
        write_folder(files, folder)
        courses, problems = load_tree(folder)
    for problem in problems:  # paths as `courses check` prints them, from the course folder
        parts = PurePosixPath(Path(problem.path).as_posix()).parts
        inside = parts[parts.index(slug) + 1 :] if slug in parts else parts
        problem.path = PurePosixPath(*inside) if inside else PurePosixPath(".")
    return (courses[0] if courses else None), problems


def problems_for(problems: list, path: str) -> list:
    """The problems found in one file."""
    return [p for p in problems if str(p.path) == path]
