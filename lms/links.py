"""Every link that leaves the app (emails, PDFs, QR codes, posters, WhatsApp messages) is built
here from the one configured base URL (LMS_BASE_URL), never from the request's Host header."""

from urllib.parse import quote, urlsplit

from flask import current_app


def external_url(endpoint: str, **values) -> str:
    """The absolute URL of `endpoint` under LMS_BASE_URL; works outside requests (CLI, jobs)."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http"
    )
    return adapter.build(endpoint, values, force_external=True)


def whatsapp_share_url(text: str) -> str:
    """A wa.me link that lets the person pick a chat or group and sends `text` (no number)."""
    return f"https://wa.me/?text={quote(text, safe='')}"


def whatsapp_url(phone: str, text: str) -> str:
    """A wa.me link that opens a chat with `phone` (+62…, as stored) with `text` prefilled."""
    return f"https://wa.me/{phone.lstrip('+')}?text={quote(text, safe='')}"
