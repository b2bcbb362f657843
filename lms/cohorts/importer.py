"""CSV and XLSX import of a cohort's participants: read, check every row, then write all or
nothing."""

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from .. import permissions, regions, signals
from ..accounts import services as accounts
from ..accounts.models import User
from ..catalog import services as catalog
from ..errors import ServiceError
from ..extensions import db
from ..text import one_line
from ..timeutil import utcnow
from .models import Cohort, CohortMember
from .services import Link, _require_manager, lock_cohort, member_count

# An XLSX is a ZIP of XML files: what it may hold once unpacked, as a multiple of the upload
# limit (a 1,000-row roster unpacks to well under 1 MB; a "ZIP bomb" to far more).
XLSX_UNPACKED_FACTOR = 16
XLSX_MAX_MEMBERS = 200
XLSX_MAX_COLUMNS = 30  # columns read from each row; a roster needs five
OLD_EXCEL_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (and other OLE files)

# Column names people use, after lower-casing and turning _ - / . into spaces.
COLUMNS = {
    "name": {"nama", "nama lengkap", "name", "full name", "nama peserta"},
    "email": {"email", "e mail", "surel", "alamat email", "alamat surel"},
    "phone": {
        "telepon",
        "nomor telepon",
        "no telepon",
        "telp",
        "no telp",
        "hp",
        "no hp",
        "nomor hp",
        "ponsel",
        "nomor ponsel",
        "whatsapp",
        "wa",
        "no wa",
        "nomor wa",
        "phone",
        "mobile",
    },
    "province": {"provinsi", "province", "kode provinsi"},
    "regency": {
        "kabupaten kota",
        "kabupaten",
        "kota",
        "kab kota",
        "kabkota",
        "kode kabupaten kota",
        "regency",
    },
}

NEW, EXISTING, ERROR = "new", "existing", "error"

# The downloadable template: these columns and one example row (in the cohort's region).
TEMPLATE_COLUMNS = ["nama", "email", "telepon", "provinsi", "kabupaten/kota"]
TEMPLATE_EXAMPLE = ("Siti Aminah", "siti@contoh.id", "0812 3456 7890")
TEMPLATE_PHONE_COLUMN = 2


class ImportFileError(ServiceError):
    """The file as a whole cannot be read (encoding, size, columns)."""

    status = 400


@dataclass
class Row:
    line: int
    name: str
    email: str
    phone: str
    province: str
    regency: str


@dataclass
class RowCheck:
    row: Row
    status: str = NEW
    reason: str = ""
    note: str = ""
    user: User | None = None
    email: str | None = None
    phone: str | None = None
    province_code: str = ""
    regency_code: str = ""
    already_member: bool = False

    @property
    def login(self) -> str:
        return self.email or self.phone or ""


@dataclass
class Preview:
    rows: list = field(default_factory=list)
    problem: str = ""  # a problem with the whole import, such as too few seats

    @property
    def errors(self) -> int:
        return sum(1 for r in self.rows if r.status == ERROR)

    @property
    def new(self) -> int:
        return sum(1 for r in self.rows if r.status == NEW)

    @property
    def existing(self) -> int:
        return sum(1 for r in self.rows if r.status == EXISTING)

    @property
    def valid(self) -> int:
        return self.new + self.existing

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.errors and not self.problem

    @property
    def can_skip(self) -> bool:
        """Some rows are wrong, but the correct ones could be imported on their own (the seat
        limit counts only those)."""
        return self.valid > 0 and self.errors > 0 and not self.problem

    @property
    def skipped(self) -> list:
        return [r for r in self.rows if r.status == ERROR]


def _header_key(text: str) -> str | None:
    norm = " ".join(re.sub(r"[_\-/.]", " ", (text or "").strip().lower()).split())
    return next((key for key, names in COLUMNS.items() if norm in names), None)


def max_bytes() -> int:
    return current_app.config["COHORT_IMPORT_MAX_BYTES"]


