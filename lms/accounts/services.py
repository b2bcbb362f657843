"""Accounts: every rule about people, sign-in and roles."""

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from .. import permissions, regions
from ..errors import FormErrors, ServiceError
from ..extensions import db
from ..locales import LOCALES, TIMEZONES, timezone_for
from ..mail import outbox, transport
from ..text import one_line
from ..timeutil import utcnow
from .models import NO_PASSWORD, ROLES, ConsentEvent, PasswordToken, User

NAME_MAX = 120
EMAIL_MAX = 254
PASSWORD_MIN = 8
PASSWORD_MAX = 128
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_RE = re.compile(r"^\+628\d{7,11}$")


@cache
def _common_passwords() -> frozenset:
    path = Path(__file__).parent / "common_passwords.txt"
    return frozenset(path.read_text().split())


def normalize_phone(raw: str) -> str | None:
    """08…, 628…, +628…, +62 08… (spaces, dots and dashes ignored) → +628…; None if not a
    mobile number."""
    digits = re.sub(r"[\s.\-()]", "", raw or "")
    if digits.startswith("+62"):
        digits = digits[3:]
    elif digits.startswith("62"):
        digits = digits[2:]
    elif not digits.startswith("0"):
        return None
    if digits.startswith("0"):  # 0812…, and the common +62 0812… / 62 0812…
        digits = digits[1:]
    phone = "+62" + digits
    return phone if PHONE_RE.match(phone) else None


def parse_login(raw: str) -> tuple[str, str] | None:
    """('email', value) or ('phone', value) for what a person typed, None if neither."""
    value = (raw or "").strip()
    if "@" in value:
        return (
            ("email", value.lower()) if EMAIL_RE.match(value) and len(value) <= EMAIL_MAX else None
        )
    phone = normalize_phone(value)
    return ("phone", phone) if phone else None


def password_problem(password: str) -> str | None:
    if len(password or "") < PASSWORD_MIN:
        return _l("Use at least %(n)s characters.", n=PASSWORD_MIN)
    if len(password) > PASSWORD_MAX:
        return _l("Use at most %(n)s characters.", n=PASSWORD_MAX)
    if password.lower() in _common_passwords():
        return _l("This password is too common. Choose one that is harder to guess.")
    return None


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH"])


def _check_person(full_name: str, province_code: str, regency_code: str, errors: dict) -> None:
    if not one_line(full_name):
        errors["full_name"] = _l("Enter your full name.")
    elif len(one_line(full_name)) > NAME_MAX:
        errors["full_name"] = _l("Use at most %(n)s characters.", n=NAME_MAX)
    if not regions.get(province_code) or regions.get(province_code).level != "provinsi":
        errors["province"] = _l("Choose your province.")
    elif not regions.belongs_to(regency_code or "", province_code):
        errors["regency"] = _l("Choose a kabupaten/kota in your province.")


def _check_login_free(kind: str, value: str, errors: dict, except_user: User | None = None) -> None:
    column = User.email if kind == "email" else User.phone
    query = select(User.id).where(column == value)
    if except_user is not None:
        query = query.where(User.id != except_user.id)
    if db.session.scalar(query) is not None:
        # Worded like the reset page: it suggests what to do without confirming the account.
        errors["login"] = (
            _l(
                "This email cannot be used here. If it is yours and you already have an "
                "account, sign in with it or use Forgot password."
            )
            if kind == "email"
            else _l(
                "This number cannot be used here. If it is yours and you already have an "
                "account, sign in with it or use Forgot password."
            )
        )


