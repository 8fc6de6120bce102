"""The demo's history as a plan: timed steps (a customer writes, an agent replies, ...).

A plan is pure data, drawn from a seeded ``random.Random``; ``demo/data.py`` executes it
through the services in chronological order, so the audit trail, case events and promise
clocks are the ones real traffic would have produced. Nothing here touches the database.

Per customer, cases follow each other: a case is resolved, closed a few days later (the
bank's auto-close), and only then does the next one start, so the intake threads every first
message into a new case. Reply times are drawn as a share of the promise target, counted in
working time on the queue's calendar: most promises are met, about one in seven is breached.
Steps after ``now`` are dropped, which leaves the last days' cases new, open or pending.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from klantenservice.demo.intents import INTENTS
from klantenservice.demo.people import AGENTS, Person
from klantenservice.demo.standard import EMERGENCY_QUEUE, GENERAL_QUEUE, targets_for
from klantenservice.demo.texts import (
    DUPLICATE,
    DUPLICATE_SUBJECT,
    MERGE_NOTE,
    MERGED_ANSWER,
    REOPEN,
    REOPEN_ANSWER,
    THANKS,
    Intent,
)
from klantenservice.domain.calendars import BusinessCalendar
from klantenservice.domain.cases import CaseStatus
from klantenservice.domain.vocabulary import Channel, Language, Priority

CONVERSATIONAL = frozenset({Channel.CHAT, Channel.WHATSAPP, Channel.SMS})
LIVE = frozenset({Channel.CHAT, Channel.PHONE, Channel.IN_PERSON})  # only while open
CHANNEL_WEIGHTS: Mapping[Channel, int] = {
    Channel.CHAT: 25,
    Channel.EMAIL: 24,
    Channel.PHONE: 20,
    Channel.WHATSAPP: 12,
    Channel.WEB_FORM: 8,
    Channel.SMS: 5,
    Channel.IN_PERSON: 6,
}
_S = timedelta(seconds=1)
_M = timedelta(minutes=1)
_H = timedelta(hours=1)
_D = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class NewCase:
    """What the first message of a case tells the intake (queue, priority, skills)."""

    subject: str
    category: str
    priority: Priority
    queue: str | None
    skills: frozenset[str]


@dataclass(frozen=True, slots=True)
class Contact:
    """The customer writes or calls; ``reference``: quotes the case's reference."""

    channel: Channel
    text: str
    new_case: NewCase | None = None
    reference: bool = False
    linked_to: int | None = None  # quotes the reference of this (closed) earlier case


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    channel: Channel | None = None


@dataclass(frozen=True, slots=True)
class Note:
    text: str


@dataclass(frozen=True, slots=True)
class SetStatus:
    status: CaseStatus
    by_system: bool = False


@dataclass(frozen=True, slots=True)
class Tag:
    tags: frozenset[str]


@dataclass(frozen=True, slots=True)
class Escalate:
    priority: Priority


@dataclass(frozen=True, slots=True)
class Merge:
    source: int  # plan key of the case merged into this step's case


@dataclass(frozen=True, slots=True)
class TakeOver:
    agent: str  # login of the agent the supervisor gives the case to


Action = Contact | Reply | Note | SetStatus | Tag | Escalate | Merge | TakeOver


@dataclass(frozen=True, slots=True)
class Step:
    at: datetime
    case: int
    action: Action


@dataclass(slots=True)
class CasePlan:
    key: int
    person: Person
    channel: Channel
    values: dict[str, str]
    fallback_agent: str
    steps: list[Step] = field(default_factory=list)

    @property
    def language(self) -> Language:
        return self.person.language

    def add(self, at: datetime, action: Action) -> datetime:
        if self.steps and at <= self.steps[-1].at:
            at = self.steps[-1].at + _S
        self.steps.append(Step(at, self.key, action))
        return at

    @property
    def end(self) -> datetime:
        return self.steps[-1].at


def pick(rng: random.Random, texts: Mapping[Language, tuple[str, ...]], lang: Language) -> str:
    return rng.choice(texts[lang])


def fallback_agent(rng: random.Random, language: Language, skills: frozenset[str]) -> str:
    """An agent a supervisor would hand the case to when routing found nobody."""
    speaks = [a for a in AGENTS if language.value in a.languages]
    skilled = [a for a in speaks if skills <= a.skills] or speaks
    return rng.choice(skilled).login


