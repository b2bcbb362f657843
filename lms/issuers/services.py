"""Issuing units: their details and images, which unit is the default, and what is printed."""

import re
from dataclasses import dataclass, fields

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..errors import FormErrors, ServiceError
from ..extensions import db
from ..text import one_line
from . import nip, numbering
from .images import store_image
from .models import DEFAULT_PATTERN, Issuer, StoredImage

CODE_RE = re.compile(r"^[A-Z0-9]{2,30}(?:-[A-Z0-9]{1,30})*$")
CODE_MAX = 30  # the column's size


@dataclass(frozen=True)
class IssuerInput:
    """The issuer form as typed (images apart)."""

    name: str = ""
    code: str = ""
    number_pattern: str = ""
    city: str = ""
    signatory_name: str = ""
    signatory_title: str = ""
    signatory_nip: str = ""
    signatory_rank: str = ""
    signatory_on_behalf: str = ""
    signatory2_name: str = ""
    signatory2_title: str = ""
    signatory2_nip: str = ""
    signatory2_rank: str = ""
    classification: str = ""
    remove_logo: bool = False
    remove_signature: bool = False


# The typed fields of the form, each a text (the image flags apart).
TEXT_FIELDS = tuple(f.name for f in fields(IssuerInput) if f.default == "")


def default_issuer() -> Issuer | None:
    return db.session.scalar(select(Issuer).where(Issuer.is_default.is_(True)).limit(1))


def issuers() -> list[Issuer]:
    return list(db.session.scalars(select(Issuer).order_by(Issuer.is_default.desc(), Issuer.name)))


def save_issuer(
    issuer: Issuer | None, entry: IssuerInput, logo: bytes | None, signature: bytes | None
) -> Issuer:
    """Create or update an issuing unit; images are checked and re-encoded. One transaction."""
    errors: dict = {}
    values = {key: one_line(getattr(entry, key)) for key in TEXT_FIELDS}
    values["code"] = values["code"].upper()
    limits = {
        "name": 200,
        "signatory_name": 120,
        "signatory_title": 200,
        "city": 80,
        "signatory_rank": 120,
        "signatory_on_behalf": 200,
        "signatory2_name": 120,
        "signatory2_title": 200,
        "signatory2_rank": 120,
        "classification": 30,
    }
    second = ("signatory2_name", "signatory2_title", "signatory2_nip", "signatory2_rank")
    if any(values[key] for key in second):  # a second signatory: name and title both
        for key in ("signatory2_name", "signatory2_title"):
            if not values[key]:
                errors[key] = _l("This field is required.")
    for key in ("name", "signatory_name", "signatory_title"):
        if not values[key]:
            errors[key] = _l("This field is required.")
    for key, limit in limits.items():
        if len(values[key]) > limit:
            errors[key] = _l("Use at most %(n)s characters.", n=limit)
    if not CODE_RE.match(values["code"]) or len(values["code"]) > CODE_MAX:
        errors["code"] = _l("Use 2–30 capital letters, digits and dashes, e.g. DISKOMINFO-BIR.")
    else:
        taken = select(Issuer.id).where(Issuer.code == values["code"])
        if issuer is not None:
            taken = taken.where(Issuer.id != issuer.id)
        if db.session.scalar(taken) is not None:
            errors["code"] = _l("Another unit already uses this code.")
    values["number_pattern"] = values["number_pattern"] or DEFAULT_PATTERN
    if len(values["number_pattern"]) > 100 or numbering.pattern_problem(values["number_pattern"]):
        errors["number_pattern"] = _l(
            "Use a pattern with {seq}, and only {code}, {month_roman}, {month} and {year}."
        )
    elif "{class" in values["number_pattern"] and not values["classification"]:
        errors["classification"] = _l("The pattern uses {class}: enter the classification code.")
    elif numbering.longest(values["number_pattern"], values["code"]) > numbering.NUMBER_MAX:
        errors["number_pattern"] = _l(
            "Numbers made with this pattern could be longer than %(n)s characters.",
            n=numbering.NUMBER_MAX,
        )
    for key in ("signatory_nip", "signatory2_nip"):
        if values[key]:
            found = nip.problem(values[key])
            if found:
                errors[key] = found
            values[key] = nip.digits(values[key])
    images = {}
    for field, upload in (("logo", logo), ("signature", signature)):
        if upload:
            try:
                images[field] = store_image(upload)
            except ServiceError as e:
                errors[field] = str(e)
    if errors:
        db.session.rollback()
        raise FormErrors(errors)
    if issuer is None:
        issuer = Issuer(is_default=default_issuer() is None)
        db.session.add(issuer)
    for key, value in values.items():
        setattr(issuer, key, value)
    issuer.placeholder_signatory = False  # an admin has now entered the unit's details
    db.session.flush()
    if "logo" in images:
        issuer.logo_id = images["logo"].id
    if "signature" in images:
        issuer.signature_id = images["signature"].id
    if entry.remove_logo:
        issuer.logo_id = None
    if entry.remove_signature:
        issuer.signature_id = None
    db.session.commit()
    return issuer


