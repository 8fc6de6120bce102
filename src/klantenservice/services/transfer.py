"""Transferring a case: to another queue (back in line there) or to a colleague, with a note.

One transaction, so a hand-over is never half done: the queue move or the release, the new
assignment, the note for the colleague (an internal note on the case) and their audit rows and
outbox events commit together or not at all.

    to a queue      the case moves to the queue and is released (``case.transferred``); it
                    waits there for routing or "Next case", its promise clocks keep running
    to an agent     optionally another queue too; then assigned (``case.assigned``), with the
                    agent's capacity checked; giving work to someone else needs
                    ``case_assign_others`` (a supervisor), as in ``cases.assign_case``
    the note        stored as an internal note by the actor (``note.added``): the colleague
                    reads why the case came to them on the case itself

The actor must be allowed to work on the case: it is theirs or nobody's, or they supervise
(``access.get_case_to_work_on``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from klantenservice.domain.cases import Case
from klantenservice.domain.errors import NotFound, PermissionDenied, ValidationError
from klantenservice.domain.events import CaseEvent
from klantenservice.domain.messages import check_body
from klantenservice.domain.permissions import Permission, permission_to_assign
from klantenservice.domain.vocabulary import AgentId, CaseId, Channel, QueueId
from klantenservice.services import access
from klantenservice.services.assignment import apply_assignment
from klantenservice.services.cases import save_change
from klantenservice.services.messages import store_agent_message
from klantenservice.services.ports import Actor, UnitOfWork
from klantenservice.services.promises import refresh_projection


@dataclass(frozen=True, slots=True)
class Transfer:
    """Where the case goes: a queue, an agent, or both; ``note`` may be empty."""

    queue_id: QueueId | None = None
    agent_id: AgentId | None = None
    note: str = ""


def transfer_case(
    uow: UnitOfWork, *, actor: Actor, case_id: CaseId, transfer: Transfer, now: datetime
) -> Case:
    """Hand the case over as ``transfer`` says; refuses a transfer that changes nothing."""
    _check_allowed(actor, transfer)
    with uow:
        case = access.get_case_to_work_on(uow, actor, case_id, permission=Permission.CASE_WRITE)
        if transfer.queue_id is not None and uow.directory.get_queue(transfer.queue_id) is None:
            raise NotFound(f"no queue with id {transfer.queue_id}")
        moved, events = _move(case, transfer, now)
        if not events and transfer.agent_id in (None, case.assignee_id):
            raise ValidationError(
                "nothing to transfer: choose another queue or another agent than the case has"
            )
        details = {
            "from_queue_id": case.queue_id,
            "queue_id": moved.queue_id,
            "from_agent_id": case.assignee_id,
            "agent_id": transfer.agent_id,
        }
        if events:
            save_change(
                uow, actor, moved, events, action="case.transferred", now=now, details=details
            )
        else:  # only a new assignee: audited as a transfer here, and as case.assigned below
            uow.audit.record(
                actor=actor,
                action="case.transferred",
                subject_type="case",
                subject_id=case.id,
                at=now,
                details=details,
            )
        if transfer.agent_id is not None:
            reasons = (f"transferred by {actor.label}",)
            moved = apply_assignment(uow, actor, moved, transfer.agent_id, now=now, reasons=reasons)
        if transfer.note.strip():
            moved, _note = store_agent_message(
                uow,
                actor=actor,
                case=moved,
                body=transfer.note,
                now=now,
                channel=Channel.INTERNAL_NOTE,
                action="note.added",
            )
        refresh_projection(uow, moved, now)
        uow.commit()
        return moved


def _check_allowed(actor: Actor, transfer: Transfer) -> None:
    """Role checks before anything is read; the note is checked as any message body."""
    access.check(actor, Permission.CASE_WRITE)
    if transfer.agent_id is not None:
        access.check(actor, permission_to_assign(to_self=transfer.agent_id == actor.agent_id))
    if transfer.note.strip():
        if actor.agent_id is None:
            raise PermissionDenied(
                "only agents write notes; this account has no agent profile (leave the note out)"
            )
        access.check(actor, Permission.MESSAGE_WRITE)
        check_body(transfer.note)


def _move(case: Case, transfer: Transfer, now: datetime) -> tuple[Case, list[CaseEvent]]:
    """The queue change, and the release when no agent is named: (case, events)."""
    events: list[CaseEvent] = []
    moved = case
    if transfer.queue_id is not None:
        moved, more = moved.move_to_queue(transfer.queue_id, at=now)
        events.extend(more)
    if transfer.agent_id is None:
        moved, more = moved.unassign(at=now)
        events.extend(more)
    return moved, events
