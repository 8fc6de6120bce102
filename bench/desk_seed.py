"""Bulk data for bench/desk.py: customers, cases, case events and messages, without the services.

The configuration (calendars, queues, promise policies, agents, the two people who sign in) is
created through the services, as ``klantenservice init`` and an administrator would. The bulk
rows are generated here, deterministically (one seeded ``random.Random``), and written the
fastest way each store has: SQLite through ``sqlite3`` ``executemany`` in one transaction per
chunk, PostgreSQL with ``COPY``. Every row is what the services would have written for such a
case: the case's history (``case_events``) agrees with its status, assignee and messages, and
the promise projection of the cases still open is computed by the domain from that history.

Distributions (per case): queue general 45 %, payments 20 %, cards 15 %, investments 10 %,
emergency (fraud, 24/7) 10 %; channel e-mail 40 %, chat 22 %, phone 15 %, web form 10 %,
WhatsApp 9 %, SMS 4 %; Dutch 80 %; priority normal 70 %, high 15 %, low 8 %, urgent 5 %,
emergency 2 %; 40 % of the customers write more than once. Cases arrive one every 90 seconds;
the ones of the last two days are open work (new, open, pending), the rest resolved or closed.
When the store grows, the open work of the previous stage is closed first (with its history),
so the backlog stays about the same while the history grows, as in a real contact centre.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.desk_stores import Store

from klantenservice.domain.calendars import BusinessCalendar
from klantenservice.domain.events import CaseEvent, CaseEventKind
from klantenservice.domain.promises import PromisePolicy, evaluate_promises, select_policy
from klantenservice.domain.vocabulary import Channel, Priority
from klantenservice.services.promises import PromiseStatus

START = datetime(2024, 1, 1, 8, 0, tzinfo=UTC)
STEP = timedelta(seconds=90)
OPEN_WINDOW = timedelta(days=2)
CHUNK = 5_000  # cases per write transaction

QUEUE_WEIGHTS = {"general": 45, "payments": 20, "cards": 15, "investments": 10, "emergency": 10}
CHANNEL_WEIGHTS = {
    Channel.EMAIL: 40, Channel.CHAT: 22, Channel.PHONE: 15, Channel.WEB_FORM: 10,
    Channel.WHATSAPP: 9, Channel.SMS: 4,
}  # fmt: skip
PRIORITY_WEIGHTS = {
    Priority.NORMAL: 70, Priority.HIGH: 15, Priority.LOW: 8, Priority.URGENT: 5,
    Priority.EMERGENCY: 2,
}  # fmt: skip
OPEN_STATUS_WEIGHTS = {"new": 25, "open": 45, "pending_customer": 20, "pending_internal": 10}
SEGMENTS = ("retail",) * 17 + ("private", "private", "business")
FIRST = (
    "Jan", "Emma", "Piet", "Sarah", "Oliver", "Ingrid", "Henk", "Fatima", "Daan", "Sanne",
    "Mohammed", "Lotte", "Bram", "Noor", "Lucas", "Julia", "Finn", "Yara", "Sem", "Eva",
)  # fmt: skip
LAST = (
    "de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder",
    "de Groot", "Bos", "Clarke", "Bennett", "el Amrani", "Hendriks", "van Dijk", "Peters",
)  # fmt: skip
SUBJECTS = (
    "Pas geblokkeerd", "Dubbele afschrijving", "Card declined abroad", "Adreswijziging",
    "Vraag over hypotheekofferte", "Order niet uitgevoerd", "Onbekende afschrijving",
    "Request for my personal data", "Limiet verhogen", "Rente spaarrekening", "Nieuwe pas",
    "Inloggen lukt niet", "Overboeking komt niet aan", "Jaaroverzicht", "Klacht over kosten",
)  # fmt: skip
BODIES = (
    "Goedemiddag, mijn betaalpas is geblokkeerd na drie keer een verkeerde pincode. Kunt u "
    "mij helpen om hem weer te deblokkeren? Ik moet vandaag nog boodschappen doen.",
    "De maandelijkse kosten zijn deze maand twee keer van mijn rekening afgeschreven. Ik zie "
    "twee keer hetzelfde bedrag staan op dezelfde datum.",
    "My card was declined at a shop in Spain this morning although there is enough money on "
    "the account. Can you check whether something is blocked?",
    "Dank voor uw bericht. Ik heb het voor u nagekeken en de blokkade is opgeheven. U kunt "
    "de pas binnen een uur weer gebruiken.",
    "Ik ben verhuisd en wil mijn nieuwe adres doorgeven. Moet ik daarvoor een formulier "
    "invullen of kan dat via de app?",
    "Thank you for your patience. We have refunded the double charge; it will be on your "
    "account within two working days.",
    "Mijn eerste order in de beleggingsapp geeft een foutmelding en is niet uitgevoerd. Wat "
    "moet ik doen?",
    "Kunt u mij bellen? Ik begrijp de brief over de rente niet goed.",
    "Er staat een afschrijving van 450 euro die ik niet herken. Ik denk dat er fraude in het "
    "spel is, wilt u de rekening blokkeren?",
    "Wij hebben uw vraag doorgezet naar de afdeling hypotheken; u hoort binnen drie werkdagen "
    "van ons.",
)  # fmt: skip

CASE_COLUMNS = (
    "id", "customer_id", "subject", "channel", "status", "priority", "language", "segment",
    "category", "queue_id", "assignee_id", "tags", "required_skills", "created_at",
    "updated_at", "resolved_at", "closed_at", "merged_into", "linked_to", "waiting_since",
    "awaiting_reply_since", "promise_due_at", "promise_state",
)  # fmt: skip
CUSTOMER_COLUMNS = (
    "id", "name", "language", "segment", "vulnerable", "verification", "external_ref", "tags",
    "created_at", "updated_at",
)  # fmt: skip
EVENT_COLUMNS = ("id", "case_id", "kind", "at", "data")
MESSAGE_COLUMNS = (
    "id", "case_id", "channel", "direction", "author_kind", "author_agent_id", "subject",
    "body", "external_id", "created_at", "sent_at",
)  # fmt: skip


def _weighted(rng: random.Random, weights: dict[Any, int]) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


@dataclass
class Config:
    """What the bulk rows refer to: queue ids, agents per queue, policies and calendars."""

    queues: dict[str, int]
    agents_by_queue: dict[int, list[int]]
    policies: list[PromisePolicy]
    calendars: dict[int, BusinessCalendar]  # by queue id (the queue's calendar)


@dataclass
class Counters:
    """The ids handed out so far; the next stage continues from here."""

    cases: int = 0
    customers: int = 0
    events: int = 0
    messages: int = 0
    open_cases: list[int] = field(default_factory=list)  # still open at the last stage's end


@dataclass
class Rows:
    customers: list[tuple[Any, ...]] = field(default_factory=list)
    cases: list[tuple[Any, ...]] = field(default_factory=list)
    events: list[tuple[Any, ...]] = field(default_factory=list)
    messages: list[tuple[Any, ...]] = field(default_factory=list)


class Generator:
    """Makes the rows of cases ``first..last`` (ids), each with its customer, history, messages."""

    def __init__(self, config: Config, store: Store, seed: int = 7) -> None:
        self.config = config
        self.stamp = store.stamp
        self.rng = random.Random(seed)
        self.queue_names = list(QUEUE_WEIGHTS)

    def now_after(self, last_case: int) -> datetime:
        return START + last_case * STEP + timedelta(minutes=10)

    def chunk(self, counters: Counters, count: int, *, now: datetime, messages: float) -> Rows:
        rows = Rows()
        for _ in range(count):
            counters.cases += 1
            self._case(counters, rows, now=now, mean_messages=messages)
        return rows

    def _customer(self, counters: Counters, rows: Rows, at: datetime, language: str) -> int:
        if counters.customers and self.rng.random() < 0.4:
            return self.rng.randint(1, counters.customers)  # a customer who wrote before
        counters.customers += 1
        n = counters.customers
        name = f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}"
        stamp = self.stamp(at)
        rows.customers.append(
            (n, name, language, self.rng.choice(SEGMENTS), int(self.rng.random() < 0.02),
             self.rng.choice((0, 1, 2)), f"CRM-{n:08d}", "[]", stamp, stamp)
        )  # fmt: skip
        return n

    def _case(self, counters: Counters, rows: Rows, *, now: datetime, mean_messages: float) -> None:
        rng = self.rng
        case_id = counters.cases
        created = START + case_id * STEP
        priority: Priority = _weighted(rng, PRIORITY_WEIGHTS)
        queue = "emergency" if priority is Priority.EMERGENCY else _weighted(rng, QUEUE_WEIGHTS)
        queue_id = self.config.queues[queue]
        channel: Channel = _weighted(rng, CHANNEL_WEIGHTS)
        language = "nl" if rng.random() < 0.8 else "en"
        customer = self._customer(counters, rows, created, language)
        is_open = now - created < OPEN_WINDOW
        status = _weighted(rng, OPEN_STATUS_WEIGHTS) if is_open else (
            "resolved" if rng.random() < 0.08 and now - created < timedelta(days=7) else "closed"
        )  # fmt: skip
        agent = None if status == "new" else rng.choice(self.config.agents_by_queue[queue_id])
        budget = min(now - created, timedelta(days=3))
        n_messages = max(1, round(rng.expovariate(1 / mean_messages))) if mean_messages > 1 else 1
        n_messages = 1 if status == "new" else max(2, n_messages)
        if status == "pending_customer" and n_messages % 2:
            n_messages += 1  # the agent wrote last
        history, last_at, awaiting = self._history(
            counters, rows, case_id, channel, priority, agent, status, created, budget, n_messages
        )
        projection = self._projection(history, channel, priority, queue_id, status, now)
        resolved = last_at if status in ("resolved", "closed") else None
        closed = last_at if status == "closed" else None
        if is_open:
            counters.open_cases.append(case_id)
        stamp = self.stamp
        rows.cases.append(
            (case_id, customer, rng.choice(SUBJECTS), channel.value, status, int(priority),
             language, "retail", None, queue_id, agent, "[]",
             '["fraud"]' if queue == "emergency" else "[]", stamp(created), stamp(last_at),
             stamp(resolved), stamp(closed), None, None,
             stamp(created) if status == "new" else None, stamp(awaiting),
             stamp(projection[0]), projection[1])
        )  # fmt: skip

    def _history(
        self,
        counters: Counters,
        rows: Rows,
        case_id: int,
        channel: Channel,
        priority: Priority,
        agent: int | None,
        status: str,
        created: datetime,
        budget: timedelta,
        n_messages: int,
    ) -> tuple[list[CaseEvent], datetime, datetime | None]:
        """The case's events and messages: customer first, then agent and customer in turn."""
        gap = budget / (n_messages + 3)
        events = [CaseEvent(CaseEventKind.CREATED, created,
                            {"channel": channel.value, "priority": priority.label})]  # fmt: skip
        at, awaiting = created, None
        current = "new"
        for n in range(n_messages):
            from_customer = n % 2 == 0
            if n == 1 and agent is not None:
                events.append(CaseEvent(CaseEventKind.ASSIGNED, at, {"agent_id": agent}))
                events.append(CaseEvent(CaseEventKind.STATUS_CHANGED, at,
                                        {"from": "new", "to": "open"}))  # fmt: skip
                current = "open"
            counters.messages += 1
            mid = counters.messages
            self._message(rows, mid, case_id, channel, agent, from_customer, at, n == 0)
            if from_customer:
                events.append(CaseEvent(CaseEventKind.CUSTOMER_MESSAGE, at, {"message_id": mid}))
                awaiting = awaiting or at
            else:
                events.append(CaseEvent(CaseEventKind.AGENT_REPLY, at,
                                        {"message_id": mid, "agent_id": agent}))  # fmt: skip
                awaiting = None
            at += gap
        for target in {"pending_customer": ("pending_customer",),
                       "pending_internal": ("pending_internal",),
                       "resolved": ("resolved",), "closed": ("resolved", "closed")}.get(
                           status, ()):  # fmt: skip
            events.append(CaseEvent(CaseEventKind.STATUS_CHANGED, at,
                                    {"from": current, "to": target}))  # fmt: skip
            current = target
        for event in events:
            counters.events += 1
            rows.events.append((counters.events, case_id, event.kind.value, self.stamp(event.at),
                                json.dumps(dict(event.data))))  # fmt: skip
        return events, at, awaiting if status in ("new", "open") else None

    def _message(
        self,
        rows: Rows,
        mid: int,
        case_id: int,
        channel: Channel,
        agent: int | None,
        from_customer: bool,
        at: datetime,
        first: bool,
    ) -> None:
        stamp = self.stamp(at)
        body = self.rng.choice(BODIES)
        if from_customer:
            external = f"bench-{mid}@mail.example" if channel is Channel.EMAIL else f"x-{mid}"
            rows.messages.append((mid, case_id, channel.value, "inbound", "customer", None,
                                  self.rng.choice(SUBJECTS) if first else None, body, external,
                                  stamp, None))  # fmt: skip
        else:
            rows.messages.append((mid, case_id, channel.value, "outbound", "agent", agent, None,
                                  body, None, stamp, stamp))  # fmt: skip

    def _projection(
        self,
        history: list[CaseEvent],
        channel: Channel,
        priority: Priority,
        queue_id: int,
        status: str,
        now: datetime,
    ) -> tuple[datetime | None, str | None]:
        """What ``services/promises.refresh_projection`` stores (exactly, for open work)."""
        if status in ("resolved", "closed"):
            return None, "breached" if self.rng.random() < 0.08 else None
        policy = select_policy(self.config.policies, channel=channel, priority=priority,
                               segment="retail")  # fmt: skip
        if policy is None:
            return None, None
        calendar = self.config.calendars[queue_id]  # the queue's hours count (services)
        policy = replace(policy, calendar=calendar.name)
        clocks = evaluate_promises(history, policy, calendar, now, explain=False)
        status_now = PromiseStatus(policy, calendar.name, clocks)
        return status_now.next_due_at, status_now.worst_state


