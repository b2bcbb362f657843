"""A person's rights over their data (UU PDP 27/2022): a copy of everything, deletion, and
withdrawing consent. Each feature contributes its own part through the signals in
lms/signals.py, so this package knows only accounts."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from werkzeug.security import check_password_hash

from ..accounts.models import NO_PASSWORD, ConsentEvent, PasswordToken, User
from ..errors import FormErrors
from ..extensions import db
from ..signals import account_erasing, iso, personal_data_export
from ..timeutil import utcnow


def export(user: User) -> dict:
    """Everything Akademi KIM holds about this person, as plain data."""
    data = {
        "profile": {
            "full_name": user.full_name,
            "email": user.email,
            "phone": user.phone,
            "role": user.role,
            "province_code": user.province_code,
            "regency_code": user.regency_code,
            "timezone": user.timezone,
            "language": user.locale,
            "created_at": iso(user.created_at),
        },
        "consents": [
            {
                "document": c.document,
                "action": c.action,
                "version": c.version,
                "at": iso(c.accepted_at),
            }
            for c in db.session.scalars(
                select(ConsentEvent)
                .where(ConsentEvent.user_id == user.id)
                .order_by(ConsentEvent.id)
            )
        ],
    }
    for _, part in personal_data_export.send(user):
        data.update(part)
    return data


def withdraw_consent(user: User, version: str) -> None:
    """Record the withdrawal; until consent is given again the account only reaches the pages
    to give it back, download the data, delete the account or sign out."""
    now = utcnow()
    db.session.add(
        ConsentEvent(user_id=user.id, action="withdrawn", version=version, accepted_at=now)
    )
    user.consent_withdrawn_at = now
    db.session.commit()


def give_consent(user: User, version: str) -> None:
    db.session.add(ConsentEvent(user_id=user.id, action="given", version=version))
    user.consent_withdrawn_at = None
    db.session.commit()


def delete_account(user: User, password: str) -> None:
    """Erase the person's data in one transaction. Issued certificates stay verifiable with the
    name as printed (as the privacy notice says); the account row stays only as an empty shell
    they point to."""
    if not check_password_hash(user.password_hash, password or ""):
        raise FormErrors({"password": _l("Your current password is not correct.")})
    try:
        account_erasing.send(user)
        for model in (ConsentEvent, PasswordToken):
            db.session.execute(delete(model).where(model.user_id == user.id))
        user.full_name = "—"
        user.email = None
        user.phone = None
        user.password_hash = NO_PASSWORD
        user.role = "trainee"
        user.session_version += 1
        user.deleted_at = utcnow()
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
