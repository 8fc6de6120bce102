"""A JSON HTTP server on 127.0.0.1 for the fakes of provider APIs (Graph API, Twilio).

The fake decides each answer (``answer(request) -> (status, json)``); this runs it in a thread
for the length of a ``with`` block and sets the fake's ``url``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol, TypeVar


class JsonFake(Protocol):
    url: str

    def answer(self, request: BaseHTTPRequestHandler) -> tuple[int, dict[str, Any]]: ...


Fake = TypeVar("Fake", bound=JsonFake)


@contextmanager
def serving(fake: Fake) -> Iterator[Fake]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            status, answer = fake.answer(self)
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
