"""What the phone use cases need from the store: the ``CallRepository`` port.

Kept apart from ``ports.py`` (like ``chat_ports.py``) so call storage can grow without touching
the core ports; ``ports.UnitOfWork.calls`` is of this type and
``adapters/db/repositories/calls.py`` implements it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from klantenservice.domain.calls import CallRecord


class CallRepository(Protocol):
    def add_if_new(self, record: CallRecord) -> bool:
        """Insert unless a call with this CallSid exists (a concurrent retry): inserted?"""
        ...

    def get(self, call_sid: str, *, for_update: bool = False) -> CallRecord | None: ...
    def update(self, record: CallRecord) -> None: ...
    def started_between(self, start: datetime, end: datetime) -> list[CallRecord]: ...
    def next_waiting(self, queues: frozenset[str] | None) -> CallRecord | None:
        """The waiting call to answer first: highest priority, then longest waiting."""
        ...
