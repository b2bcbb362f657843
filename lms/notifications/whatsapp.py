"""The WhatsApp Business Cloud API adapter (optional; LMS_WHATSAPP_TOKEN and
LMS_WHATSAPP_PHONE_ID switch it on). Business-initiated messages must be approved *template*
messages, so each kind of message names a template (LMS_WHATSAPP_TEMPLATE_*):

    POST {LMS_WHATSAPP_API_URL}/{LMS_WHATSAPP_API_VERSION}/{phone number id}/messages
    Authorization: Bearer {token}
    {"messaging_product": "whatsapp", "recipient_type": "individual", "to": "62812…",
     "type": "template",
     "template": {"name": …, "language": {"code": "id"}, "components": [
         {"type": "body", "parameters": [{"type": "text", "text": …}, …]}]}}

Authentication templates (the sign-in code) carry the code in the body and again in the
copy-code button (sub_type "url", index "0")."""

import json
import urllib.error
import urllib.request

from flask import current_app


class WhatsAppError(Exception):
    """The API refused the message or could not be reached (retried later)."""


def configured() -> bool:
    config = current_app.config
    return bool(config.get("WHATSAPP_TOKEN") and config.get("WHATSAPP_PHONE_ID"))


def template_payload(to: str, template: str, language: str, params: list[str], code_button=False):
    components = [
        {"type": "body", "parameters": [{"type": "text", "text": str(p)} for p in params]}
    ]
    if code_button:
        components.append(
            {
                "type": "button",
                "sub_type": "url",
                "index": "0",
                "parameters": [{"type": "text", "text": str(params[0])}],
            }
        )
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to.lstrip("+"),
        "type": "template",
        "template": {"name": template, "language": {"code": language}, "components": components},
    }


def send_template(
    to: str, template: str, language: str, params: list[str], code_button=False
) -> str:
    """Send one template message; returns the message id WhatsApp gave it."""
    config = current_app.config
    url = "{}/{}/{}/messages".format(
        config["WHATSAPP_API_URL"].rstrip("/"),
        config["WHATSAPP_API_VERSION"],
        config["WHATSAPP_PHONE_ID"],
    )
    data = json.dumps(template_payload(to, template, language, params, code_button)).encode()
    request = urllib.request.Request(
        url,
        data=data,
        method="POST",
        headers={
            "Authorization": f"Bearer {config['WHATSAPP_TOKEN']}",
            "Content-Type": "application/json",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            answer = json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as e:
        detail = e.read()[:500].decode("utf-8", "replace")
        raise WhatsAppError(f"HTTP {e.code}: {detail}") from e
    except (OSError, ValueError) as e:
        raise WhatsAppError(str(e)) from e
    messages = answer.get("messages") or [{}]
    return str(messages[0].get("id", ""))
