"""Case use cases: each public function is one transaction (audit and outbox in the commit).

The domain (``domain/cases.py``) decides every transition; these functions fetch through
``access``, persist the result, write the audit row and the outbox event, and refresh the
promise projection, then commit. Status, priority and attribute changes need the case to be
the actor's own or nobody's, unless the actor supervises (``access.get_case_to_work_on``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from klantenservice.domain import cases as case_rules
from klantenservice.domain.cases import Case, CaseStatus
from klantenservice.domain.emergency import may_end_case
from klantenservice.domain.errors import Conflict, NotFound, PermissionDenied, ValidationError
from klantenservice.domain.events import CaseEvent, DomainEvent
from klantenservice.domain.permissions import Permission, permission_to_assign
from klantenservice.domain.routing import RoutingPolicy, next_case_for
from klantenservice.domain.vocabulary import AgentId, CaseId, Priority, QueueId, Role
from klantenservice.services import access
from klantenservice.services.assignment import apply_assignment, snapshot_of, work_item
from klantenservice.services.ports import Actor, UnitOfWork
from klantenservice.services.promises import PromiseStatus, evaluate, refresh_projection

NEXT_CASE_CANDIDATES = 5000


def save_change(
    uow: UnitOfWork,
    actor: Actor,
    case: Case,
    events: Sequence[CaseEvent],
    *,
    action: str,
    now: datetime,
    details: Mapping[str, object] | None = None,
) -> None:
    """Persist a transition of ``case`` with its audit row, outbox event and promise projection."""
    if not events:
        return
    uow.cases.update(case, at=now)
    uow.cases.add_events(case.id, events)
    uow.audit.record(
        actor=actor,
        action=action,
        subject_type="case",
        subject_id=case.id,
        at=now,
        details=details or {},
    )
    uow.outbox.add(DomainEvent(action, {"case_id": case.id, **(details or {})}, now))
    refresh_projection(uow, case, now)


def _assigner_may(actor: Actor, agent_id: AgentId) -> None:
    """Taking a case yourself needs ``case_assign``; giving it to another ``case_assign_others``."""
    access.check(actor, permission_to_assign(to_self=actor.agent_id == agent_id))


def assign_case(
    uow: UnitOfWork,
    *,
    actor: Actor,
    case_id: CaseId,
    agent_id: AgentId,
    now: datetime,
    override_capacity: bool = False,
) -> Case:
    with uow:
        case = access.get_case_for(
            uow, actor, case_id, permission=Permission.CASE_ASSIGN, for_update=True
        )
        _assigner_may(actor, agent_id)
        if override_capacity and not actor.roles & {Role.SUPERVISOR, Role.ADMIN}:
            raise PermissionDenied("only a supervisor may assign beyond an agent's capacity")
        reasons = (f"assigned by {actor.label}",)
        assigned = apply_assignment(
            uow,
            actor,
            case,
            agent_id,
            now=now,
            reasons=reasons,
            enforce_capacity=not override_capacity,
        )
        refresh_projection(uow, assigned, now)
        uow.commit()
        return assigned


def unassign_case(uow: UnitOfWork, *, actor: Actor, case_id: CaseId, now: datetime) -> Case:
    with uow:
        case = access.get_case_for(
            uow, actor, case_id, permission=Permission.CASE_ASSIGN, for_update=True
        )
        if case.assignee_id is not None:
            _assigner_may(actor, case.assignee_id)
        changed, events = case.unassign(at=now)
        save_change(
            uow,
            actor,
            changed,
            events,
            action="case.unassigned",
            now=now,
            details={"agent_id": case.assignee_id},
        )
        uow.commit()
        return changed


def take_next_case(
    uow: UnitOfWork, *, actor: Actor, now: datetime, policy: RoutingPolicy
) -> tuple[Case, tuple[str, ...]] | None:
    """The agent pressed "next case": route the best waiting case to them, or None."""
    access.check(actor, Permission.CASE_ASSIGN)
    if actor.agent_id is None:
        raise PermissionDenied("only agents take cases; this account has no agent profile")
    with uow:
        # Not locked here: the lock order is case, then agent (services/assignment.py), and
        # apply_assignment locks the agent and re-checks its capacity after the case is locked.
        agent = uow.agents.get(actor.agent_id)
        if agent is None:
            raise NotFound(f"no agent with id {actor.agent_id}")
        snapshot = snapshot_of(agent, uow.agents.load(actor.agent_id))
        waiting = uow.cases.waiting(limit=NEXT_CASE_CANDIDATES)
        items = [work_item(uow, c, now) for c in waiting]
        # the other agents only count the emergency reserve (domain/reservation.py)
        floor = uow.agents.snapshots() if policy.reserved_emergency_agents else ()
        choice = next_case_for(snapshot, items, policy, now, floor=floor)
        if choice is None:
            return None
        case = access.get_case_for(uow, actor, choice.case_id, for_update=True)
        if case.assignee_id is not None:
            raise Conflict("that case was just taken by someone else; press next again")
        assigned = apply_assignment(
            uow, actor, case, actor.agent_id, now=now, reasons=choice.reasons
        )
        refresh_projection(uow, assigned, now)
        uow.commit()
        return assigned, choice.reasons


def _transition_case(
    uow: UnitOfWork,
    *,
    actor: Actor,
    case_id: CaseId,
    now: datetime,
    action: str,
    step: Callable[[Case], case_rules.Transition],
    describe: Callable[[Case], str],
) -> Case:
    """Lock the case, let the domain make one transition, save it with audit and outbox."""
    with uow:
        case = access.get_case_to_work_on(uow, actor, case_id, permission=Permission.CASE_WRITE)
        changed, events = step(case)
        details = {"from": describe(case), "to": describe(changed)}
        save_change(uow, actor, changed, events, action=action, now=now, details=details)
        uow.commit()
        return changed


def change_status(
    uow: UnitOfWork, *, actor: Actor, case_id: CaseId, status: CaseStatus, now: datetime
) -> Case:
    return _transition_case(
        uow,
        actor=actor,
        case_id=case_id,
        now=now,
        action="case.status_changed",
        step=lambda case: _status_step(case, actor, status, now),
        describe=lambda case: case.status.value,
    )


def _status_step(
    case: Case, actor: Actor, status: CaseStatus, now: datetime
) -> case_rules.Transition:
    if not may_end_case(case.priority, case.status, status, actor_is_person=actor.kind == "user"):
        raise PermissionDenied(
            f"case {case.reference} is an emergency: only a person resolves or closes it, "
            "never a bot or an integration"
        )
    return case.change_status(status, at=now)


CONTACT_WAYS = frozenset({"call_answered", "call_back", "in_person"})


def record_contact(
    uow: UnitOfWork, *, actor: Actor, case_id: CaseId, via: str, now: datetime
) -> Case:
    """An agent reached the customer by voice (or in a branch): the first human contact of
    the case, which stops its first-response clock and the emergency lane's ladder."""
    if actor.agent_id is None:
        raise PermissionDenied("only agents contact customers; this account has no agent profile")
    if via not in CONTACT_WAYS:
        raise ValidationError(f"via must be one of {', '.join(sorted(CONTACT_WAYS))}")
    return _transition_case(
        uow,
        actor=actor,
        case_id=case_id,
        now=now,
        action="case.contacted",
        step=lambda case: case.record_contact(at=now, agent_id=actor.agent_id, via=via),
        describe=lambda case: case.status.value,
    )


