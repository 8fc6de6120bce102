"""The case page's timeline: messages on every channel and what happened to the case, in order.

Two scopes:

    case       this case and the cases merged into it: every message (the newest
               ``TIMELINE_MESSAGES``, older ones on request) and the case's own events
               (opened, assigned, status, priority, queue, tags, merged, reopened)
    customer   the same, plus the messages of the customer's other recent cases
               (``CUSTOMER_CASES``): the customer's whole story across channels and cases

A message or event of another case than the one shown carries that case's reference, so an
agent always sees where it came from. Message bodies are never interpreted: the desk renders
them as text. Reading the timeline is part of the audited case read (``case_view.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from klantenservice.domain.cases import Case, format_reference
from klantenservice.domain.events import CaseEvent, CaseEventKind
from klantenservice.domain.messages import Message
from klantenservice.domain.vocabulary import AgentId, CaseId, Channel, MessageId, QueueId
from klantenservice.services.attachment_ports import StoredAttachment
from klantenservice.services.ports import UnitOfWork

TIMELINE_MESSAGES = 100
CUSTOMER_CASES = 50

_MESSAGE_EVENTS = frozenset(
    {CaseEventKind.CUSTOMER_MESSAGE, CaseEventKind.AGENT_REPLY, CaseEventKind.INTERNAL_NOTE}
)


class TimelineScope(StrEnum):
    CASE = "case"
    CUSTOMER = "customer"


@dataclass(frozen=True, slots=True)
class TimelineMessage:
    message: Message
    author: str | None  # the agent's name for agent messages, else None
    other_case: str | None  # the reference when the message belongs to another case
    attachments: tuple[StoredAttachment, ...] = ()  # what the customer attached (e-mail)

    @property
    def at(self) -> datetime:
        return self.message.created_at


@dataclass(frozen=True, slots=True)
class TimelineActivity:
    """One event of the case, with ids resolved to what a person reads (names, references)."""

    at: datetime
    kind: CaseEventKind
    other_case: str | None  # the reference when the event belongs to a merged case
    agent: str | None = None  # assigned / unassigned: whom
    before: str | None = None  # status, priority, queue, category: from ...
    after: str | None = None  # ... to
    tags: tuple[str, ...] = ()
    related_case: str | None = None  # merged into / from, linked to: that case's reference


TimelineItem = TimelineMessage | TimelineActivity


@dataclass(frozen=True, slots=True)
class Timeline:
    items: tuple[TimelineItem, ...]
    earlier_before: int | None  # pass as ``before`` for older messages; None: all shown
    scope: TimelineScope


@dataclass(frozen=True, slots=True)
class Names:
    """Names of agents and queues, to show instead of ids."""

    agents: Mapping[AgentId, str]
    queues: Mapping[QueueId, str]

    def agent(self, agent_id: object) -> str | None:
        return None if agent_id is None else self.agents.get(AgentId(int(str(agent_id))), "?")

    def queue(self, queue_id: object) -> str | None:
        return None if queue_id is None else self.queues.get(QueueId(int(str(queue_id))), "?")


def case_histories(uow: UnitOfWork, case_ids: Sequence[CaseId]) -> dict[CaseId, list[CaseEvent]]:
    """Each case's events (one query per case: events do not carry their case id)."""
    return {case_id: uow.cases.history([case_id]) for case_id in case_ids}


def build_timeline(
    uow: UnitOfWork,
    case: Case,
    histories: Mapping[CaseId, Sequence[CaseEvent]],
    names: Names,
    *,
    scope: TimelineScope,
    customer_cases: Sequence[Case],
    before: int | None,
) -> Timeline:
    """Messages of the scope and the case's events, oldest first."""
    case_ids = list(histories)
    if scope is TimelineScope.CUSTOMER:
        case_ids += [c.id for c in customer_cases if c.id not in histories]
    page = uow.messages.recent_for_cases(case_ids, before=before, limit=TIMELINE_MESSAGES)
    messages: list[Message] = list(page.items)
    attached = _attachments(uow, messages)
    items: list[TimelineItem] = [
        TimelineMessage(
            m, names.agent(m.author_agent_id), _other(case, m.case_id), attached.get(m.id, ())
        )
        for m in messages
    ]
    if before is None:  # events belong to the newest page; older pages add messages only
        oldest = messages[0].created_at if messages and page.next_after is not None else None
        items += [
            activity
            for case_id, events in histories.items()
            for event in events
            if event.kind not in _MESSAGE_EVENTS and (oldest is None or event.at >= oldest)
            for activity in (_activity(event, _other(case, case_id), names),)
        ]
    items.sort(key=lambda item: (item.at, isinstance(item, TimelineMessage)))
    return Timeline(tuple(items), page.next_after, scope)


def _attachments(
    uow: UnitOfWork, messages: Sequence[Message]
) -> dict[MessageId | None, tuple[StoredAttachment, ...]]:
    """The attachments of the page's e-mails: one query, and none on a page without e-mail."""
    ids = [m.id for m in messages if m.channel is Channel.EMAIL and m.id is not None]
    found: dict[MessageId | None, tuple[StoredAttachment, ...]] = {}
    for item in uow.attachments.for_messages(ids) if ids else ():
        found[item.message_id] = (*found.get(item.message_id, ()), item)
    return found


def _other(case: Case, case_id: CaseId) -> str | None:
    return None if case_id == case.id else format_reference(case_id)


def _reference(value: object) -> str | None:
    return None if value is None else format_reference(int(str(value)))


_CHANGES = frozenset(
    {CaseEventKind.STATUS_CHANGED, CaseEventKind.PRIORITY_CHANGED, CaseEventKind.CATEGORY_CHANGED}
)


def _activity(event: CaseEvent, other_case: str | None, names: Names) -> TimelineActivity:
    data, kind = event.data, event.kind
    values: dict[str, Any] = {}
    if kind in (CaseEventKind.ASSIGNED, CaseEventKind.UNASSIGNED):
        values = {"agent": names.agent(data.get("agent_id"))}
    elif kind is CaseEventKind.QUEUE_CHANGED:
        values = {"before": names.queue(data.get("from")), "after": names.queue(data.get("to"))}
    elif kind in _CHANGES:
        values = {"before": _text(data.get("from")), "after": _text(data.get("to"))}
    elif kind in (CaseEventKind.TAGGED, CaseEventKind.UNTAGGED):
        values = {"tags": tuple(str(t) for t in data.get("tags", ()))}
    elif kind in (CaseEventKind.MERGED_INTO, CaseEventKind.MERGED_FROM):
        values = {"related_case": _reference(data.get("case_id"))}
    elif kind in (CaseEventKind.CREATED, CaseEventKind.LINKED):
        values = {
            "after": _text(data.get("channel")),
            "related_case": _reference(data.get("linked_to")),
        }
    return replace(TimelineActivity(event.at, kind, other_case), **values)


def _text(value: object) -> str | None:
    return None if value is None else str(value)
