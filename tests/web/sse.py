"""Reading a Server-Sent Events stream in tests, with timeouts instead of blocking reads.

A thread parses the lines of an open streaming response (``TestClient.stream`` or
``httpx.Client.stream``) into ``Sse`` items and queues them; a test takes them with
``next(timeout)``. Comments (heartbeats) are items too, with ``comment`` set.
"""

from __future__ import annotations

import contextlib
import json
import queue
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class Sse:
    event: str | None = None
    id: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    comment: str | None = None
    retry: int | None = None


class SseReader:
    def __init__(self, response: httpx.Response) -> None:
        self._response = response
        self._items: queue.Queue[Sse | BaseException | None] = queue.Queue()
        self._thread = threading.Thread(target=self._read, args=(response,), daemon=True)
        self._thread.start()

    def _read(self, response: httpx.Response) -> None:
        current = Sse()
        data: list[str] = []
        try:
            for line in response.iter_lines():
                if line == "":
                    if data:
                        current.data = json.loads("\n".join(data))
                    if current != Sse():
                        self._items.put(current)
                    current, data = Sse(), []
                elif line.startswith(":"):
                    self._items.put(Sse(comment=line[1:].strip()))
                else:
                    name, _, value = line.partition(":")
                    value = value.removeprefix(" ")
                    if name == "data":
                        data.append(value)
                    elif name == "event":
                        current.event = value
                    elif name == "id":
                        current.id = value
                    elif name == "retry":
                        current.retry = int(value)
        except Exception as error:  # the test closed the stream (anyio, httpx or h11 error)
            self._items.put(error)
        finally:
            self._items.put(None)

    def stop(self) -> None:
        """Wake the reading thread of a real connection: shut its socket down.

        Closing an httpx response does not interrupt a ``recv`` blocked in another thread, so
        the reader would only notice at the next heartbeat. (TestClient responses have no
        socket: closing them is enough.)
        """
        stream = self._response.extensions.get("network_stream")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def join(self, timeout: float = 10.0) -> None:
        """Wait for the reading thread to end, once the response is closed."""
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "the event stream reader did not stop"

    def next(self, timeout: float = 10.0) -> Sse:
        """The next item; fails the test after ``timeout`` seconds or at the end of the stream."""
        try:
            item = self._items.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no server-sent event within {timeout} s") from None
        if item is None or isinstance(item, BaseException):
            raise AssertionError(f"the event stream ended: {item!r}")
        return item

    def next_event(self, timeout: float = 10.0) -> Sse:
        """The next event, skipping heartbeat comments."""
        return self.until(lambda item: item.event is not None, timeout)

    def until(self, predicate: Callable[[Sse], bool], timeout: float = 10.0) -> Sse:
        """The first item matching ``predicate``; those before it are skipped."""
        while True:
            item = self.next(timeout)
            if predicate(item):
                return item
