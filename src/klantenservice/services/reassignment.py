"""A supervisor reassigns a case: to another agent or to another queue, saying why.

One transaction: the move, its audit rows and outbox events commit together or not at all.

    to an agent   assigned as ``cases.assign_case`` does (``case.assigned``), the agent's
                  capacity checked unless the supervisor explicitly goes beyond it
    to a queue    the case moves there and is released (``case.transferred``, as a transfer
                  by its agent): it waits in the new queue for routing or "Next case"

The reason is required and is recorded in the audit trail (``case.reassigned``, with where
the case came from and went to), not in the outbox: it is free text a person typed and may
name the customer, while outbox payloads leave the system (webhooks) and carry ids only.
Only ``case_assign_others`` may reassign (supervisors, administrators): taking or handing on
one's own case is "Next case" and the transfer on the case page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from klantenservice.domain.cases import Case
from klantenservice.domain.errors import Conflict, NotFound, ValidationError
from klantenservice.domain.permissions import Permission
from klantenservice.domain.vocabulary import AgentId, CaseId, QueueId
from klantenservice.services import access
from klantenservice.services.assignment import apply_assignment
from klantenservice.services.cases import save_change
from klantenservice.services.ports import Actor, UnitOfWork
from klantenservice.services.promises import refresh_projection

MAX_REASON = 500


@dataclass(frozen=True, slots=True)
class Reassignment:
    """Exactly one of ``agent_id`` and ``queue_id``; ``reason`` says why (1-500 characters)."""

    reason: str
    agent_id: AgentId | None = None
    queue_id: QueueId | None = None
    beyond_capacity: bool = False  # assign even when the agent has no free slot

    def __post_init__(self) -> None:
        if (self.agent_id is None) == (self.queue_id is None):
            raise ValidationError("reassign to an agent or to a queue: choose exactly one")
        reason = self.reason.strip()
        if not reason or len(reason) > MAX_REASON:
            raise ValidationError(
                f"reason: say why the case is reassigned (1 to {MAX_REASON} characters)"
            )
        if any(ord(ch) < 32 and ch not in "\n\t" for ch in reason):
            raise ValidationError("reason: control characters are not allowed")
        object.__setattr__(self, "reason", reason)


def reassign_case(
    uow: UnitOfWork, *, actor: Actor, case_id: CaseId, change: Reassignment, now: datetime
) -> Case:
    """Move the case as ``change`` says; refuses a move that changes nothing (409)."""
    access.check(actor, Permission.CASE_ASSIGN_OTHERS)
    with uow:
        case = access.get_case_for(
            uow, actor, case_id, permission=Permission.CASE_ASSIGN, for_update=True
        )
        if change.agent_id is not None:
            moved = _to_agent(uow, actor, case, change.agent_id, change, now)
        else:
            assert change.queue_id is not None
            moved = _to_queue(uow, actor, case, change.queue_id, now)
        uow.audit.record(
            actor=actor,
            action="case.reassigned",
            subject_type="case",
            subject_id=case.id,
            at=now,
            details={
                "reason": change.reason,
                "from_agent_id": case.assignee_id,
                "agent_id": moved.assignee_id,
                "from_queue_id": case.queue_id,
                "queue_id": moved.queue_id,
            },
        )
        refresh_projection(uow, moved, now)
        uow.commit()
        return moved


def _to_agent(
    uow: UnitOfWork,
    actor: Actor,
    case: Case,
    agent_id: AgentId,
    change: Reassignment,
    now: datetime,
) -> Case:
    if case.assignee_id == agent_id:
        raise Conflict(f"case {case.reference} is already assigned to that agent; nothing changed")
    return apply_assignment(
        uow,
        actor,
        case,
        agent_id,
        now=now,
        reasons=(f"reassigned by {actor.label}",),
        enforce_capacity=not change.beyond_capacity,
    )


def _to_queue(uow: UnitOfWork, actor: Actor, case: Case, queue_id: QueueId, now: datetime) -> Case:
    if uow.directory.get_queue(queue_id) is None:
        raise NotFound(f"no queue with id {queue_id}")
    moved, events = case.move_to_queue(queue_id, at=now)
    moved, released = moved.unassign(at=now)
    events.extend(released)
    if not events:
        raise Conflict(f"case {case.reference} already waits in that queue; nothing changed")
    details = {
        "from_queue_id": case.queue_id,
        "queue_id": queue_id,
        "from_agent_id": case.assignee_id,
        "agent_id": None,
    }
    save_change(uow, actor, moved, events, action="case.transferred", now=now, details=details)
    return moved
