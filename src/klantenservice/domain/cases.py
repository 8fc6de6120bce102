"""Cases (zaak/ticket): the lifecycle every contact lives in.

    new ──► open ──► pending_customer ──► open ... ──► resolved ──► closed
      │       │  ◄──► pending_internal                   │  ▲
      └───────┴──────────────► resolved ◄────────────────┘  │ reopen (customer reply
                                                             │ within the reopen window)

Rules enforced here (and only here):
- a closed case is terminal: it is not assigned, re-prioritised or reopened; a customer who
  writes again gets a new case linked to it (``disposition_of_reply``);
- a resolved case reopens when the customer replies within ``reopen_window`` (default 7 days),
  later the reply opens a new linked case;
- a customer message on a case waiting for the customer brings it back to ``open``;
- merging keeps both histories: the source case is closed with ``merged_into`` set and keeps its
  own messages and events; the target records ``merged_from`` and takes the union of tags and the
  higher priority.

Every transition returns ``(new_case, events)``; the case itself is immutable.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from klantenservice.domain.errors import InvalidTransition, ValidationError
from klantenservice.domain.events import CaseEvent, CaseEventKind
from klantenservice.domain.vocabulary import (
    AgentId,
    CaseId,
    Channel,
    CustomerId,
    Language,
    Priority,
    QueueId,
)

MAX_TAGS = 30
MAX_SUBJECT_LENGTH = 300
MAX_TAG_LENGTH = 40
DEFAULT_REOPEN_WINDOW = timedelta(days=7)


class CaseStatus(StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING_CUSTOMER = "pending_customer"
    PENDING_INTERNAL = "pending_internal"
    RESOLVED = "resolved"
    CLOSED = "closed"


ACTIVE_STATUSES = frozenset({CaseStatus.NEW, CaseStatus.OPEN, CaseStatus.PENDING_INTERNAL})
"""Statuses in which a case occupies its assignee's capacity."""

ALLOWED_TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.NEW: frozenset(
        {
            CaseStatus.OPEN,
            CaseStatus.PENDING_CUSTOMER,
            CaseStatus.PENDING_INTERNAL,
            CaseStatus.RESOLVED,
        }
    ),
    CaseStatus.OPEN: frozenset(
        {CaseStatus.PENDING_CUSTOMER, CaseStatus.PENDING_INTERNAL, CaseStatus.RESOLVED}
    ),
    CaseStatus.PENDING_CUSTOMER: frozenset(
        {CaseStatus.OPEN, CaseStatus.PENDING_INTERNAL, CaseStatus.RESOLVED}
    ),
    CaseStatus.PENDING_INTERNAL: frozenset(
        {CaseStatus.OPEN, CaseStatus.PENDING_CUSTOMER, CaseStatus.RESOLVED}
    ),
    CaseStatus.RESOLVED: frozenset({CaseStatus.OPEN, CaseStatus.CLOSED}),
    CaseStatus.CLOSED: frozenset(),
}


class ReplyDisposition(StrEnum):
    APPEND = "append"  # the case is active or waiting: add the message to it
    REOPEN = "reopen"  # resolved within the window: reopen and add
    NEW_LINKED_CASE = "new_linked_case"  # closed, or resolved too long ago


Transition = tuple["Case", list[CaseEvent]]


def normalise_tag(raw: str) -> str:
    tag = raw.strip().lower()
    if not tag or len(tag) > MAX_TAG_LENGTH:
        raise ValidationError(f"tag must be 1..{MAX_TAG_LENGTH} characters, got {raw!r}")
    return tag