def close_open_work(store: Store, counters: Counters, now: datetime) -> int:
    """Resolve and close what was open at the previous stage (history included)."""
    ids = counters.open_cases
    counters.open_cases = []
    if not ids:
        return 0
    found = store.query(f"SELECT id, status FROM cases WHERE id IN ({', '.join(map(str, ids))})")
    events = []
    for n, (case_id, status) in enumerate(found):
        at = now - timedelta(hours=1) + n * timedelta(milliseconds=10)
        for source, target in _closing_steps(status):
            counters.events += 1
            data = json.dumps({"from": source, "to": target})
            events.append((counters.events, case_id, "status_changed", store.stamp(at), data))
    store.copy("case_events", EVENT_COLUMNS, events)
    closed_at = store.stamp(now - timedelta(hours=1))
    store.query(
        f"UPDATE cases SET status = 'closed', resolved_at = '{closed_at}', "
        f"closed_at = '{closed_at}', updated_at = '{closed_at}', waiting_since = NULL, "
        f"awaiting_reply_since = NULL, promise_due_at = NULL, promise_state = CASE "
        f"WHEN promise_state = 'breached' THEN 'breached' END "
        f"WHERE id IN ({', '.join(str(case_id) for case_id, _ in found)})"
    )
    store.commit()
    return len(found)


def _closing_steps(status: str) -> list[tuple[str, str]]:
    if status == "new":
        return [("new", "resolved"), ("resolved", "closed")]
    if status in ("pending_customer", "pending_internal"):
        return [(status, "open"), ("open", "resolved"), ("resolved", "closed")]
    if status == "resolved":
        return [("resolved", "closed")]
    return [("open", "resolved"), ("resolved", "closed")]


def grow(
    store: Store, generator: Generator, counters: Counters, *, to_cases: int, messages: float
) -> Iterator[int]:
    """Add cases up to ``to_cases`` in chunks (one transaction each); yields the case count."""
    now = generator.now_after(to_cases)
    close_open_work(store, counters, now)
    while counters.cases < to_cases:
        rows = generator.chunk(
            counters, min(CHUNK, to_cases - counters.cases), now=now, messages=messages
        )
        store.copy("customers", CUSTOMER_COLUMNS, rows.customers)
        store.copy("cases", CASE_COLUMNS, rows.cases)
        store.copy("case_events", EVENT_COLUMNS, rows.events)
        store.copy("messages", MESSAGE_COLUMNS, rows.messages)
        store.commit()
        yield counters.cases
    store.finish()