class Planner:
    """Draws timed steps; ``calendars`` maps a queue name to its business calendar."""

    def __init__(
        self, rng: random.Random, now: datetime, calendars: Mapping[str, BusinessCalendar]
    ) -> None:
        self.rng = rng
        self.now = now
        self.calendars = calendars
        self._next_key = 0

    # -- times -------------------------------------------------------------------------------

    def calendar(self, queue: str | None) -> BusinessCalendar:
        return self.calendars.get(queue or GENERAL_QUEUE) or self.calendars[GENERAL_QUEUE]

    def opening_time(self, at: datetime, channel: Channel, queue: str | None) -> datetime:
        """When a customer would really make this contact (live channels: while open)."""
        calendar = self.calendar(queue)
        if channel in LIVE and not calendar.is_open(at):
            opened = calendar.next_opening(at)
            later = opened + timedelta(minutes=self.rng.randint(3, 180))
            return later if calendar.is_open(later) else opened + self.rng.randint(1, 30) * _M
        local_hour = calendar.local(at).hour
        if local_hour < 7 and self.rng.random() < 0.7:
            return at + timedelta(hours=7 - local_hour, minutes=self.rng.randint(0, 180))
        return at

    def response_at(
        self,
        after: datetime,
        channel: Channel,
        priority: Priority,
        queue: str | None,
        *,
        first: bool,
    ) -> datetime:
        targets = targets_for(channel, priority)
        target = targets.first if first else targets.next
        share = (
            self.rng.uniform(0.05, 0.9) if self.rng.random() < 0.86 else self.rng.uniform(1.05, 2.6)
        )
        delay = max(20 * _S, timedelta(seconds=target.total_seconds() * share))
        return self.calendar(queue).add_working_time(after, delay)

    def customer_delay(self, channel: Channel) -> timedelta:
        rng = self.rng
        if channel in (Channel.CHAT, Channel.IN_PERSON):
            return timedelta(seconds=rng.randint(25, 240))
        if channel in (Channel.WHATSAPP, Channel.SMS):
            return timedelta(minutes=rng.randint(2, 180))
        return timedelta(minutes=rng.randint(20, 2 * 24 * 60))

    # -- cases -------------------------------------------------------------------------------

    def new_plan(
        self, person: Person, channel: Channel, values: dict[str, str], skills: frozenset[str]
    ) -> CasePlan:
        self._next_key += 1
        agent = fallback_agent(self.rng, person.language, skills)
        return CasePlan(self._next_key, person, channel, values, agent)

    def choose_intent(self) -> Intent:
        return self.rng.choices(INTENTS, weights=[i.weight for i in INTENTS])[0]

    def choose_channel(self, person: Person, intent: Intent) -> Channel:
        allowed = person.channels()
        if intent.key == "gdpr_access":
            allowed &= {Channel.EMAIL, Channel.WEB_FORM}
        options = [c for c in CHANNEL_WEIGHTS if c in allowed]
        return self.rng.choices(options, weights=[CHANNEL_WEIGHTS[c] for c in options])[0]

    def priority_of(self, intent: Intent, person: Person, channel: Channel) -> Priority:
        if intent.key == "fraud" and channel in (Channel.PHONE, Channel.WEB_FORM, Channel.CHAT):
            return Priority.EMERGENCY if self.rng.random() < 0.3 else intent.priority
        if person.vulnerable and intent.priority < Priority.HIGH:
            return Priority.HIGH
        return intent.priority

    def random_case(
        self,
        person: Person,
        start: datetime,
        values: dict[str, str],
        *,
        linked_to: int | None = None,
    ) -> CasePlan:
        intent = self.choose_intent()
        channel = self.choose_channel(person, intent)
        if channel not in (Channel.EMAIL, Channel.WEB_FORM):
            linked_to = None
        priority = self.priority_of(intent, person, channel)
        queue = intent.queue
        plan = self.new_plan(person, channel, values, intent.skills)
        start = self.opening_time(start, channel, queue)
        flow = self.rng.choices(
            ("one_touch", "two_touch", "reopen", "switch"), weights=(46, 40, 7, 7)
        )[0]
        if flow == "switch" and channel in (Channel.PHONE, Channel.IN_PERSON):
            flow = "two_touch"
        self.open(plan, start, intent, priority, queue, linked_to=linked_to)
        if flow == "one_touch":
            self.answer_and_resolve(plan, intent, priority, queue)
        elif flow == "reopen":
            self.answer_and_resolve(plan, intent, priority, queue)
            self.reopen(plan, priority, queue)
        else:
            follow_channel = Channel.PHONE if flow == "switch" else None
            self.ask_then_answer(plan, intent, priority, queue, follow_channel=follow_channel)
        return plan

    def open(
        self,
        plan: CasePlan,
        at: datetime,
        intent: Intent,
        priority: Priority,
        queue: str | None,
        *,
        linked_to: int | None = None,
    ) -> datetime:
        lang = plan.language
        queue = EMERGENCY_QUEUE if priority is Priority.EMERGENCY else queue
        subject = pick(self.rng, intent.subject, lang)
        new = NewCase(subject, intent.category, priority, queue, intent.skills)
        text = pick(self.rng, intent.opening, lang)
        return plan.add(at, Contact(plan.channel, text, new, linked_to=linked_to))

    def _tag(self, plan: CasePlan, intent: Intent) -> None:
        if intent.tags:
            plan.add(plan.end + 20 * _S, Tag(intent.tags))

    def answer_and_resolve(
        self, plan: CasePlan, intent: Intent, priority: Priority, queue: str | None
    ) -> None:
        lang, rng = plan.language, self.rng
        at = self.response_at(plan.end, plan.channel, priority, queue, first=True)
        plan.add(at, Reply(pick(rng, intent.answer, lang)))
        self._tag(plan, intent)
        if plan.channel in CONVERSATIONAL and rng.random() < 0.5:
            plan.add(
                plan.end + self.customer_delay(plan.channel),
                Contact(plan.channel, pick(rng, THANKS, lang)),
            )
        if rng.random() < 0.2:
            plan.add(plan.end + rng.randint(20, 90) * _S, Note(rng.choice(intent.notes)))
        plan.add(plan.end + rng.randint(5, 90) * _S, SetStatus(CaseStatus.RESOLVED))

    def ask_then_answer(
        self,
        plan: CasePlan,
        intent: Intent,
        priority: Priority,
        queue: str | None,
        *,
        follow_channel: Channel | None = None,
    ) -> None:
        lang, rng, channel = plan.language, self.rng, plan.channel
        at = self.response_at(plan.end, channel, priority, queue, first=True)
        plan.add(at, Reply(pick(rng, intent.ask, lang)))
        self._tag(plan, intent)
        internal = intent.waits_internally
        waiting = CaseStatus.PENDING_INTERNAL if internal else CaseStatus.PENDING_CUSTOMER
        plan.add(plan.end + rng.randint(10, 90) * _S, SetStatus(waiting))
        if waiting is CaseStatus.PENDING_INTERNAL:
            plan.add(plan.end + rng.randint(30, 600) * _S, Note(rng.choice(intent.notes)))
        customer_writes = waiting is CaseStatus.PENDING_CUSTOMER or rng.random() < 0.4
        if customer_writes:
            via = follow_channel or channel
            delay = self.customer_delay(via) if follow_channel is None else rng.randint(1, 3) * _D
            at = self.opening_time(plan.end + delay, via, queue)
            plan.add(
                at,
                Contact(
                    via, pick(rng, intent.follow_up, lang), reference=via not in CONVERSATIONAL
                ),
            )
        reply_channel = follow_channel
        if waiting is CaseStatus.PENDING_INTERNAL:
            at = self.calendar(queue).add_working_time(plan.end, rng.randint(2, 14) * _H)
        else:
            at = self.response_at(plan.end, reply_channel or channel, priority, queue, first=False)
        plan.add(at, Reply(pick(rng, intent.answer, lang), channel=reply_channel))
        if rng.random() < 0.25:
            plan.add(plan.end + rng.randint(20, 300) * _S, Note(rng.choice(intent.notes)))
        plan.add(plan.end + rng.randint(5, 240) * _S, SetStatus(CaseStatus.RESOLVED))

    def reopen(self, plan: CasePlan, priority: Priority, queue: str | None) -> None:
        """The customer writes again within the reopen window: the case reopens."""
        lang, rng = plan.language, self.rng
        at = self.opening_time(plan.end + rng.randint(2, 96) * _H, plan.channel, queue)
        plan.add(
            at,
            Contact(
                plan.channel, pick(rng, REOPEN, lang), reference=plan.channel not in CONVERSATIONAL
            ),
        )
        at = self.response_at(plan.end, plan.channel, priority, queue, first=False)
        plan.add(at, Reply(pick(rng, REOPEN_ANSWER, lang)))
        plan.add(plan.end + rng.randint(5, 240) * _S, SetStatus(CaseStatus.RESOLVED))

    def duplicate(self, plan: CasePlan) -> CasePlan:
        """The customer mails again about a resolved question; the agent reopens and merges.

        The new mail opens a second case (e-mail does not reopen without a reference); the
        agent reopens the original, merges the new case into it and answers once.
        """
        rng, lang = self.rng, plan.language
        at = plan.end + timedelta(hours=rng.randint(3, 60), minutes=rng.randint(0, 59))
        dup = self.new_plan(plan.person, Channel.EMAIL, plan.values, frozenset())
        subject = pick(rng, DUPLICATE_SUBJECT, lang)
        new = NewCase(subject, "general", Priority.NORMAL, None, frozenset())
        dup.add(at, Contact(Channel.EMAIL, pick(rng, DUPLICATE, lang), new))
        at = self.response_at(at, Channel.EMAIL, Priority.NORMAL, None, first=True)
        plan.add(at, SetStatus(CaseStatus.OPEN))
        plan.add(plan.end + 20 * _S, Merge(dup.key))
        plan.add(plan.end + 30 * _S, Note(MERGE_NOTE))
        plan.add(
            plan.end + rng.randint(60, 300) * _S,
            Reply(pick(rng, MERGED_ANSWER, lang), channel=Channel.EMAIL),
        )
        plan.add(plan.end + rng.randint(5, 120) * _S, SetStatus(CaseStatus.RESOLVED))
        return dup

    def close_later(self, plan: CasePlan) -> datetime:
        """The bank closes resolved cases automatically one to four days later."""
        at = plan.end + timedelta(hours=self.rng.randint(24, 96), minutes=self.rng.randint(0, 59))
        plan.add(at, SetStatus(CaseStatus.CLOSED, by_system=True))
        return plan.end