@dataclass(frozen=True, slots=True)
class Case:
    id: CaseId
    customer_id: CustomerId
    subject: str
    channel: Channel
    created_at: datetime
    status: CaseStatus = CaseStatus.NEW
    priority: Priority = Priority.NORMAL
    language: Language = Language.NL
    segment: str = "retail"
    category: str | None = None
    queue_id: QueueId | None = None
    assignee_id: AgentId | None = None
    tags: frozenset[str] = field(default_factory=frozenset)
    required_skills: frozenset[str] = field(default_factory=frozenset)
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    merged_into: CaseId | None = None
    linked_to: CaseId | None = None
    waiting_since: datetime | None = None  # when it last entered a queue without an assignee
    # When the customer's oldest unanswered message arrived; None once an agent replied (or
    # when unknown, e.g. after a merge). A customer message while this is set moves no
    # promise clock (see ``promises.customer_message_moves_clocks``).
    awaiting_reply_since: datetime | None = None

    @property
    def reference(self) -> str:
        """The reference customers quote and subjects carry, e.g. ``KS-000123``."""
        return format_reference(self.id)

    # -- lifecycle -------------------------------------------------------------------------
    def change_status(self, to: CaseStatus, *, at: datetime) -> Transition:
        if to is self.status:
            return self, []
        if to not in ALLOWED_TRANSITIONS[self.status]:
            raise InvalidTransition(self._transition_message(to))
        changed = replace(
            self,
            status=to,
            resolved_at=at if to is CaseStatus.RESOLVED else self.resolved_at,
            closed_at=at if to is CaseStatus.CLOSED else self.closed_at,
        )
        event = _event(CaseEventKind.STATUS_CHANGED, at, **{"from": self.status, "to": to})
        return changed, [event]

    def _transition_message(self, to: CaseStatus) -> str:
        allowed = sorted(s.value for s in ALLOWED_TRANSITIONS[self.status])
        hint = f"; allowed: {', '.join(allowed)}" if allowed else "; a closed case is final"
        return f"case {self.reference} cannot go from {self.status.value} to {to.value}{hint}"

    def reopen(self, *, at: datetime) -> Transition:
        if self.status is not CaseStatus.RESOLVED:
            raise InvalidTransition(
                f"only a resolved case can be reopened; {self.reference} is {self.status.value}"
            )
        changed, events = self.change_status(CaseStatus.OPEN, at=at)
        changed = replace(changed, resolved_at=None)
        return changed, [_event(CaseEventKind.REOPENED, at), *events]

    def disposition_of_reply(
        self, *, at: datetime, reopen_window: timedelta = DEFAULT_REOPEN_WINDOW
    ) -> ReplyDisposition:
        """What a new customer message on this case should do (the reopen rule)."""
        if self.status is CaseStatus.CLOSED:
            return ReplyDisposition.NEW_LINKED_CASE
        if self.status is CaseStatus.RESOLVED:
            resolved_at = self.resolved_at or at
            within = at - resolved_at <= reopen_window
            return ReplyDisposition.REOPEN if within else ReplyDisposition.NEW_LINKED_CASE
        return ReplyDisposition.APPEND

    def record_customer_message(self, *, at: datetime, message_id: int) -> Transition:
        """A customer wrote on this (active or waiting) case."""
        if self.status in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
            raise InvalidTransition(
                f"case {self.reference} is {self.status.value}; reopen it or open a linked case"
            )
        events = [_event(CaseEventKind.CUSTOMER_MESSAGE, at, message_id=message_id)]
        case = self
        if self.awaiting_reply_since is None:
            case = replace(self, awaiting_reply_since=at)
        if self.status is CaseStatus.PENDING_CUSTOMER:
            case, status_events = case.change_status(CaseStatus.OPEN, at=at)
            events.extend(status_events)
        return case, events

    def record_agent_reply(
        self, *, at: datetime, message_id: int, agent_id: AgentId | None
    ) -> Transition:
        """A public answer by an agent: stops response clocks, and a new case becomes open."""
        self._require_not_final("reply on")
        events = [_event(CaseEventKind.AGENT_REPLY, at, message_id=message_id, agent_id=agent_id)]
        case = replace(self, awaiting_reply_since=None)
        if self.status is CaseStatus.NEW:
            case, status_events = case.change_status(CaseStatus.OPEN, at=at)
            events.extend(status_events)
        return case, events

    def record_contact(self, *, at: datetime, agent_id: AgentId | None, via: str) -> Transition:
        """An agent reached the customer by voice (``via``: a call answered, a call-back made):
        the first human contact, like a first reply; a written reply is still owed if the
        customer wrote (``awaiting_reply_since`` stays)."""
        self._require_not_final("record a contact on")
        events = [_event(CaseEventKind.CONTACTED, at, agent_id=agent_id, via=via)]
        case = self
        if self.status is CaseStatus.NEW:
            case, status_events = case.change_status(CaseStatus.OPEN, at=at)
            events.extend(status_events)
        return case, events

    def record_internal_note(
        self, *, at: datetime, message_id: int, agent_id: AgentId
    ) -> Transition:
        if self.status is CaseStatus.CLOSED:
            raise InvalidTransition(f"case {self.reference} is closed; notes cannot be added")
        return self, [
            _event(CaseEventKind.INTERNAL_NOTE, at, message_id=message_id, agent_id=agent_id)
        ]

    # -- assignment ------------------------------------------------------------------------
    def assign(self, agent_id: AgentId, *, at: datetime) -> Transition:
        self._require_not_final("assign")
        if self.assignee_id == agent_id:
            return self, []
        events = []
        if self.assignee_id is not None:
            events.append(_event(CaseEventKind.UNASSIGNED, at, agent_id=self.assignee_id))
        events.append(_event(CaseEventKind.ASSIGNED, at, agent_id=agent_id))
        return replace(self, assignee_id=agent_id, waiting_since=None), events

    def unassign(self, *, at: datetime) -> Transition:
        if self.assignee_id is None:
            return self, []
        event = _event(CaseEventKind.UNASSIGNED, at, agent_id=self.assignee_id)
        waiting = at if self.status is not CaseStatus.CLOSED else None
        return replace(self, assignee_id=None, waiting_since=waiting), [event]

    def move_to_queue(self, queue_id: QueueId, *, at: datetime) -> Transition:
        self._require_not_final("move")
        if queue_id == self.queue_id:
            return self, []
        event = _event(CaseEventKind.QUEUE_CHANGED, at, **{"from": self.queue_id, "to": queue_id})
        return replace(self, queue_id=queue_id), [event]

    # -- attributes ------------------------------------------------------------------------
    def change_priority(self, priority: Priority, *, at: datetime) -> Transition:
        self._require_not_final("re-prioritise")
        if priority is self.priority:
            return self, []
        event = _event(
            CaseEventKind.PRIORITY_CHANGED,
            at,
            **{"from": self.priority.label, "to": priority.label},
        )
        return replace(self, priority=priority), [event]

    def categorise(self, category: str | None, *, at: datetime) -> Transition:
        self._require_not_final("categorise")
        if category == self.category:
            return self, []
        event = _event(
            CaseEventKind.CATEGORY_CHANGED, at, **{"from": self.category, "to": category}
        )
        return replace(self, category=category), [event]

    def add_tags(self, tags: set[str] | frozenset[str], *, at: datetime) -> Transition:
        new = frozenset(normalise_tag(t) for t in tags) - self.tags
        if not new:
            return self, []
        if len(self.tags) + len(new) > MAX_TAGS:
            raise ValidationError(f"a case carries at most {MAX_TAGS} tags")
        return replace(self, tags=self.tags | new), [
            _event(CaseEventKind.TAGGED, at, tags=sorted(new))
        ]

    def remove_tags(self, tags: set[str] | frozenset[str], *, at: datetime) -> Transition:
        gone = frozenset(normalise_tag(t) for t in tags) & self.tags
        if not gone:
            return self, []
        return replace(self, tags=self.tags - gone), [
            _event(CaseEventKind.UNTAGGED, at, tags=sorted(gone))
        ]

    def _require_not_final(self, verb: str) -> None:
        if self.status is CaseStatus.CLOSED:
            raise InvalidTransition(f"cannot {verb} case {self.reference}: it is closed")