def create_user(
    *,
    full_name: str,
    login: str,
    password: str,
    province_code: str,
    regency_code: str,
    role: str = "trainee",
    consent_version: str | None = None,
    require_consent: bool = True,
) -> User:
    """Validate and create an account in one transaction; FormErrors lists every problem."""
    errors: dict = {}
    _check_person(full_name, province_code, regency_code, errors)
    parsed = parse_login(login)
    if not (login or "").strip():
        errors["login"] = _l("Enter your email or mobile number.")
    elif parsed is None:
        errors["login"] = _l(
            "Enter a valid email, or an Indonesian mobile number such as 0812 3456 7890."
        )
    else:
        _check_login_free(*parsed, errors)
    problem = password_problem(password)
    if problem:
        errors["password"] = problem
    if role not in ROLES:
        errors["role"] = _l("Unknown role.")
    if require_consent and not consent_version:
        errors["consent"] = _l("You must agree to the privacy notice to register.")
    # Hashed before any refusal, so a taken email answers as slowly as a new one.
    password_hash = hash_password(password) if not problem else ""
    if errors:
        raise FormErrors(errors)
    kind, value = parsed
    user = User(
        full_name=one_line(full_name),
        email=value if kind == "email" else None,
        phone=value if kind == "phone" else None,
        password_hash=password_hash,
        role=role,
        province_code=province_code,
        regency_code=regency_code,
        timezone=timezone_for(province_code),
    )
    db.session.add(user)
    if consent_version:
        db.session.flush()
        db.session.add(ConsentEvent(user_id=user.id, version=consent_version))
    db.session.commit()
    return user


@dataclass(frozen=True)
class Registration:
    """What a person types to register (built by the view, the CLI or an API)."""

    full_name: str
    login: str
    password: str
    province: str
    regency: str
    consent: bool


@dataclass(frozen=True)
class Profile:
    """A person's editable profile."""

    full_name: str
    login: str
    province: str
    regency: str
    timezone: str
    locale: str


def register(entry: Registration) -> User:
    return create_user(
        full_name=entry.full_name,
        login=entry.login,
        password=entry.password,
        province_code=entry.province,
        regency_code=entry.regency,
        consent_version=current_app.config["PRIVACY_VERSION"] if entry.consent else None,
    )


def find_by_login(login: str) -> User | None:
    parsed = parse_login(login)
    if parsed is None:
        return None
    kind, value = parsed
    column = User.email if kind == "email" else User.phone
    return db.session.scalar(select(User).where(column == value))


def _dummy_hash() -> str:
    """A hash made like real ones, checked when there is no account (or no password yet), so
    a failed sign-in takes as long whether or not the account exists."""
    method = current_app.config["PASSWORD_HASH"]
    return _dummy_hashes.get(method) or _dummy_hashes.setdefault(
        method, hash_password(secrets.token_hex(8))
    )


_dummy_hashes: dict[str, str] = {}


def authenticate(login: str, password: str) -> User | None:
    user = find_by_login(login)
    if user is None or not user.has_password:
        check_password_hash(_dummy_hash(), password or "")
        return None
    if not check_password_hash(user.password_hash, password or ""):
        return None
    return user


def load_session_user(session_id: str) -> User | None:
    """Flask-Login's loader: '<id>:<session version>'; an old version no longer signs in."""
    user_id, _, version = (session_id or "").partition(":")
    if not user_id.isdecimal() or not version.isdecimal():
        return None
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.session_version == int(version) else None


def end_other_sessions(user: User) -> None:
    """Every signed-in session of this person ends (their cookie carries the old version)."""
    user.session_version += 1
    db.session.commit()


def change_password(user: User, current: str, new: str) -> None:
    errors = {}
    if not check_password_hash(user.password_hash, current or ""):
        errors["current_password"] = _l("Your current password is not correct.")
    problem = password_problem(new)
    if problem:
        errors["new_password"] = problem
    if errors:
        raise FormErrors(errors)
    user.password_hash = hash_password(new)
    user.session_version += 1  # other devices must sign in again
    end_password_links(user)
    db.session.commit()


