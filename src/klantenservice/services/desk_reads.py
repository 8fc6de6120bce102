"""Read ports of the desk's list screens: the inbox page and the supervisor's board.

A list screen must cost the same few queries whatever the number of rows on it and in the
store (docs/subsystems/desk.md, "Benchmark"). So these ports hand over a whole page, or a
whole board, per call, each answered by a fixed number of indexed queries
(``adapters/db/repositories/inbox.py``, ``supervision.py``); the services only combine and
decide. Implemented on the unit of work as ``uow.inbox`` and ``uow.supervision``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from klantenservice.domain.cases import Case
from klantenservice.domain.events import CaseEvent
from klantenservice.domain.supervision import QueueLoad
from klantenservice.domain.vocabulary import AgentId, CaseId, Channel, CustomerId


@dataclass(frozen=True, slots=True)
class InboxSlice:
    """One keyset page of cases with what each row shows beside the case itself.

    ``histories`` holds each case's own events and those of the cases merged into it, oldest
    first: what ``services/promises.evaluate`` needs to put the clocks at "now".
    """

    cases: Sequence[Case]
    customer_names: Mapping[CustomerId, str]
    histories: Mapping[CaseId, Sequence[CaseEvent]]
    next_after: int | None


class InboxReads(Protocol):
    def page(self, *, after: int, limit: int, filters: Mapping[str, Any]) -> InboxSlice:
        """Cases after ``after`` in id order matching ``filters`` (``CaseFilters.as_mapping``)."""
        ...


@dataclass(frozen=True, slots=True)
class AgentLoad:
    """An agent's open work: per channel what counts against capacity, and all open cases."""

    load: Mapping[Channel, int]
    open_cases: int


@dataclass(frozen=True, slots=True)
class WatchedCase:
    """A case a supervisor should look at: waiting longest, or its promise at risk/breached."""

    case: Case
    promise_state: str | None
    promise_due_at: datetime | None


class SupervisionReads(Protocol):
    def queue_loads(self) -> list[QueueLoad]:
        """Per queue: waiting cases, the oldest wait, promises at risk and breached (open work)."""
        ...

    def agent_loads(self, agent_ids: Sequence[AgentId]) -> dict[AgentId, AgentLoad]:
        """Open work per agent (agents without any are left out)."""
        ...

    def watch_list(self, *, limit: int) -> list[WatchedCase]:
        """Open cases with a promise breached or at risk, then the longest waiting."""
        ...
