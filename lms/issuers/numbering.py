"""Certificate numbers: an issuing unit's pattern and its gap-free yearly sequence."""

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..extensions import db
from .models import DEFAULT_PATTERN, IssuerSequence  # noqa: F401 (DEFAULT_PATTERN: the one place)

ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]
PATTERN_KEYS = {"seq", "code", "month_roman", "month", "year", "class"}
NUMBER_MAX = 100  # the column's size


@dataclass(frozen=True)
class Preset:
    key: str
    pattern: str
    label: str


# The styles units use (README "Nomor sertifikat"): the documented examples are in the tests.
PRESETS = (
    Preset("romawi", DEFAULT_PATTERN, _l("Sequence / unit code / Roman month / year")),
    Preset(
        "permendagri",
        "000.5.2.3/{seq}/{code}/{year}",
        _l("Archive classification first (Permendagri style)"),
    ),
    Preset(
        "kemenag",
        "B-{seq}/{code}/{class}/{month:02d}/{year}",
        _l("Kemenag style: B- prefix, classification code, two-digit month"),
    ),
)


def format_number(pattern: str, seq: int, code: str, on: date, classification: str = "") -> str:
    return pattern.format(
        seq=seq,
        code=code,
        month_roman=ROMAN[on.month - 1],
        month=on.month,
        year=on.year,
        **{"class": classification},
    )


def peek_seq(issuer_id: int | None, year: int) -> int:
    """The number the unit's next certificate of `year` would take (nothing is taken)."""
    if issuer_id is None:
        return 1
    last = db.session.scalar(
        select(IssuerSequence.last).where(
            IssuerSequence.issuer_id == issuer_id, IssuerSequence.year == year
        )
    )
    return (last or 0) + 1


def pattern_problem(pattern: str) -> str | None:
    """Why a numbering pattern cannot be used, or None."""
    if "{seq" not in pattern:
        return "missing {seq}"
    try:
        format_number(pattern, 1, "X", date(2026, 1, 1))
    except (KeyError, ValueError, IndexError, AttributeError) as e:
        return str(e) or "invalid"
    return None


def longest(pattern: str, code: str) -> int:
    """The longest number the pattern can produce (a million certificates in a year)."""
    return len(
        pattern.format(
            seq=999_999, code=code, month_roman="VIII", month=12, year=9999, **{"class": "X" * 30}
        )
    )


def next_seq(issuer_id: int, year: int, count: int = 1) -> int:
    """Take `count` numbers of the issuer's yearly sequence, in the caller's transaction;
    returns the first.

    One upsert with RETURNING: the row lock (PostgreSQL) or the write lock (SQLite) makes parallel
    claims take consecutive numbers, and a rolled-back claim gives its number back (no gaps).
    """
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    table = IssuerSequence.__table__
    stmt = (
        insert(table)
        .values(issuer_id=issuer_id, year=year, last=count)
        .on_conflict_do_update(
            index_elements=[table.c.issuer_id, table.c.year],
            set_={"last": table.c.last + count},
        )
        .returning(table.c.last)
    )
    return db.session.execute(stmt).scalar_one() - count + 1
