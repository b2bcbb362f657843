"""Numbers as Indonesians write them (5,0 dari 5; 95,5%; sekitar 1,1 jam), by the page's locale
through Babel; the certificate PDF (always Indonesian) uses the same functions."""

from babel.numbers import format_decimal
from flask_babel import get_locale


def _locale(locale=None) -> str:
    return str(locale or get_locale() or "id")


def number(value, digits: int = 1, locale=None) -> str:
    """A number with exactly `digits` decimals: 5,0 · 12,5 (id), 5.0 · 12.5 (en)."""
    if value is None:
        return "—"
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=_locale(locale))


def percent(value, locale=None) -> str:
    """A score in percent, without needless decimals: 100% · 95,5% (id), 95.5% (en)."""
    if value is None:
        return "—"
    return decimal(value, locale) + "%"


def decimal(value, locale=None) -> str:
    """A number without needless decimals: 7 · 7,5 (id), 7.5 (en)."""
    if value is None:
        return "—"
    return format_decimal(value, format="#,##0.#", locale=_locale(locale))


def filesize(value: int, locale=None) -> str:
    """A download's size as a phone shows it: 180 KB · 1,2 MB (id), 1.2 MB (en)."""
    if value < 1000 * 1024:
        return f"{max(1, round(value / 1024))} KB"
    return f"{number(value / 2**20, 1, locale)} MB"


def register(app) -> None:
    app.add_template_filter(number, "num")
    app.add_template_filter(percent, "pct")
    app.add_template_filter(decimal, "dec")
    app.add_template_filter(filesize, "filesize")