def end_password_links(user: User, now: datetime | None = None) -> None:
    """Every unused one-time link of this person stops working (the caller commits)."""
    db.session.execute(
        update(PasswordToken)
        .where(PasswordToken.user_id == user.id, PasswordToken.used_at.is_(None))
        .values(expires_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )


def update_profile(user: User, profile: Profile) -> None:
    errors: dict = {}
    _check_person(profile.full_name, profile.province, profile.regency, errors)
    parsed = parse_login(profile.login)
    if parsed is None:
        errors["login"] = _l(
            "Enter a valid email, or an Indonesian mobile number such as 0812 3456 7890."
        )
    else:
        _check_login_free(*parsed, errors, except_user=user)
    if profile.timezone not in TIMEZONES:
        errors["timezone"] = _l("Choose a time zone.")
    if profile.locale not in LOCALES:
        errors["locale"] = _l("Choose a language.")
    if errors:
        raise FormErrors(errors)
    kind, value = parsed
    user.full_name = one_line(profile.full_name)
    user.email = value if kind == "email" else None
    user.phone = value if kind == "phone" else None
    user.province_code = profile.province
    user.regency_code = profile.regency
    user.timezone = profile.timezone
    user.locale = profile.locale
    db.session.commit()


def set_locale(user: User | None, locale: str) -> None:
    if locale not in LOCALES:
        raise ServiceError(_l("Choose a language."))
    if user is not None:
        user.locale = locale
        db.session.commit()


def change_role(actor: User, user: User, role: str) -> None:
    if not permissions.can_manage_users(actor):
        raise ServiceError(_l("Only an administrator can change roles."))
    if role not in ROLES:
        raise ServiceError(_l("Unknown role."))
    if user.id == actor.id and role != "admin":
        raise ServiceError(_l("You cannot remove your own administrator role."))
    user.role = role
    user.session_version += 1  # their open sessions end: the new role starts at next sign-in
    db.session.commit()


def search_users(query: str, page: int, per_page: int):
    """Users whose name, email or phone matches `query`, newest first, paginated."""
    stmt = select(User).order_by(User.created_at.desc(), User.id.desc())
    q = (query or "").strip()
    if q:
        like = f"%{q.lower()}%"
        conditions = [func.lower(User.full_name).like(like), func.lower(User.email).like(like)]
        phone = normalize_phone(q)
        digits = re.sub(r"\D", "", q)
        if phone:
            conditions.append(User.phone == phone)
        elif digits:
            conditions.append(User.phone.like(f"%{digits.lstrip('0')}%"))
        stmt = stmt.where(or_(*conditions))
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def invite_user(
    *, full_name: str, email: str | None, phone: str | None, province_code: str, regency_code: str
) -> User:
    """An account created for someone else (a trainer's CSV import): no password, no consent.

    The caller has validated the data and commits; the person sets a password and accepts the
    privacy notice through a one-time link (`new_password_link`)."""
    user = User(
        full_name=one_line(full_name),
        email=email,
        phone=phone,
        password_hash=NO_PASSWORD,
        role="trainee",
        province_code=province_code,
        regency_code=regency_code,
        timezone=timezone_for(province_code),
    )
    db.session.add(user)
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_password_link(
    user: User,
    created_by: User | None,
    now: datetime | None = None,
    purpose: str = "setup",
    lifetime: timedelta | None = None,
) -> str:
    """A fresh one-time token to set (first time) or reset a password for `user`; older unused
    ones stop working. Returns the token itself, which is never stored; the caller commits."""
    now = now or utcnow()
    db.session.flush()
    end_password_links(user, now)
    token = secrets.token_urlsafe(18)
    if lifetime is None:
        lifetime = timedelta(days=current_app.config["SETUP_LINK_DAYS"])
    db.session.add(
        PasswordToken(
            user_id=user.id,
            token_hash=_token_hash(token),
            purpose=purpose,
            created_at=now,
            expires_at=now + lifetime,
            created_by_id=created_by.id if created_by is not None else None,
        )
    )
    return token


def _valid_link(token: str) -> tuple[PasswordToken, User] | None:
    """The unused, unexpired link and its account, if the link's maker may still use it."""
    if not token or len(token) > 100:
        return None
    row = db.session.scalar(
        select(PasswordToken).where(PasswordToken.token_hash == _token_hash(token))
    )
    if row is None:
        return None
    user = db.session.get(User, row.user_id)
    if row.used_at is not None or row.expires_at <= utcnow() or user.deleted_at is not None:
        return None
    # A link made by staff is checked again now: the account may have set a password or
    # become a trainer since, or the maker may have lost the right.
    if row.created_by_id is not None:
        maker = db.session.get(User, row.created_by_id)
        if maker is None or not permissions.can_make_password_link(maker, user):
            return None
    return row, user


def password_link_user(token: str) -> User:
    """The account a set-password link belongs to; ServiceError (404) if unknown, used or old."""
    found = _valid_link(token)
    if found is None:
        raise ServiceError(
            _l("This link has expired or was already used. Ask your trainer for a new link."), 404
        )
    return found[1]


def has_consent(user: User) -> bool:
    """Whether the person's latest word on the privacy notice is consent."""
    latest = db.session.scalar(
        select(ConsentEvent.action)
        .where(ConsentEvent.user_id == user.id)
        .order_by(ConsentEvent.accepted_at.desc(), ConsentEvent.id.desc())
        .limit(1)
    )
    return latest == "given" and user.consent_withdrawn_at is None


def set_password_with_link(token: str, password: str, consent_version: str | None) -> User:
    """Set a password through a one-time link (and record consent if the person has not given
    it), in one transaction."""
    user = password_link_user(token)
    errors = {}
    problem = password_problem(password)
    if problem:
        errors["password"] = problem
    needs_consent = not has_consent(user)
    if needs_consent and not consent_version:
        errors["consent"] = _l("You must agree to the privacy notice to use your account.")
    if errors:
        raise FormErrors(errors)
    now = utcnow()
    # Claim the link first: of two parallel submissions only one gets it.
    claimed = db.session.execute(
        update(PasswordToken)
        .where(PasswordToken.token_hash == _token_hash(token), PasswordToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        raise ServiceError(
            _l("This link has expired or was already used. Ask your trainer for a new link."), 404
        )
    end_password_links(user, now)
    user.password_hash = hash_password(password)
    user.session_version += 1
    if needs_consent:
        db.session.add(ConsentEvent(user_id=user.id, version=consent_version, accepted_at=now))
    db.session.commit()
    return user


def link_purpose(token: str) -> str:
    return (
        db.session.scalar(
            select(PasswordToken.purpose).where(
                PasswordToken.token_hash == _token_hash(token or "")
            )
        )
        or "setup"
    )


def staff_reset_link(actor: User, user: User) -> str:
    """A reset link an admin or trainer hands over (for people without email); caller checks
    that `actor` may do it. Commits."""
    if user.deleted_at is not None:
        raise ServiceError(_l("This account has been deleted."), 404)
    if not permissions.can_make_password_link(actor, user):
        raise ServiceError(
            _l(
                "%(name)s already uses this account: only an administrator can reset its "
                "password, or the person can use Forgot password.",
                name=user.full_name,
            ),
            403,
        )
    hours = current_app.config["STAFF_RESET_LINK_HOURS"]
    token = new_password_link(user, actor, purpose="reset", lifetime=timedelta(hours=hours))
    db.session.commit()
    return token


def request_reset(login: str, link_for) -> None:
    """Email a short-lived reset link when the account has an email and SMTP is configured.
    Says nothing either way, so nobody learns which accounts exist; the email goes through the
    outbox (sent after the response, retried if SMTP is down). `link_for(token)` makes the URL."""
    user = find_by_login(login)
    if user is None or not user.email or user.deleted_at is not None or not transport.configured():
        return
    minutes = current_app.config["RESET_LINK_MINUTES"]
    token = new_password_link(user, None, purpose="reset", lifetime=timedelta(minutes=minutes))
    outbox.queue(
        key=f"reset:{_token_hash(token)}",
        kind="password_reset",
        user_id=user.id,
        to=user.email,
        subject="Atur ulang kata sandi Akademi KIM",
        body=f"Halo {user.full_name},\n\n"
        f"Buka tautan ini dalam {minutes} menit untuk membuat kata sandi baru:\n"
        f"{link_for(token)}\n\n"
        "Tautan hanya bisa dipakai sekali. Jika Anda tidak meminta ini, abaikan email ini.\n",
    )
    db.session.commit()
