"""A new password with a 6-digit code sent by WhatsApp, for people who registered with a phone
number: valid LMS_CODE_MINUTES (10), 5 tries, only its keyed hash is kept. Requests are
throttled per number and per address in the view; nothing says whether an account exists."""

import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from ..accounts import services as accounts
from ..accounts.models import User
from ..errors import FormErrors
from ..extensions import db
from ..timeutil import utcnow
from . import notifiers, whatsapp
from .models import SignInCode

TRIES = 5


def available() -> bool:
    """The option is shown only when the WhatsApp gateway is configured."""
    return whatsapp.configured()


def _hash(user_id: int, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{user_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _user_for(phone_raw: str) -> User | None:
    phone = accounts.normalize_phone(phone_raw or "")
    if phone is None:
        return None
    return db.session.scalar(select(User).where(User.phone == phone, User.deleted_at.is_(None)))


def check_phone(phone_raw: str) -> str:
    phone = accounts.normalize_phone(phone_raw or "")
    if phone is None:
        raise FormErrors({"phone": _l("Enter an Indonesian mobile number, e.g. 0812 3456 7890.")})
    return phone


def request_code(phone_raw: str) -> None:
    """Send a new code to the number's account by WhatsApp (earlier codes stop working)."""
    check_phone(phone_raw)
    user = _user_for(phone_raw)
    if user is None or not available():
        return
    now = utcnow()
    db.session.execute(
        update(SignInCode)
        .where(SignInCode.user_id == user.id, SignInCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    code = f"{secrets.randbelow(10**6):06d}"
    minutes = current_app.config["CODE_MINUTES"]
    entry = SignInCode(
        user_id=user.id,
        code_hash=_hash(user.id, code),
        created_at=now,
        expires_at=now + timedelta(minutes=minutes),
    )
    db.session.add(entry)
    db.session.flush()
    notifiers.queue_whatsapp(
        key=f"code:{entry.id}",
        user=user,
        template=current_app.config["WHATSAPP_TEMPLATE_CODE"],
        params=[code],
    )
    db.session.commit()


WRONG = _l("This code is not correct or has expired. Request a new code.")


def reset_with_code(phone_raw: str, code: str, password: str) -> User:
    """Check the code (a wrong one uses up a try) and set the new password, in one
    transaction; every other session and link of the person ends."""
    errors = {}
    try:
        check_phone(phone_raw)
    except FormErrors as e:
        errors.update(e.errors)
    code = "".join(ch for ch in (code or "") if not ch.isspace())
    if not (len(code) == 6 and code.isascii() and code.isdecimal()):
        errors["code"] = _l("Enter the 6 digits of the code.")
    problem = accounts.password_problem(password or "")
    if problem:
        errors["password"] = problem
    if errors:
        raise FormErrors(errors)
    user = _user_for(phone_raw)
    now = utcnow()
    entry = None
    if user is not None:
        entry = db.session.scalar(
            select(SignInCode)
            .where(
                SignInCode.user_id == user.id,
                SignInCode.used_at.is_(None),
                SignInCode.expires_at > now,
            )
            .order_by(SignInCode.id.desc())
            .limit(1)
            .with_for_update()
        )
    if entry is None or entry.tries >= TRIES:
        raise FormErrors({"code": WRONG})
    if not hmac.compare_digest(entry.code_hash, _hash(user.id, code)):
        # Counted in the database: parallel guesses all count.
        db.session.execute(
            update(SignInCode)
            .where(SignInCode.id == entry.id)
            .values(tries=SignInCode.tries + 1)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        raise FormErrors({"code": WRONG})
    claimed = db.session.execute(
        update(SignInCode)
        .where(SignInCode.id == entry.id, SignInCode.used_at.is_(None), SignInCode.tries < TRIES)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        raise FormErrors({"code": WRONG})
    user.password_hash = accounts.hash_password(password)
    user.session_version += 1
    accounts.end_password_links(user, now)
    db.session.commit()
    return user