def open_case(
    *,
    customer_id: CustomerId,
    subject: str,
    channel: Channel,
    at: datetime,
    priority: Priority = Priority.NORMAL,
    language: Language = Language.NL,
    segment: str = "retail",
    queue_id: QueueId | None = None,
    category: str | None = None,
    required_skills: frozenset[str] = frozenset(),
    linked_to: CaseId | None = None,
) -> Transition:
    """A new case (id 0 until stored) and its CREATED event, which starts the promise clocks."""
    subject = " ".join(subject.split())[:MAX_SUBJECT_LENGTH] or "(no subject)"
    case = Case(
        id=CaseId(0),
        customer_id=customer_id,
        subject=subject,
        channel=channel,
        created_at=at,
        priority=priority,
        language=language,
        segment=segment,
        queue_id=queue_id,
        category=category,
        required_skills=required_skills,
        linked_to=linked_to,
        waiting_since=at,
    )
    data: dict[str, Any] = {"channel": channel, "priority": priority.label}
    if linked_to is not None:
        data["linked_to"] = linked_to
    return case, [_event(CaseEventKind.CREATED, at, **data)]


def format_reference(case_id: int) -> str:
    return f"KS-{case_id:06d}"


def parse_reference(text: str) -> CaseId | None:
    """``KS-000123`` (any case, optional zero padding) → 123; anything else → None."""
    cleaned = text.strip().upper()
    if not cleaned.startswith("KS-") or not cleaned[3:].isdigit():
        return None
    return CaseId(int(cleaned[3:]))


def merge_cases(target: Case, source: Case, *, at: datetime) -> tuple[Transition, Transition]:
    """Merge ``source`` into ``target``; both histories stay, the source is closed.

    Only cases of the same customer merge (a merge must never show one customer another's
    messages), and neither may be closed.
    """
    if target.id == source.id:
        raise InvalidTransition("a case cannot be merged into itself")
    if target.customer_id != source.customer_id:
        raise InvalidTransition(
            f"{source.reference} and {target.reference} belong to different customers"
        )
    for case in (target, source):
        case._require_not_final("merge")
    merged_source = replace(
        source, status=CaseStatus.CLOSED, closed_at=at, merged_into=target.id, assignee_id=None
    )
    source_events = [
        _event(CaseEventKind.MERGED_INTO, at, case_id=target.id),
        _event(
            CaseEventKind.STATUS_CHANGED, at, **{"from": source.status, "to": CaseStatus.CLOSED}
        ),
    ]
    merged_target = replace(
        target,
        tags=target.tags | source.tags,
        priority=max(target.priority, source.priority),
        required_skills=target.required_skills | source.required_skills,
        awaiting_reply_since=None,  # two histories now: the next message recomputes the clocks
    )
    target_events = [_event(CaseEventKind.MERGED_FROM, at, case_id=source.id)]
    return (merged_target, target_events), (merged_source, source_events)


def _event(kind: CaseEventKind, at: datetime, **data: Any) -> CaseEvent:
    clean = {k: (v.value if isinstance(v, StrEnum) else v) for k, v in data.items()}
    return CaseEvent(kind=kind, at=at, data=clean)
