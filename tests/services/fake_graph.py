"""A local fake of the WhatsApp Cloud API's send endpoint, speaking Meta's wire format.

``POST /{version}/{phone_number_id}/messages`` with ``Authorization: Bearer <token>`` and a JSON
body checked field by field against what Meta specifies for text and template messages; it
answers ``{"messaging_product": "whatsapp", "contacts": [...], "messages": [{"id": "wamid…"}]}``
or, when told to, an error status with Meta's error object.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.services.fake_http import serving

VERSION = "v23.0"
PHONE_NUMBER_ID = "106540352242922"
ACCESS_TOKEN = "EAAG-test-access-token"
TEXT_KEYS = {"messaging_product", "recipient_type", "to", "type", "text"}
TEMPLATE_KEYS = {"messaging_product", "recipient_type", "to", "type", "template"}


def problems_of(body: Any) -> list[str]:
    """What in ``body`` Meta would refuse (empty when it is a valid text/template message)."""
    if not isinstance(body, dict):
        return ["body is not a JSON object"]
    found = []
    if body.get("messaging_product") != "whatsapp":
        found.append("messaging_product must be whatsapp")
    if body.get("recipient_type") != "individual":
        found.append("recipient_type must be individual")
    if not str(body.get("to", "")).isdigit():
        found.append("to must be the digits of the wa_id")
    kind = body.get("type")
    keys = TEXT_KEYS if kind == "text" else TEMPLATE_KEYS
    if set(body) != keys:
        found.append(f"unexpected keys {sorted(set(body) ^ keys)}")
    if kind == "text":
        found.extend(_text_problems(body.get("text")))
    elif kind == "template":
        found.extend(_template_problems(body.get("template") or {}))
    else:
        found.append("type must be text or template")
    return found


def _text_problems(text: Any) -> list[str]:
    if not isinstance(text, dict) or set(text) != {"preview_url", "body"}:
        return ["text must be {preview_url, body}"]
    if not isinstance(text["body"], str) or not text["body"]:
        return ["text.body must be a non-empty string"]
    return []


def _template_problems(template: dict[str, Any]) -> list[str]:
    found = []
    if not template.get("name") or not (template.get("language") or {}).get("code"):
        found.append("template needs name and language.code")
    for component in template.get("components", []):
        if component.get("type") != "body":
            found.append("only body components are expected")
        for parameter in component.get("parameters", []):
            if set(parameter) != {"type", "text"} or parameter["type"] != "text":
                found.append("parameters must be {type: text, text}")
    return found


@dataclass
class FakeGraph:
    url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # why requests were answered 4xx
    fail_with: list[int] = field(default_factory=list)  # statuses to answer next, in order
    _count: int = 0

    def answer(self, handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, Any]]:
        expected_path = f"/{VERSION}/{PHONE_NUMBER_ID}/messages"
        if handler.path != expected_path:
            return self._error(404, f"unknown path {handler.path}", 100)
        if handler.headers.get("Authorization") != f"Bearer {ACCESS_TOKEN}":
            return self._error(401, "bad bearer token", 190)
        if not (handler.headers.get("Content-Type") or "").startswith("application/json"):
            return self._error(400, "not JSON", 100)
        length = int(handler.headers.get("Content-Length") or 0)
        body = json.loads(handler.rfile.read(length))
        problems = problems_of(body)
        if problems:
            return self._error(400, "; ".join(problems), 100)
        if self.fail_with:
            status = self.fail_with.pop(0)
            return self._error(status, "told to fail", 131000 if status >= 500 else 131026)
        self.requests.append(body)
        self._count += 1
        wamid = f"wamid.FAKE{self._count:04d}"
        return 200, {
            "messaging_product": "whatsapp",
            "contacts": [{"input": body["to"], "wa_id": body["to"]}],
            "messages": [{"id": wamid}],
        }

    def _error(self, status: int, message: str, code: int) -> tuple[int, dict[str, Any]]:
        self.refused.append(message)
        return status, {"error": {"message": message, "type": "OAuthException", "code": code}}


@contextmanager
def running_fake_graph() -> Iterator[FakeGraph]:
    with serving(FakeGraph()) as fake:
        yield fake
