"""Languages and time zones: the one place that knows them. Indonesian first; times are stored
in UTC and shown in the person's zone (WIB by default)."""

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import g, request
from flask_login import current_user

LOCALES = ("id", "en")
DEFAULT_LOCALE = "id"
TIMEZONES = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}
DEFAULT_TIMEZONE = "WIB"
# Provinces by their official code that keep WITA or WIT (the rest: WIB).
WITA = {"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"}
WIT = {"81", "82", "91", "92", "93", "94", "95", "96"}


def timezone_for(province_code: str) -> str:
    """The zone people in a province live in."""
    if province_code in WITA:
        return "WITA"
    if province_code in WIT:
        return "WIT"
    return DEFAULT_TIMEZONE


def zone(name: str | None) -> ZoneInfo:
    return ZoneInfo(TIMEZONES.get(name or "", TIMEZONES[DEFAULT_TIMEZONE]))


def utc_offset_hours(name: str | None) -> int:
    """7, 8 or 9: Indonesia has no daylight saving time."""
    return int(zone(name).utcoffset(datetime(2026, 1, 1)).total_seconds() // 3600)


def select_locale() -> str:
    """Flask-Babel's locale: the signed-in person's choice, else the visitor's cookie."""
    if getattr(g, "locale", None):
        return g.locale
    if current_user and current_user.is_authenticated and current_user.locale in LOCALES:
        return current_user.locale
    lang = request.cookies.get("lang") if request else None
    return lang if lang in LOCALES else DEFAULT_LOCALE


def select_timezone() -> str:
    if current_user and current_user.is_authenticated:
        return zone(current_user.timezone).key
    return TIMEZONES[DEFAULT_TIMEZONE]
