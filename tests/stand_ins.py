"""Local stand-ins for the external services, run in a thread inside the test: an SMTP sink
(aiosmtpd) and the WhatsApp Business Cloud API, which checks that each request follows the
documented protocol and records it."""

import json
import re
import socket
import threading
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpSink:
    """An SMTP server on 127.0.0.1 that keeps every message it receives."""

    def __init__(self):
        self.messages = []
        self.fail = False
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):
        if self.fail:
            return "451 Try again later"
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()

    def to(self, address):
        return [m for m in self.messages if m["To"] == address]

    @staticmethod
    def body(message) -> str:
        return message.get_body(("plain",)).get_content()


class WhatsAppCloudAPI:
    """The Cloud API's messages endpoint: POST /v{version}/{phone_id}/messages with a Bearer
    token and a JSON template message. Anything else is refused as the real API would."""

    def __init__(self, token="test-token", phone_id="1234567890"):
        self.token, self.phone_id = token, phone_id
        self.messages = []
        self.problems = []
        self.fail = False
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                problem = stand_in.check(self.path, self.headers, body)
                if problem or stand_in.fail:
                    stand_in.problems.append(problem or "failing on purpose")
                    self.send_response(400 if problem else 503)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(json.dumps({"error": {"message": problem}}).encode())
                    return
                payload = json.loads(body)
                stand_in.messages.append(payload)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                answer = {
                    "messaging_product": "whatsapp",
                    "contacts": [{"input": payload["to"], "wa_id": payload["to"]}],
                    "messages": [{"id": f"wamid.{len(stand_in.messages)}"}],
                }
                self.wfile.write(json.dumps(answer).encode())

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)

    def check(self, path, headers, body) -> str | None:
        if not re.fullmatch(rf"/v\d+\.\d+/{self.phone_id}/messages", path):
            return f"unknown path {path}"
        if headers.get("Authorization") != f"Bearer {self.token}":
            return "bad token"
        if not headers.get("Content-Type", "").startswith("application/json"):
            return "not JSON"
        try:
            payload = json.loads(body)
        except ValueError:
            return "invalid JSON"
        if payload.get("messaging_product") != "whatsapp":
            return "messaging_product must be whatsapp"
        if not re.fullmatch(r"\d{8,15}", str(payload.get("to", ""))):
            return "to must be the number in international format without +"
        if payload.get("type") != "template":
            return "business-initiated messages must be templates"
        template = payload.get("template") or {}
        if not template.get("name") or not (template.get("language") or {}).get("code"):
            return "template needs a name and a language code"
        for component in template.get("components", []):
            if component.get("type") not in ("header", "body", "button"):
                return "unknown component"
            for parameter in component.get("parameters", []):
                if parameter.get("type") != "text" or not isinstance(parameter.get("text"), str):
                    return "parameters must be text"
            if component["type"] == "button" and (
                component.get("sub_type") != "url" or component.get("index") != "0"
            ):
                return "the copy-code button is sub_type url, index 0"
        return None

    def start(self):
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def config(self) -> dict:
        return {
            "WHATSAPP_TOKEN": self.token,
            "WHATSAPP_PHONE_ID": self.phone_id,
            "WHATSAPP_API_URL": self.url,
        }

    def texts(self, phone: str) -> list[list[str]]:
        """The body parameters of every message sent to `phone` (+62… or 62…)."""
        return [
            [
                p["text"]
                for c in m["template"]["components"]
                if c["type"] == "body"
                for p in c["parameters"]
            ]
            for m in self.messages
            if m["to"] == phone.lstrip("+")
        ]
