"""The desk's case page: everything an agent needs on one screen, read in one audited call.

``case_page`` returns the case with its customer, the customer's other cases (merged ones,
the case this one follows up, earlier and later ones), the timeline (``case_timeline.py``),
each promise clock with the facts that explain it, the reply templates of the customer's
language filled in for this case, and what the actor may do here (``Abilities``), so the page
offers only actions the services will accept. The services check every action again.

The read is one transaction that writes one ``customer.viewed`` audit row (``via`` says which
view: the page, a live refresh, older messages). Promise clocks are evaluated at ``now`` from
the case's history, as ``services/desk.py`` does for the inbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from klantenservice.domain.agents import Agent, Queue
from klantenservice.domain.cases import ALLOWED_TRANSITIONS, Case, CaseStatus
from klantenservice.domain.customers import Customer
from klantenservice.domain.permissions import Permission, has_permission
from klantenservice.domain.promises import ClockState, PromiseClock
from klantenservice.domain.reply_templates import TemplateValues
from klantenservice.domain.vocabulary import CaseId, Language
from klantenservice.services import access
from klantenservice.services.case_timeline import (
    CUSTOMER_CASES,
    Names,
    Timeline,
    TimelineScope,
    build_timeline,
    case_histories,
)
from klantenservice.services.ports import Actor, UnitOfWork
from klantenservice.services.promises import PromiseStatus, calendar_for, evaluate
from klantenservice.services.reply_templates import FilledTemplate, filled_for

_RUNNING = frozenset({ClockState.RUNNING, ClockState.WARNING})


@dataclass(frozen=True, slots=True)
class Abilities:
    """What the actor may do on this case now; ``held_by`` names the agent who has it."""

    reply: bool
    note: bool
    write: bool  # status, priority, tags, transfer to a queue
    assign_others: bool  # transfer to an agent
    merge: bool
    take: bool
    held_by: str | None  # set when another agent has the case and the actor may not act


@dataclass(frozen=True, slots=True)
class ClockView:
    """A promise clock and what explains its standing beyond the clock itself."""

    clock: PromiseClock
    counting_now: bool  # the calendar is open now (a running clock counts)
    resumes_at: datetime | None  # when closed: the next opening


@dataclass(frozen=True, slots=True)
class CaseLink:
    case: Case
    relation: str  # merged | follows_up (this case follows it) | follow_up | other


@dataclass(frozen=True, slots=True)
class CasePage:
    case: Case
    customer: Customer | None
    assignee_name: str | None
    queue_name: str | None
    promise: PromiseStatus
    clocks: tuple[ClockView, ...]
    related: tuple[CaseLink, ...]  # the customer's other cases, newest first
    timeline: Timeline
    templates: tuple[FilledTemplate, ...]
    template_language: Language
    statuses: tuple[CaseStatus, ...]  # the current status and those it may go to
    queues: tuple[Queue, ...]
    agents: tuple[Agent, ...]  # transfer targets (only for actors who may assign others)
    abilities: Abilities

    @property
    def customer_name(self) -> str:
        return "" if self.customer is None else self.customer.name

    @property
    def merged_from(self) -> tuple[CaseLink, ...]:
        return tuple(link for link in self.related if link.relation == "merged")


def case_page(
    uow: UnitOfWork,
    *,
    actor: Actor,
    case_id: CaseId,
    now: datetime,
    scope: TimelineScope = TimelineScope.CASE,
    before: int | None = None,
    via: str = "page",
) -> CasePage:
    """The case page (or, with ``before``, its older messages); the read is audited."""
    access.check(actor, Permission.CUSTOMER_READ)
    with uow:
        case = access.get_case_for(uow, actor, case_id)
        merged = uow.cases.merged_into(case.id)
        histories = case_histories(uow, [case.id, *merged])
        agents = {a.id: a for a in uow.agents.list() if a.id is not None}
        queues = tuple(sorted(uow.directory.queues(), key=lambda q: q.id or 0))
        names = Names(
            {i: a.name for i, a in agents.items()}, {q.id: q.name for q in queues if q.id}
        )
        customer = uow.customers.get(case.customer_id)
        recent = uow.cases.for_customer(case.customer_id, limit=CUSTOMER_CASES)
        others = [c for c in recent if c.id != case.id]
        timeline = build_timeline(
            uow, case, histories, names, scope=scope, customer_cases=others, before=before
        )
        history = sorted((e for events in histories.values() for e in events), key=lambda e: e.at)
        promise = evaluate(uow, case, now, history)
        language = customer.language if customer is not None else case.language
        agent_name = names.agent(actor.agent_id) or actor.name
        values = TemplateValues(
            customer_name="" if customer is None else customer.name,
            case_reference=case.reference,
            case_subject=case.subject,
            agent_name=agent_name,
        )
        abilities = abilities_of(actor, case, names.agent(case.assignee_id))
        page = CasePage(
            case=case,
            customer=customer,
            assignee_name=names.agent(case.assignee_id),
            queue_name=names.queue(case.queue_id),
            promise=promise,
            clocks=_clock_views(uow, case, promise, now),
            related=tuple(_link(case, other) for other in others),
            timeline=timeline,
            templates=filled_for(uow, language, values) if abilities.reply else (),
            template_language=language,
            statuses=tuple(
                s for s in CaseStatus if s is case.status or s in ALLOWED_TRANSITIONS[case.status]
            ),
            queues=queues,
            agents=tuple(agents.values()) if abilities.assign_others else (),
            abilities=abilities,
        )
        access.record_customer_view(
            uow, actor, case.customer_id, at=now, via=f"desk:case:{case.id}" + _suffix(via)
        )
        uow.commit()
        return page


def _suffix(via: str) -> str:
    return "" if via == "page" else f":{via}"


def abilities_of(actor: Actor, case: Case, assignee_name: str | None) -> Abilities:
    """The rules of ``access.get_case_to_work_on`` and the permissions, for the page."""

    def may(permission: Permission) -> bool:
        return has_permission(actor.roles, permission)

    supervises = may(Permission.CASE_ASSIGN_OTHERS)
    held = case.assignee_id is not None and case.assignee_id != actor.agent_id
    mine = not held or supervises
    live = case.status is not CaseStatus.CLOSED
    agent = actor.agent_id is not None
    write = live and mine and may(Permission.CASE_WRITE)
    return Abilities(
        reply=write and agent and may(Permission.MESSAGE_WRITE),
        # a colleague's case takes notes too (services/messages.py)
        note=live and agent and may(Permission.CASE_WRITE) and may(Permission.MESSAGE_WRITE),
        write=write,
        assign_others=write and supervises,
        merge=live and may(Permission.CASE_MERGE),
        take=live and agent and case.assignee_id is None and may(Permission.CASE_ASSIGN),
        held_by=assignee_name if held and not supervises else None,
    )


def _clock_views(
    uow: UnitOfWork, case: Case, promise: PromiseStatus, now: datetime
) -> tuple[ClockView, ...]:
    if promise.policy is None or not promise.clocks:
        return ()
    calendar = calendar_for(uow, case, promise.policy)
    views = []
    for clock in promise.clocks:
        counting = calendar is None or calendar.is_open(now)
        resumes = None
        if calendar is not None and not counting and clock.state in _RUNNING:
            resumes = calendar.next_opening(now)
        views.append(ClockView(clock, counting, resumes))
    return tuple(views)


def _link(case: Case, other: Case) -> CaseLink:
    if other.merged_into == case.id:
        return CaseLink(other, "merged")
    if case.linked_to == other.id:
        return CaseLink(other, "follows_up")
    if other.linked_to == case.id:
        return CaseLink(other, "follow_up")
    return CaseLink(other, "other")