def make_default(issuer: Issuer) -> None:
    for other in db.session.scalars(select(Issuer).where(Issuer.is_default.is_(True))):
        other.is_default = False
    issuer.is_default = True
    db.session.commit()


def snapshot(issuer: Issuer) -> dict:
    """The issuer as printed: kept with each certificate so later edits never change it."""
    return {
        "name": issuer.name,
        "code": issuer.code,
        "city": issuer.city,
        "signatory_name": issuer.signatory_name,
        "signatory_title": issuer.signatory_title,
        "signatory_nip": issuer.signatory_nip,
        "signatory_rank": issuer.signatory_rank,
        "signatory_on_behalf": issuer.signatory_on_behalf,
        "signatory2_name": issuer.signatory2_name,
        "signatory2_title": issuer.signatory2_title,
        "signatory2_nip": issuer.signatory2_nip,
        "signatory2_rank": issuer.signatory2_rank,
        "logo_id": issuer.logo_id,
        "signature_id": issuer.signature_id,
    }


def require_real_signatory(issuer: Issuer) -> None:
    """Nothing is issued in the name of the seeded stand-in signatory, except in demo mode."""
    if issuer.placeholder_signatory and not current_app.config.get("DEMO_MODE"):
        raise ServiceError(
            _l(
                "Certificates cannot be issued yet: the issuing unit %(name)s still has the "
                "placeholder signatory. An administrator must enter the real signatory under "
                "Issuing units.",
                name=issuer.name,
            )
        )


def image_bytes(image_id: int | None) -> bytes | None:
    if image_id is None:
        return None
    return db.session.scalar(select(StoredImage.data).where(StoredImage.id == image_id))


def image_key(image_id: int | None) -> str | None:
    if image_id is None:
        return None
    return db.session.scalar(select(StoredImage.key).where(StoredImage.id == image_id))


def preview_number(issuer: Issuer | None, pattern: str, code: str, classification: str, on):
    """The number the unit's next certificate would get with this pattern, or None when the
    pattern cannot be used (nothing is taken from the sequence)."""
    pattern = one_line(pattern) or DEFAULT_PATTERN
    if numbering.pattern_problem(pattern) or len(pattern) > 100:
        return None
    seq = numbering.peek_seq(issuer.id if issuer else None, on.year)
    code = one_line(code).upper() or "KODE"
    return numbering.format_number(pattern, seq, code, on, one_line(classification) or "KLAS")


def preset_examples(code: str, classification: str, on) -> list[tuple]:
    """(preset, the 42nd number of the year in its style) for the numbering help."""
    code = one_line(code).upper() or "DISKOMINFO-BIR"
    classification = one_line(classification) or "PP.00"
    return [
        (p, numbering.format_number(p.pattern, 42, code, on, classification))
        for p in numbering.PRESETS
    ]