def change_priority(
    uow: UnitOfWork, *, actor: Actor, case_id: CaseId, priority: Priority, now: datetime
) -> Case:
    return _transition_case(
        uow,
        actor=actor,
        case_id=case_id,
        now=now,
        action="case.priority_changed",
        step=lambda case: case.change_priority(priority, at=now),
        describe=lambda case: case.priority.label,
    )


@dataclass(frozen=True, slots=True)
class CaseEdit:
    """Attribute changes in one request; None leaves a field alone."""

    category: str | None = None
    add_tags: frozenset[str] = frozenset()
    remove_tags: frozenset[str] = frozenset()
    queue_id: QueueId | None = None


def edit_case(
    uow: UnitOfWork, *, actor: Actor, case_id: CaseId, edit: CaseEdit, now: datetime
) -> Case:
    with uow:
        case = access.get_case_to_work_on(uow, actor, case_id, permission=Permission.CASE_WRITE)
        if edit.queue_id is not None and uow.directory.get_queue(edit.queue_id) is None:
            raise NotFound(f"no queue with id {edit.queue_id}")
        changed, events = _apply_edit(case, edit, now)
        save_change(
            uow,
            actor,
            changed,
            events,
            action="case.edited",
            now=now,
            details={"changes": [e.kind.value for e in events]},
        )
        uow.commit()
        return changed


def _apply_edit(case: Case, edit: CaseEdit, now: datetime) -> tuple[Case, list[CaseEvent]]:
    events: list[CaseEvent] = []
    if edit.category is not None:
        case, more = case.categorise(edit.category or None, at=now)
        events.extend(more)
    case, more = case.add_tags(edit.add_tags, at=now)
    events.extend(more)
    case, more = case.remove_tags(edit.remove_tags, at=now)
    events.extend(more)
    if edit.queue_id is not None:
        case, more = case.move_to_queue(edit.queue_id, at=now)
        events.extend(more)
    return case, events


def merge_cases(
    uow: UnitOfWork, *, actor: Actor, target_id: CaseId, source_id: CaseId, now: datetime
) -> Case:
    """Merge ``source`` into ``target``; both histories remain readable on the target."""
    with uow:
        first, second = sorted((target_id, source_id))  # lock in id order: no deadlocks
        locked = {
            cid: access.get_case_for(
                uow, actor, cid, permission=Permission.CASE_MERGE, for_update=True
            )
            for cid in (first, second)
        }
        (target, target_events), (source, source_events) = case_rules.merge_cases(
            locked[target_id], locked[source_id], at=now
        )
        details = {"source_id": source_id, "target_id": target_id}
        save_change(
            uow, actor, source, source_events, action="case.merged", now=now, details=details
        )
        save_change(
            uow, actor, target, target_events, action="case.merged", now=now, details=details
        )
        uow.commit()
        return target


@dataclass(frozen=True, slots=True)
class CaseView:
    case: Case
    promises: PromiseStatus
    merged_from: tuple[CaseId, ...]


def view_case(uow: UnitOfWork, *, actor: Actor, case_id: CaseId, now: datetime) -> CaseView:
    """Read a case with its promise status; the read of the customer's record is audited."""
    with uow:
        case = access.get_case_for(uow, actor, case_id)
        merged = tuple(uow.cases.merged_into(case.id))
        promises = evaluate(uow, case, now)
        access.record_customer_view(uow, actor, case.customer_id, at=now, via=f"case:{case.id}")
        uow.commit()
        return CaseView(case, promises, merged)
