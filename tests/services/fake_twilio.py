"""A local fake of Twilio's Messages API, speaking its wire format.

``POST /2010-04-01/Accounts/{AccountSid}/Messages.json``: HTTP basic auth (account SID, auth
token), a form-encoded body with ``To``, ``From``, ``Body`` and ``StatusCallback``; answers
201 with a message resource (``sid``, ``status: queued``...), or Twilio's error object
(``code``, ``message``, ``more_info``, ``status``) when told to or when the request is wrong.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs

from tests.services.fake_http import serving

ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "twilio-auth-token"
FROM_NUMBER = "+3197010200300"
EXPECTED_FIELDS = {"To", "From", "Body", "StatusCallback"}


@dataclass
class FakeTwilio:
    url: str = ""
    requests: list[dict[str, str]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    fail_with: list[tuple[int, int]] = field(default_factory=list)  # (status, Twilio code)
    _count: int = 0

    def answer(self, handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, Any]]:
        refusal, form = self._check(handler)
        if refusal is not None:
            return self._error(*refusal)
        if self.fail_with:
            status, code = self.fail_with.pop(0)
            return self._error(status, code, "told to fail")
        self.requests.append(form)
        self._count += 1
        sid = f"SM{self._count:032d}"
        return 201, {
            "account_sid": ACCOUNT_SID,
            "api_version": "2010-04-01",
            "body": form["Body"],
            "direction": "outbound-api",
            "from": form["From"],
            "to": form["To"],
            "num_segments": "1",
            "sid": sid,
            "status": "queued",
            "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json",
        }

    @staticmethod
    def _check(
        handler: BaseHTTPRequestHandler,
    ) -> tuple[tuple[int, int, str] | None, dict[str, str]]:
        """What Twilio would refuse in the request (status, code, why), and its form."""
        if handler.path != f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json":
            return (404, 20404, f"unknown path {handler.path}"), {}
        expected = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
        if handler.headers.get("Authorization") != f"Basic {expected}":
            return (401, 20003, "authentication failed"), {}
        if handler.headers.get("Content-Type") != "application/x-www-form-urlencoded":
            return (400, 20001, "not form-encoded"), {}
        length = int(handler.headers.get("Content-Length") or 0)
        parsed = parse_qs(handler.rfile.read(length).decode(), keep_blank_values=True)
        form = {key: values[0] for key, values in parsed.items() if len(values) == 1}
        if set(form) != EXPECTED_FIELDS or set(parsed) != EXPECTED_FIELDS:
            return (400, 21601, f"fields {sorted(parsed)}"), form
        if form["From"] != FROM_NUMBER or not form["To"].startswith("+"):
            return (400, 21211, "bad To or From"), form
        return None, form

    def _error(self, status: int, code: int, message: str) -> tuple[int, dict[str, Any]]:
        self.refused.append(message)
        return status, {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        }


@contextmanager
def running_fake_twilio() -> Iterator[FakeTwilio]:
    with serving(FakeTwilio()) as fake:
        yield fake