def _check_size(content: bytes) -> None:
    limit = max_bytes()
    if len(content) > limit:
        raise ImportFileError(
            _l(
                "The file is too large (%(size)s KB). The limit is %(limit)s KB: split the list "
                "into several files.",
                size=-(-len(content) // 1024),
                limit=limit // 1024,
            )
        )


def _csv_records(content: bytes) -> list[list[str]]:
    """The cells of a CSV file: UTF-8 with or without BOM, comma or semicolon separated."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ImportFileError(
            _l(
                "The file is not in UTF-8. In Excel choose Save as → CSV UTF-8 (comma "
                "delimited), then upload it again."
            )
        ) from e
    if "\x00" in text:
        raise ImportFileError(_l("This is not a CSV text file."))
    # The first line with something in it besides separators, quotes and spaces.
    first = next((line for line in text.splitlines() if line.strip(' \t;,"')), None)
    if first is None:
        raise ImportFileError(_l("The file is empty."))
    delimiter = ";" if first.count(";") > first.count(",") else ","
    try:
        return list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error as e:
        raise ImportFileError(_l("The file could not be read as CSV.")) from e


def _rows(records: list[tuple[int, list[str]]]) -> list[Row]:
    """Participants from (row number, cells): a header row naming the columns, then one per row.

    Row numbers are those a spreadsheet shows (blank rows count, a record spanning several
    lines is reported at its first)."""
    numbered = []
    for n, rec in records:
        cells = [one_line(cell) for cell in rec]
        if any(cells):
            numbered.append((n, cells))
    if not numbered:
        raise ImportFileError(_l("The file is empty."))
    _header_line, header = numbered[0]
    keys = [_header_key(cell) for cell in header]
    if "name" not in keys or not ({"email", "phone"} & set(keys)):
        raise ImportFileError(
            _l(
                "The first row must name the columns: nama, email and/or telepon (optionally "
                "provinsi and kabupaten/kota)."
            )
        )
    data = numbered[1:]
    if not data:
        raise ImportFileError(_l("The file has column names but no participants."))
    rows_max = current_app.config["COHORT_IMPORT_MAX_ROWS"]
    if len(data) > rows_max:
        raise ImportFileError(
            _l(
                "The file has %(n)s participants; at most %(max)s can be imported at once.",
                n=len(data),
                max=rows_max,
            )
        )
    rows = []
    for line, rec in data:
        values = {key: "" for key in COLUMNS}
        for key, cell in zip(keys, rec, strict=False):
            if key and not values[key]:
                values[key] = cell
        rows.append(Row(line=line, **values))
    return rows


def _not_xlsx() -> ImportFileError:
    return ImportFileError(
        _l(
            "This file is not a complete XLSX workbook. Open it in Excel, choose Save as → "
            "Excel Workbook (.xlsx) or CSV UTF-8, then upload it again."
        )
    )


def _beyond(row: int) -> ImportFileError:
    return ImportFileError(
        _l(
            "The sheet has something in row %(row)s or below, far past the end of a list of "
            "participants. Delete what is below the list, or copy the list to a new sheet.",
            row=row,
        )
    )


def _check_archive(archive: zipfile.ZipFile) -> None:
    """Refuse what no spreadsheet program writes: huge unpacked sizes, DTDs and entities."""
    members = archive.infolist()
    unpacked = sum(m.file_size for m in members)  # zipfile never unpacks beyond these sizes
    limit = max_bytes() * XLSX_UNPACKED_FACTOR
    if unpacked > limit or len(members) > XLSX_MAX_MEMBERS:
        raise ImportFileError(
            _l(
                "The workbook is too large once unpacked (%(size)s MB; the limit is %(limit)s "
                "MB). Keep only the list of participants in it, or save it as CSV UTF-8.",
                size=-(-unpacked // 2**20),
                limit=max(limit // 2**20, 1),
            )
        )
    for member in members:
        if member.filename.endswith((".xml", ".rels")):
            data = archive.read(member).upper()
            if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
                raise _not_xlsx()


def _sheet_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # 81234567890.0: how a number typed into a cell comes back
    if isinstance(value, datetime) and value.time() == time():
        value = value.date()  # a date typed into a cell comes back as midnight
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def _xlsx_records(content: bytes) -> list[tuple[int, list[str]]]:
    """The cells of the workbook's first sheet, with their row numbers (empty rows skipped)."""
    from openpyxl import load_workbook

    # zipfile and openpyxl fail in many undocumented ways on a damaged file (BadZipFile,
    # zlib.error, KeyError, NotImplementedError, RuntimeError for an encrypted member, …).
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            _check_archive(archive)
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            if not book.worksheets:
                return []
            sheet = book.worksheets[0]
            sheet.reset_dimensions()  # read every row, whatever the file claims its size is
            rows = sheet.iter_rows(max_col=XLSX_MAX_COLUMNS, values_only=True)
            last = 10 * current_app.config["COHORT_IMPORT_MAX_ROWS"] + 100
            records = []
            for line, values in enumerate(rows, 1):
                if line > last:
                    raise _beyond(line)
                if any(v is not None for v in values):
                    records.append((line, [_sheet_value(v) for v in values]))
            return records
        finally:
            book.close()
    except ImportFileError:
        raise
    except Exception as e:
        current_app.logger.info("Unreadable XLSX upload: %r", e)
        raise _not_xlsx() from e


def read_rows(content: bytes, filename: str = "") -> list[Row]:
    """Parse an uploaded file into participants (or raise ImportFileError with the reason).

    An XLSX is recognised by its content (a ZIP), so the confirmation, which sends the
    content back without a name, reads it the same way; `filename` only sharpens messages."""
    _check_size(content)
    if content.startswith(OLD_EXCEL_MAGIC):
        raise ImportFileError(
            _l(
                "This is a file in the old Excel format (.xls). In Excel choose Save as → Excel "
                "Workbook (.xlsx) or CSV UTF-8, then upload it again."
            )
        )
    if content.startswith(b"PK"):
        return _rows(_xlsx_records(content))
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise _not_xlsx()
    return _rows(list(enumerate(_csv_records(content), 1)))


def _strip_prefix(name: str, prefixes) -> str:
    low = name.lower()
    for prefix in prefixes:
        if low.startswith(prefix):
            return name[len(prefix) :].strip()
    return name


def _find_province(text: str) -> regions.Region | None:
    region = regions.get(text)
    if region and region.level == "provinsi":
        return region
    wanted = _strip_prefix(text, ("provinsi ", "prov. ", "prov ")).lower()
    return next((p for p in regions.provinces() if p.name.lower() == wanted), None)


def _find_regencies(text: str, province_code: str | None) -> list[regions.Region]:
    if re.fullmatch(r"\d{2}\.\d", text):
        text += "0"  # a code such as 11.10 typed into a number cell comes back as 11.1
    region = regions.get(text)
    if region and region.level != "provinsi":
        return [region]
    low = " ".join(text.lower().replace("kab.", "kabupaten ").split())
    candidates = regions.regencies(province_code)
    exact = [r for r in candidates if r.name.lower() == low]
    if exact:
        return exact
    bare = _strip_prefix(low, ("kabupaten ", "kota "))
    return [r for r in candidates if _strip_prefix(r.name.lower(), ("kabupaten ", "kota ")) == bare]


def _check_region(check: RowCheck, cohort: Cohort) -> str | None:
    row = check.row
    province = None
    if row.province:
        province = _find_province(row.province)
        if province is None:
            return _l("Unknown province “%(value)s”.", value=row.province)
    if row.regency:
        found = _find_regencies(row.regency, province.code if province else None)
        if not found:
            return (
                _l("Unknown kabupaten/kota “%(value)s”.", value=row.regency)
                if not province
                else (
                    _l(
                        "“%(value)s” is not a kabupaten/kota of %(province)s.",
                        value=row.regency,
                        province=province.name,
                    )
                )
            )
        if len(found) > 1:
            return _l(
                "“%(value)s” is ambiguous: write Kabupaten %(value)s or Kota %(value)s.",
                value=row.regency,
            )
        check.regency_code = found[0].code
        check.province_code = found[0].code.split(".")[0]
        return None
    if province is not None and province.code != cohort.province_code:
        return _l("Add the kabupaten/kota: the province differs from the cohort's.")
    check.province_code, check.regency_code = cohort.province_code, cohort.regency_code
    return None


def template(cohort: Cohort) -> tuple[list[str], list[list[str]]]:
    """The header row and the example row of the import template for `cohort`."""
    region = [regions.name(cohort.province_code), regions.name(cohort.regency_code)]
    return list(TEMPLATE_COLUMNS), [[*TEMPLATE_EXAMPLE, *region]]


def _is_template_example(row: Row) -> bool:
    name, email, phone = TEMPLATE_EXAMPLE
    return (
        row.name == name
        and row.email.lower() == email
        and _phone(row.phone or "") == accounts.normalize_phone(phone)
    )


def _phone(raw: str) -> str | None:
    """A mobile number as normalize_phone reads it; also one that lost its leading 0 because
    it was typed into a number cell of a spreadsheet (81234567890)."""
    phone = accounts.normalize_phone(raw)
    if phone is None and re.fullmatch(r"8\d{7,11}", raw):
        phone = accounts.normalize_phone("0" + raw)
    return phone


def check_rows(cohort: Cohort, rows: list[Row]) -> Preview:
    """Classify every row as a new account, an existing account or an error (with the reason).

    Reads only: a handful of queries whatever the number of rows."""
    preview = Preview()
    checks = [RowCheck(row) for row in rows]
    for check in checks:
        row = check.row
        if _is_template_example(row):
            check.status = ERROR
            check.reason = str(
                _l(
                    "This is the template's example row: replace it with a participant or "
                    "delete it."
                )
            )
            continue
        problems = []
        if not row.name:
            problems.append(_l("The name is missing."))
        elif len(row.name) > accounts.NAME_MAX:
            problems.append(_l("The name is longer than %(n)s characters.", n=accounts.NAME_MAX))
        if not row.email and not row.phone:
            problems.append(_l("Give an email or a mobile number."))
        if row.email:
            parsed = accounts.parse_login(row.email)
            if parsed is None or parsed[0] != "email":
                problems.append(_l("“%(value)s” is not a valid email.", value=row.email))
            else:
                check.email = parsed[1]
        if row.phone:
            check.phone = _phone(row.phone)
            if check.phone is None:
                problems.append(
                    _l("“%(value)s” is not an Indonesian mobile number.", value=row.phone)
                )
        region_problem = _check_region(check, cohort)
        if region_problem:
            problems.append(region_problem)
        if problems:
            check.status, check.reason = ERROR, " ".join(str(p) for p in problems)
    _match_accounts(cohort, checks)
    _find_duplicates(checks)
    preview.rows = checks
    new_members = sum(1 for c in checks if c.status != ERROR and not c.already_member)
    if cohort.seat_limit is not None:
        free = cohort.seat_limit - member_count(cohort.id)
        if new_members > free:
            preview.problem = _l(
                "The cohort has %(free)s free seats but the file adds %(n)s trainees. Raise the "
                "seat limit or shorten the list.",
                free=max(free, 0),
                n=new_members,
            )
    return preview


def _match_accounts(cohort: Cohort, checks: list[RowCheck]) -> None:
    emails = {c.email for c in checks if c.email}
    phones = {c.phone for c in checks if c.phone}
    by_email, by_phone = {}, {}
    if emails or phones:
        users = db.session.scalars(
            select(User).where(or_(User.email.in_(emails or [""]), User.phone.in_(phones or [""])))
        ).all()
        by_email = {u.email: u for u in users if u.email}
        by_phone = {u.phone: u for u in users if u.phone}
    members = set(
        db.session.scalars(select(CohortMember.user_id).where(CohortMember.cohort_id == cohort.id))
    )
    for check in checks:
        if check.status == ERROR:
            continue
        a, b = by_email.get(check.email), by_phone.get(check.phone)
        if a is not None and b is not None and a.id != b.id:
            check.status = ERROR
            check.reason = str(
                _l("The email and the mobile number belong to two different accounts.")
            )
            continue
        user = a or b
        if user is None:
            continue
        check.status, check.user = EXISTING, user
        check.already_member = user.id in members
        # Nothing of an existing account is shown beyond the fact that it exists.
        check.note = str(
            _l("already in this cohort") if check.already_member else _l("already has an account")
        )


def _find_duplicates(checks: list[RowCheck]) -> None:
    seen: dict = {}
    for check in checks:
        if check.status == ERROR:
            continue
        keys = [("e", check.email), ("p", check.phone)]
        if check.user is not None:
            keys.append(("u", check.user.id))
        first = next((seen[k] for k in keys if k[1] and k in seen), None)
        if first is not None:
            check.status = ERROR
            check.reason = str(_l("The same person is already on line %(line)s.", line=first))
            continue
        for k in keys:
            if k[1]:
                seen[k] = check.row.line


def preview(cohort: Cohort, content: bytes, filename: str = "") -> Preview:
    return check_rows(cohort, read_rows(content, filename))


class ImportRejected(ServiceError):
    status = 400

    def __init__(self, result: Preview):
        if result.can_skip:
            message = _l(
                "Nothing was imported. To import only the correct rows, first tick the box that "
                "skips the rows with errors."
            )
        elif result.problem:
            message = _l("Nothing was imported.")  # the preview shows the problem
        else:
            message = _l("Nothing was imported: fix the rows marked as errors.")
        super().__init__(message)
        self.preview = result


def run_import(
    actor: User, cohort: Cohort, content: bytes, skip_invalid: bool = False
) -> tuple[Preview, list[Link]]:
    """Check again and write in one transaction: every row, or nothing.

    With `skip_invalid`, the correct rows are written and the rows with errors skipped
    (`Preview.skipped` says which and why); the seat limit still holds for what is written,
    else nothing is. New accounts get a one-time set-password link; so do existing accounts
    that never set a password. Returns the checked rows and the links to share."""
    _require_manager(actor, cohort)
    rows = read_rows(content)
    lock_cohort(cohort)
    result = check_rows(cohort, rows)
    if not (result.ok or (skip_invalid and result.can_skip)):
        db.session.rollback()
        raise ImportRejected(result)
    now = utcnow()
    links = []
    added = []
    written = [check for check in result.rows if check.status != ERROR]
    try:
        for check in written:
            user = check.user
            if user is None:
                user = accounts.invite_user(
                    full_name=check.row.name,
                    email=check.email,
                    phone=check.phone,
                    province_code=check.province_code,
                    regency_code=check.regency_code,
                )
                db.session.flush()
                check.user = user
            if not check.already_member:
                db.session.add(
                    CohortMember(
                        cohort_id=cohort.id,
                        user_id=user.id,
                        source="import",
                        joined_at=now,
                        added_by_id=actor.id,
                    )
                )
                added.append(user.id)
            token = None
            if permissions.can_make_password_link(actor, user):
                token = accounts.new_password_link(user, actor, now)
            links.append(Link(user, token))
        catalog.add_enrolments([c.user.id for c in written], cohort.course)
        db.session.commit()
    except IntegrityError as e:
        # Someone registered with one of these emails or numbers a moment ago.
        db.session.rollback()
        raise ServiceError(
            _l("An account changed while importing. Nothing was imported: upload the file again.")
        ) from e
    signals.cohort_changed.send(cohort.id)
    return result, links
