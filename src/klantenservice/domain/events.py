"""Case history events: the facts from which a case's timeline and its promise clocks are derived.

A case's history is an append-only list of ``CaseEvent``. Nothing about a promise clock is
stored as mutable state: ``domain/promises.py`` recomputes every clock from this history, so
the system can always say when a promise will breach and why it breached. The same events are
what the service layer puts in the outbox for other parts of the system (workers, browsers).

Which kinds start, stop and pause which clock:

    CREATED                  starts first-response and resolution clocks
    CUSTOMER_MESSAGE         starts a next-response clock once an agent has answered before
    AGENT_REPLY              stops first-response / next-response clocks (public replies only)
    CONTACTED                an agent reached the customer by voice (call answered, call-back
                             made): stops the first-response clock like a first reply
    STATUS_CHANGED           to pending_customer pauses; leaving it resumes; resolved/closed stops
    PRIORITY_CHANGED         re-targets the clocks (the policy of the new priority applies)
    ASSIGNED / UNASSIGNED, TAGGED, MERGED_INTO, MERGED_FROM, ...   timeline only
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class CaseEventKind(StrEnum):
    CREATED = "created"
    CUSTOMER_MESSAGE = "customer_message"
    AGENT_REPLY = "agent_reply"
    CONTACTED = "contacted"
    INTERNAL_NOTE = "internal_note"
    STATUS_CHANGED = "status_changed"
    PRIORITY_CHANGED = "priority_changed"
    ASSIGNED = "assigned"
    UNASSIGNED = "unassigned"
    QUEUE_CHANGED = "queue_changed"
    CATEGORY_CHANGED = "category_changed"
    TAGGED = "tagged"
    UNTAGGED = "untagged"
    REOPENED = "reopened"
    LINKED = "linked"
    MERGED_INTO = "merged_into"
    MERGED_FROM = "merged_from"


@dataclass(frozen=True, slots=True)
class CaseEvent:
    """One fact in a case's history. ``data`` holds small JSON-safe values (no message bodies)."""

    kind: CaseEventKind
    at: datetime
    data: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("case events carry tz-aware UTC times")


@dataclass(frozen=True, slots=True)
class DomainEvent:
    """Something other parts of the system may want to hear about, sent via the outbox.

    ``topic`` is dotted (``case.assigned``); ``payload`` is JSON-safe and carries ids, never
    message bodies or personal numbers (DESIGN.md convention 16).
    """

    topic: str
    payload: Mapping[str, Any]
    at: datetime
