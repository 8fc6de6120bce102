"""Cases, their promise clocks and their history."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import Field

from klantenservice.domain.cases import Case, CaseStatus
from klantenservice.domain.events import CaseEvent
from klantenservice.domain.promises import ClockState, PromiseClock, PromiseKind
from klantenservice.domain.vocabulary import Channel, Language
from klantenservice.services.cases import CaseView
from klantenservice.services.promises import PromiseStatus
from klantenservice.web.schemas.common import PriorityName, RequestModel, ResponseModel

Tag = str


def _seconds(span: timedelta) -> int:
    return int(span.total_seconds())


class CaseOut(ResponseModel):
    id: int
    reference: str
    customer_id: int
    subject: str
    channel: Channel
    status: CaseStatus
    priority: PriorityName
    language: Language
    segment: str
    category: str | None
    queue_id: int | None
    assignee_id: int | None
    tags: list[str]
    required_skills: list[str]
    created_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    merged_into: int | None
    linked_to: int | None
    waiting_since: datetime | None

    @classmethod
    def fields_of(cls, case: Case) -> dict[str, Any]:
        return {
            "id": case.id,
            "reference": case.reference,
            "customer_id": case.customer_id,
            "subject": case.subject,
            "channel": case.channel,
            "status": case.status,
            "priority": case.priority.label,
            "language": case.language,
            "segment": case.segment,
            "category": case.category,
            "queue_id": case.queue_id,
            "assignee_id": case.assignee_id,
            "tags": sorted(case.tags),
            "required_skills": sorted(case.required_skills),
            "created_at": case.created_at,
            "resolved_at": case.resolved_at,
            "closed_at": case.closed_at,
            "merged_into": case.merged_into,
            "linked_to": case.linked_to,
            "waiting_since": case.waiting_since,
        }

    @classmethod
    def of(cls, case: Case) -> CaseOut:
        return cls(**cls.fields_of(case))


class ClockOut(ResponseModel):
    """One promise clock; durations are working seconds on the queue's calendar."""

    kind: PromiseKind
    state: ClockState
    target_seconds: int
    elapsed_seconds: int
    remaining_seconds: int
    started_at: datetime | None
    due_at: datetime | None
    warn_at: datetime | None
    met_at: datetime | None
    breached_at: datetime | None
    explanation: list[str]
    breach_reason: str | None
    earlier_breaches: int

    @classmethod
    def of(cls, clock: PromiseClock) -> ClockOut:
        return cls(
            kind=clock.kind,
            state=clock.state,
            target_seconds=_seconds(clock.target),
            elapsed_seconds=_seconds(clock.elapsed),
            remaining_seconds=_seconds(clock.remaining),
            started_at=clock.started_at,
            due_at=clock.due_at,
            warn_at=clock.warn_at,
            met_at=clock.met_at,
            breached_at=clock.breached_at,
            explanation=list(clock.explanation),
            breach_reason=clock.breach_reason,
            earlier_breaches=clock.earlier_breaches,
        )


class PromisesOut(ResponseModel):
    """The case's promises: which policy and calendar apply, and each clock (none: no policy)."""

    policy: str | None
    calendar: str | None
    next_due_at: datetime | None
    worst_state: str | None
    clocks: list[ClockOut]

    @classmethod
    def of(cls, status: PromiseStatus) -> PromisesOut:
        return cls(
            policy=None if status.policy is None else status.policy.name,
            calendar=status.calendar,
            next_due_at=status.next_due_at,
            worst_state=status.worst_state,
            clocks=[ClockOut.of(c) for c in status.clocks],
        )


class CaseDetailOut(CaseOut):
    merged_from: list[int]
    promises: PromisesOut

    @classmethod
    def of_view(cls, view: CaseView) -> CaseDetailOut:
        return cls(
            **CaseOut.fields_of(view.case),
            merged_from=sorted(view.merged_from),
            promises=PromisesOut.of(view.promises),
        )


class CaseIn(RequestModel):
    """A case opened by staff for a customer (a call, a visit); clocks start now."""

    customer_id: int
    subject: str = Field(min_length=1, max_length=300)
    channel: Channel
    priority: PriorityName = "normal"
    language: Language | None = None
    queue_id: int | None = None
    category: str | None = Field(default=None, max_length=100)
    tags: list[Tag] = Field(default_factory=list, max_length=30)
    required_skills: list[str] = Field(default_factory=list, max_length=20)
    assign_to_me: bool = False


class CasePatch(RequestModel):
    """Changes applied in this order, each as its own audited step: attributes (category,
    tags, queue), then priority, then status. A refused step stops the rest."""

    status: CaseStatus | None = None
    priority: PriorityName | None = None
    category: str | None = Field(default=None, max_length=100)
    add_tags: list[Tag] = Field(default_factory=list, max_length=30)
    remove_tags: list[Tag] = Field(default_factory=list, max_length=30)
    queue_id: int | None = None


class AssignIn(RequestModel):
    agent_id: int
    override_capacity: bool = False


class MergeIn(RequestModel):
    source_id: int = Field(description="the case merged into (and closed by) this one")


class NextCaseOut(ResponseModel):
    case: CaseOut
    reasons: list[str]


class EventOut(ResponseModel):
    kind: str
    at: datetime
    data: dict[str, Any]

    @classmethod
    def of(cls, event: CaseEvent) -> EventOut:
        return cls(kind=event.kind.value, at=event.at, data=dict(event.data))
