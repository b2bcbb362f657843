"""Tables as CSV (UTF-8 with BOM, for Excel) and XLSX, safe to open in a spreadsheet.

User text is cleaned of control characters first (a leading "\\x01" would otherwise hide a
formula from the check and vanish later), then:
- in CSV, a cell that a spreadsheet would run as a formula is prefixed with an apostrophe;
- in XLSX, every text is written as a typed text cell, which Excel never runs, so it stays
  exactly as typed."""

import csv
import io
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from .text import clean_text

FORMULA_START = ("=", "+", "-", "@")

# CSV separators a trainer can choose; Excel in the Indonesian locale expects semicolons.
SEPARATORS = {"titik-koma": ";", "koma": ","}


def default_separator(locale) -> str:
    """The separator choice for a UI locale: semicolons for Indonesian, commas otherwise."""
    return "titik-koma" if str(locale) == "id" else "koma"


def separator(choice: str | None, locale) -> str:
    """The CSV delimiter for a choice from the dashboard (unknown choices: the locale's)."""
    return SEPARATORS.get(choice or "", SEPARATORS[default_separator(locale)])


def neutralise(value):
    """Clean text; a cell that would start a formula (after any spaces) gets an apostrophe."""
    if not isinstance(value, str):
        return value
    value = clean_text(value)
    if value.lstrip().startswith(FORMULA_START):
        return "'" + value
    return value


def _plain(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return value


def to_csv(headers: list[str], rows: list[list], delimiter: str = ",") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in headers])
    for row in rows:
        writer.writerow([neutralise(_plain(v)) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def text_cell(sheet, value: str) -> WriteOnlyCell:
    """A cell that holds `value` as text, whatever it starts with (never a formula)."""
    cell = WriteOnlyCell(sheet, value=clean_text(value))
    cell.data_type = "s"  # openpyxl guesses "f" for "=…"; a typed text cell is never run
    return cell


def _xlsx_cell(sheet, value):
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return text_cell(sheet, str(_plain(value)))


def to_xlsx(
    title: str, headers: list[str], rows: list[list], text_columns: tuple[int, ...] = ()
) -> bytes:
    """One sheet: a header row, then the rows. Columns in `text_columns` (0-based) are
    formatted as text, so what a person types there later (0812…) keeps its leading zero."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=clean_text(title)[:31] or "Sheet1")
    for index in text_columns:
        letter = chr(ord("A") + index)
        sheet.column_dimensions[letter].number_format = "@"
    sheet.append([text_cell(sheet, str(h)) for h in headers])
    for row in rows:
        sheet.append([_xlsx_cell(sheet, v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
