"""Configuration: defaults, overridden by LMS_* environment variables."""

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default=None):
    return os.environ.get(f"LMS_{name}", default)


def _secret_key(instance_path: str) -> str:
    """LMS_SECRET_KEY, or a key generated once into the instance folder."""
    key = _env("SECRET_KEY")
    if key:
        return key
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def build_config(instance_path: str) -> dict:
    database_url = _env("DATABASE_URL") or "sqlite:///" + str(Path(instance_path) / "lms.sqlite3")
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        # Connections are renewed after 30 minutes instead of being pinged before every use
        # (a ping costs a round trip per checkout, several per request).
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_recycle": 1800}
        if not database_url.startswith("sqlite")
        else {},
        "BASE_URL": _env("BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        "COURSES_DIR": _env("COURSES_DIR", str(ROOT / "courses")),
        "PRIVACY_VERSION": _env("PRIVACY_VERSION", "2026-11"),
        "BABEL_DEFAULT_LOCALE": "id",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Jakarta",
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).parent / "translations"),
        "MAX_CONTENT_LENGTH": int(_env("MAX_UPLOAD_BYTES", 2 * 1024 * 1024)),
        "PERMANENT_SESSION_LIFETIME": int(_env("SESSION_MAX_HOURS", 24 * 14)) * 3600,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _env("SECURE_COOKIES", "0") == "1",
        "REMEMBER_COOKIE_SECURE": _env("SECURE_COOKIES", "0") == "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "WTF_CSRF_TIME_LIMIT": None,
        "USERS_PER_PAGE": 25,
        # Organiser statistics over every cohort are kept this long (0: always fresh).
        "REPORT_CACHE_SECONDS": int(_env("REPORT_CACHE_SECONDS", 60)),
        # A cohort dashboard's figures are kept this long per server process.
        "DASHBOARD_CACHE_SECONDS": int(_env("DASHBOARD_CACHE_SECONDS", 20)),
        "REDIS_URL": _env("REDIS_URL", ""),
        # A running job that has not reported progress for this long died with its worker.
        "JOB_STALE_MINUTES": int(_env("JOB_STALE_MINUTES", 10)),
        # Demo mode (make run): the seeded unit's stand-in signatory may issue certificates.
        "DEMO_MODE": _env("DEMO", "0") == "1",
        # Stored files (certificate PDFs, task photos): in this shared directory when set,
        # else in the database.
        "STORAGE_DIR": _env("FILES_DIR", ""),
        # Files made by jobs (ZIPs): shared storage when several servers run.
        "FILES_DIR": _env("FILES_DIR", str(Path(instance_path) / "files")),
        # Shared counters in Redis when several servers run; in memory for one process.
        "RATELIMIT_STORAGE_URI": _env("REDIS_URL") or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "VERIFY_RATE_LIMIT": _env("VERIFY_RATE_LIMIT", "60 per minute"),
        # How many reverse proxies in front of the app to believe (X-Forwarded-For/-Proto).
        "TRUSTED_PROXIES": int(_env("TRUSTED_PROXIES", 0)),
        # Failed sign-ins from one address: high enough for a workshop room on one Wi-Fi.
        "LOGIN_IP_LIMIT": _env("LOGIN_IP_LIMIT", "300 per 5 minutes"),
        "LOGIN_ACCOUNT_IP_LIMIT": _env("LOGIN_ACCOUNT_IP_LIMIT", "5 per 5 minutes"),
        "LOGIN_ACCOUNT_LIMIT": _env("LOGIN_ACCOUNT_LIMIT", "50 per hour"),
        "RESET_LIMIT": _env("RESET_LIMIT", "5 per 15 minutes"),
        # Wrong join codes, per address and per signed-in account.
        "JOIN_IP_LIMIT": _env("JOIN_IP_LIMIT", "30 per 10 minutes"),
        "JOIN_ACCOUNT_LIMIT": _env("JOIN_ACCOUNT_LIMIT", "10 per 10 minutes"),
        "RESET_LINK_MINUTES": int(_env("RESET_LINK_MINUTES", 60)),
        "STAFF_RESET_LINK_HOURS": int(_env("STAFF_RESET_LINK_HOURS", 24)),
        "SMTP_HOST": _env("SMTP_HOST", ""),
        "SMTP_PORT": int(_env("SMTP_PORT", 587)),
        "SMTP_USER": _env("SMTP_USER", ""),
        "SMTP_PASSWORD": _env("SMTP_PASSWORD", ""),
        "SMTP_FROM": _env("SMTP_FROM", "Akademi KIM <no-reply@localhost>"),
        "SMTP_STARTTLS": _env("SMTP_STARTTLS", "1") == "1",
        "SESSION_IDLE_MINUTES": int(_env("SESSION_IDLE_MINUTES", 120)),
        "SESSION_MAX_HOURS": int(_env("SESSION_MAX_HOURS", 24 * 14)),
        "QUIZ_GRACE_SECONDS": int(_env("QUIZ_GRACE_SECONDS", 30)),
        "SETUP_LINK_DAYS": int(_env("SETUP_LINK_DAYS", 30)),
        # werkzeug's password hashing method (tests use a fast one).
        "PASSWORD_HASH": "scrypt",
        "COHORT_IMPORT_MAX_BYTES": int(_env("COHORT_IMPORT_MAX_BYTES", 256 * 1024)),
        "COHORT_IMPORT_MAX_ROWS": int(_env("COHORT_IMPORT_MAX_ROWS", 1000)),
        "COHORT_ROWS_PER_PAGE": 50,
        # Signed certificates (issue 16): the root of the key that seals units' signing keys
        # (the secret key when unset), a remote seal API (a PSrE), an RFC 3161 timestamp server.
        "SIGNING_KEY": _env("SIGNING_KEY", ""),
        "SIGNING_REMOTE_URL": _env("SIGNING_REMOTE_URL", ""),
        "SIGNING_REMOTE_USER": _env("SIGNING_REMOTE_USER", ""),
        "SIGNING_REMOTE_PASSWORD": _env("SIGNING_REMOTE_PASSWORD", ""),
        "TSA_URL": _env("TSA_URL", ""),
        "SIGNING_TIMEOUT": int(_env("SIGNING_TIMEOUT", 30)),
        # Discussion posts (threads and replies) per person.
        "POST_LIMIT": _env("POST_LIMIT", "10 per minute"),
        # WhatsApp Business Cloud API (optional): notifications for phone-only people and
        # sign-in codes. Both the token and the phone number id switch it on.
        "WHATSAPP_TOKEN": _env("WHATSAPP_TOKEN", ""),
        "WHATSAPP_PHONE_ID": _env("WHATSAPP_PHONE_ID", ""),
        "WHATSAPP_API_URL": _env("WHATSAPP_API_URL", "https://graph.facebook.com"),
        "WHATSAPP_API_VERSION": _env("WHATSAPP_API_VERSION", "v21.0"),
        "WHATSAPP_TEMPLATE_NOTIFICATION": _env(
            "WHATSAPP_TEMPLATE_NOTIFICATION", "akademi_pemberitahuan"
        ),
        "WHATSAPP_TEMPLATE_REMINDER": _env("WHATSAPP_TEMPLATE_REMINDER", "akademi_pengingat"),
        "WHATSAPP_TEMPLATE_CODE": _env("WHATSAPP_TEMPLATE_CODE", "akademi_kode_masuk"),
        "WHATSAPP_LANGUAGE": _env("WHATSAPP_LANGUAGE", "id"),
        "WHATSAPP_LANGUAGE_EN": _env("WHATSAPP_LANGUAGE_EN", "en"),
        # Sign-in codes requested per number and per address.
        "CODE_PHONE_LIMIT": _env("CODE_PHONE_LIMIT", "3 per 15 minutes"),
        "CODE_IP_LIMIT": _env("CODE_IP_LIMIT", "20 per 15 minutes"),
        "CODE_MINUTES": int(_env("CODE_MINUTES", 10)),
    }
