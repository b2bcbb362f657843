"""Codes people read off paper or a screen and type back (cohort join codes, certificate
verification codes): made from alphabets without look-alike characters, and read back
forgivingly (case, spaces, dashes and other separators ignored)."""

import re
import secrets

_NOT_ALNUM = re.compile(r"[^0-9A-Za-z]")


def random_code(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def normalise(typed: str | None, limit: int = 40) -> str:
    """What a person typed ('k7p-q3m ', 'abcd efgh') → 'K7PQ3M', 'ABCDEFGH'."""
    return _NOT_ALNUM.sub("", (typed or "")[: limit * 4]).upper()[:limit]


def pretty(code: str, group: int = 4) -> str:
    """ABCDEFGH → ABCD-EFGH: easier to read aloud and to copy."""
    return "-".join(code[i : i + group] for i in range(0, len(code), group))
