"""Text people type, made safe to keep and to show: one place for the cleaning rules."""

import re

# Tabs and line breaks become spaces; every other control character (C0, DEL, C1) and the two
# non-characters XML refuses are removed.
_BREAKS_RE = re.compile(r"[\t\n\r\x0b\x0c]+")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


def clean_text(value: str) -> str:
    """`value` without control characters (tabs and line breaks become spaces)."""
    return _CONTROL_RE.sub("", _BREAKS_RE.sub(" ", value))


def one_line(value: str | None) -> str:
    """A name or title as typed, on one line: no control characters, single spaces."""
    return " ".join(clean_text(value or "").split())
