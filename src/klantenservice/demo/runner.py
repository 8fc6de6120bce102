"""Executing a demo plan through the services, step by step, at the step's historical time.

Every step is one service call (one transaction) with ``now`` set to the step's instant, so
the case events, promise clocks, audit chain and outbox rows are what live traffic would have
left. Customers write through the intake (``receive_message``), agents act as themselves
(their own actor, with their agent profile), the supervisor assigns, merges and hands over
calls, and the system closes resolved cases.

Agents work office hours; the emergency lane is staffed around the clock. Contacts that
arrive while the office is closed, or after ``queue_from`` (the last minutes before ``now``:
the demo's live queue), are not routed at once: they wait as ``new`` cases until a supervisor
hands them to an agent, which is what the morning backlog looks like.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from klantenservice.demo.people import Person
from klantenservice.demo.plan import (
    CasePlan,
    Contact,
    Escalate,
    Merge,
    NewCase,
    Note,
    Reply,
    SetStatus,
    Step,
    Tag,
    TakeOver,
)
from klantenservice.demo.standard import EMERGENCY_QUEUE
from klantenservice.demo.texts import (
    CASE_UPDATE_TEMPLATE,
    DEMO_WHATSAPP_TEMPLATES,
    wrap_agent,
    wrap_customer,
)
from klantenservice.domain.calendars import BusinessCalendar
from klantenservice.domain.cases import format_reference
from klantenservice.domain.customers import ContactKind, ContactPoint
from klantenservice.domain.errors import InvalidTransition
from klantenservice.domain.vocabulary import AgentId, CaseId, Channel, CustomerId
from klantenservice.services import cases, inbound, messages, messaging
from klantenservice.services.ports import SYSTEM, Actor, UnitOfWorkFactory

CONTACT_KIND = {
    Channel.EMAIL: ContactKind.EMAIL,
    Channel.WEB_FORM: ContactKind.EMAIL,
    Channel.PHONE: ContactKind.PHONE,
    Channel.SMS: ContactKind.PHONE,
    Channel.WHATSAPP: ContactKind.WHATSAPP,
}


def contact_point(person: Person, channel: Channel) -> ContactPoint | None:
    """How the channel identifies the customer (None: by customer id, e.g. a logged-in chat)."""
    kind = CONTACT_KIND.get(channel)
    if kind is ContactKind.EMAIL:
        return ContactPoint(kind, person.email)
    if kind is ContactKind.WHATSAPP:
        return ContactPoint(kind, person.phone.removeprefix("+"))
    return None if kind is None else ContactPoint(kind, person.phone)


@dataclass(frozen=True, slots=True)
class Cast:
    """The staff the builder acts as."""

    supervisor: Actor
    agents: Mapping[str, Actor]  # login -> actor (with agent_id)

    def agent(self, agent_id: AgentId) -> Actor:
        return next(a for a in self.agents.values() if a.agent_id == agent_id)


@dataclass(slots=True)
class CaseState:
    case_id: CaseId
    assignee: AgentId | None


@dataclass(slots=True)
class Runner:
    uow_factory: UnitOfWorkFactory
    cast: Cast
    customers: Mapping[str, CustomerId]  # person key -> stored customer id
    plans: Mapping[int, CasePlan]
    options: inbound.IntakeOptions
    office: BusinessCalendar
    queue_from: datetime  # from here on, new contacts wait in the queue (the live backlog)
    state: dict[int, CaseState] = field(default_factory=dict)
    messages_received: int = 0

    def run(self, steps: Iterable[Step]) -> None:
        for step in steps:
            self.do(step)

    def do(self, step: Step) -> None:
        plan, action, at = self.plans[step.case], step.action, step.at
        if isinstance(action, Contact):
            self._contact(plan, action, at)
        elif isinstance(action, Merge | TakeOver | Escalate):
            self._as_supervisor(self.state[plan.key], action, at)
        elif isinstance(action, SetStatus) and action.by_system:
            case_id = self.state[plan.key].case_id
            cases.change_status(
                self.uow_factory(), actor=SYSTEM, case_id=case_id, status=action.status, now=at
            )
        else:
            self._as_agent(plan, self.state[plan.key], action, at)

    def _as_supervisor(
        self, state: CaseState, action: Merge | TakeOver | Escalate, at: datetime
    ) -> None:
        uow, supervisor = self.uow_factory(), self.cast.supervisor
        if isinstance(action, Merge):
            source = self.state[action.source]
            cases.merge_cases(
                uow, actor=supervisor, target_id=state.case_id, source_id=source.case_id, now=at
            )
            source.assignee = None
        elif isinstance(action, TakeOver):
            self._hand_over(state, self._agent_id(action.agent), at)
        else:
            cases.change_priority(
                uow, actor=supervisor, case_id=state.case_id, priority=action.priority, now=at
            )

    def _hand_over(self, state: CaseState, agent_id: AgentId, at: datetime) -> None:
        """The supervisor gives the case to an agent (beyond capacity if need be)."""
        cases.assign_case(
            self.uow_factory(),
            actor=self.cast.supervisor,
            case_id=state.case_id,
            agent_id=agent_id,
            now=at,
            override_capacity=True,
        )
        state.assignee = agent_id

    def _as_agent(self, plan: CasePlan, state: CaseState, action: object, at: datetime) -> None:
        agent = self._assignee(plan, state, at)
        uow = self.uow_factory()
        if isinstance(action, Reply):
            channel = action.channel or plan.channel
            body = self._render(plan, state, agent, wrap_agent(action.text, channel, plan.language))
            try:
                messages.reply_to_case(
                    uow,
                    actor=agent,
                    case_id=state.case_id,
                    body=body,
                    now=at,
                    channel=action.channel,
                )
            except InvalidTransition:
                if channel is not Channel.WHATSAPP:
                    raise
                # the 24-hour window closed: what agents do then, an approved template
                messaging.send_whatsapp_template(
                    self.uow_factory(),
                    actor=agent,
                    case_id=state.case_id,
                    name=CASE_UPDATE_TEMPLATE,
                    language=plan.language.value,
                    parameters=[self._render(plan, state, agent, "{first}")],
                    registry=DEMO_WHATSAPP_TEMPLATES,
                    now=at,
                )
        elif isinstance(action, Note):
            body = self._render(plan, state, agent, action.text)
            messages.add_note(uow, actor=agent, case_id=state.case_id, body=body, now=at)
        elif isinstance(action, SetStatus):
            cases.change_status(
                uow, actor=agent, case_id=state.case_id, status=action.status, now=at
            )
        elif isinstance(action, Tag):
            edit = cases.CaseEdit(add_tags=action.tags)
            cases.edit_case(uow, actor=agent, case_id=state.case_id, edit=edit, now=at)
        else:
            raise TypeError(f"unknown demo step {action!r}")

    def _contact(self, plan: CasePlan, action: Contact, at: datetime) -> None:
        state = self.state.get(plan.key)
        new = action.new_case
        result = inbound.receive_message(
            self.uow_factory,
            actor=SYSTEM,
            inbound=self._inbound(plan, state, action, at),
            now=at,
            options=self._options(new, at),
        )
        if new is not None:
            if not result.case_created:
                raise RuntimeError(f"demo plan {plan.key}: expected a new case at {at}")
            self.state[plan.key] = CaseState(result.case_id, result.assigned_agent_id)
            return
        if state is None or result.case_id != state.case_id:
            raise RuntimeError(f"demo plan {plan.key}: message at {at} left its case")
        state.assignee = result.assigned_agent_id or state.assignee

    def _inbound(
        self, plan: CasePlan, state: CaseState | None, action: Contact, at: datetime
    ) -> inbound.InboundMessage:
        """The message as a channel adapter would hand it over."""
        reference = None
        if action.linked_to is not None:
            reference = format_reference(self.state[action.linked_to].case_id)
        elif action.reference and state is not None:
            reference = format_reference(state.case_id)
        new = action.new_case
        contact = contact_point(plan.person, action.channel)
        self.messages_received += 1
        body = wrap_customer(action.text, action.channel, plan.language)
        return inbound.InboundMessage(
            channel=action.channel,
            body=self._render(plan, state, None, body),
            external_id=f"demo-{self.messages_received:07d}",
            customer_id=None if contact else self.customers[plan.person.key],
            contact=contact,
            language=plan.language,
            subject=new.subject if new else None,
            case_reference=reference,
            queue=new.queue if new else None,
            priority=new.priority if new else None,
            category=new.category if new else None,
            required_skills=new.skills if new else frozenset(),
            sent_at=at,
        )

    def _options(self, new: NewCase | None, at: datetime) -> inbound.IntakeOptions:
        """Agents work office hours (the emergency lane always): else the contact waits."""
        working = self.office.is_open(at) or (new is not None and new.queue == EMERGENCY_QUEUE)
        if working and at < self.queue_from:
            return self.options
        return replace(self.options, auto_assign=False)

    def _assignee(self, plan: CasePlan, state: CaseState, at: datetime) -> Actor:
        """The case's agent; a supervisor assigns one first when routing found nobody."""
        if state.assignee is None:
            self._hand_over(state, self._agent_id(plan.fallback_agent), at)
        assert state.assignee is not None
        return self.cast.agent(state.assignee)

    def _agent_id(self, login: str) -> AgentId:
        agent_id = self.cast.agents[login].agent_id
        assert agent_id is not None
        return agent_id

    def _render(
        self, plan: CasePlan, state: CaseState | None, agent: Actor | None, template: str
    ) -> str:
        values = dict(plan.values)
        values["agent"] = agent.name.split()[0] if agent else ""
        values["reference"] = format_reference(state.case_id) if state else ""
        return template.format_map(values)
