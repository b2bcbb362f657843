"""NIP (Nomor Induk Pegawai) of a civil servant: 18 digits, birth date (yyyymmdd), month of
appointment (yyyymm), gender (1 man, 2 woman) and a 3-digit serial; printed with its spaces,
e.g. 19850101 201001 1 001."""

from datetime import date

from flask_babel import lazy_gettext as _l


def digits(value: str) -> str:
    return "".join((value or "").split())


def problem(value: str):
    """Why a typed NIP is not a NIP, or None (spaces are ignored)."""
    nip = digits(value)
    if not nip.isascii() or not nip.isdecimal():
        return _l("A NIP has digits only.")
    if len(nip) != 18:
        return _l("A NIP has 18 digits.")
    try:
        born = date(int(nip[0:4]), int(nip[4:6]), int(nip[6:8]))
    except ValueError:
        born = None
    if born is None or born.year < 1930:
        return _l("The first 8 digits of a NIP are the date of birth (yyyymmdd).")
    year, month = int(nip[8:12]), int(nip[12:14])
    if not 1 <= month <= 12 or year < born.year + 15 or year > date.today().year + 1:
        return _l("Digits 9–14 of a NIP are the year and month of appointment (yyyymm).")
    if nip[14] not in "12":
        return _l("Digit 15 of a NIP is 1 (man) or 2 (woman).")
    if nip[15:] == "000":
        return _l("The last 3 digits of a NIP are a serial number from 001.")
    return None


def pretty(value: str) -> str:
    """19850101 201001 1 001; anything that is not 18 digits is left as it is."""
    nip = digits(value)
    if len(nip) != 18 or not nip.isdecimal():
        return value
    return f"{nip[:8]} {nip[8:14]} {nip[14]} {nip[15:]}"
