"""Customer chats (the web widget): start, the token, messages in and out, asking for a person.

    widget "Start chat" ──► start_chat: customer (new, or matched by e-mail), case on
                            channel chat, chat row with the digest of a random token — one
                            transaction, audited, ``case.created`` in the outbox
    widget message      ──► chat_inbound → services/inbound (the intake of every channel):
                            idempotent on external_id = chat id + the browser's message id
    widget (re)connect  ──► authenticate_chat, then visible_messages(after=last id seen)
    "talk to a person"  ──► request_human: tag on the case, routed to an available agent

Who acts: a chat acts as ``chat_actor`` (kind ``chat``, the integration role: it may post
inbound messages and read what they belong to), so the audit trail says ``chat:<id>``.

Resuming by message id is exact because every message of a case is written while its case
row is locked (``inbound_message._thread`` and ``messages._write_agent_message`` lock it
first): within one case, ids grow in commit order, so "everything after id N" never skips a
message that committed late. Internal notes are never returned (``visible_messages``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from klantenservice.domain.cases import CaseStatus, format_reference, open_case
from klantenservice.domain.chat import (
    MAX_NAME_CHARS,
    check_chat_body,
    client_id_of,
    external_id,
)
from klantenservice.domain.customers import ContactKind, ContactPoint, Customer
from klantenservice.domain.errors import (
    AuthenticationFailed,
    InvalidTransition,
    NotFound,
    ValidationError,
)
from klantenservice.domain.events import CaseEvent, DomainEvent
from klantenservice.domain.routing import RoutingPolicy
from klantenservice.domain.vocabulary import (
    AuthorKind,
    CaseId,
    Channel,
    Direction,
    Language,
    QueueId,
    Role,
)
from klantenservice.services.assignment import route_case
from klantenservice.services.cases import save_change
from klantenservice.services.chat_ports import ChatSession
from klantenservice.services.inbound import InboundMessage, IntakeRequest
from klantenservice.services.ports import Actor, Credentials, UnitOfWork
from klantenservice.services.promises import refresh_projection

HUMAN_REQUESTED_TAG = "human-requested"
UNVERIFIED_TAG = "identity-unverified"  # matched by an e-mail address the chat only claimed
CHAT_SUBJECT = "Webchat"
REPLAY_LIMIT = 500
UNKNOWN_CHAT = "this chat is unknown or has ended; start a new chat"
EXPIRED_CHAT = "this chat has expired; start a new chat"


def chat_actor(chat_id: int | None) -> Actor:
    return Actor(kind="chat", id=chat_id, roles=frozenset({Role.INTEGRATION}), name="chat")


@dataclass(frozen=True, slots=True)
class ChatStart:
    """What the customer filled in (all optional) and the widget's language."""

    name: str = ""
    email: str | None = None
    language: Language = Language.NL


@dataclass(frozen=True, slots=True)
class StartedChat:
    token: str  # shown once, to the browser; only its digest is stored
    chat: ChatSession
    reference: str


@dataclass(frozen=True, slots=True)
class ChatLine:
    """A message as the customer sees it: who wrote it, when, and the text."""

    id: int
    author: str  # customer | agent | bot | system
    body: str
    at: datetime
    client_id: str | None  # the browser's id of a message it sent


def start_chat(
    uow: UnitOfWork,
    *,
    start: ChatStart,
    now: datetime,
    credentials: Credentials,
    lifetime: timedelta,
    queue_name: str,
) -> StartedChat:
    """A new chat: its customer, its case (channel chat), its token; one transaction."""
    name = " ".join(start.name.split())
    if len(name) > MAX_NAME_CHARS:
        raise ValidationError(f"the name has more than {MAX_NAME_CHARS} characters")
    point = ContactPoint.parse(ContactKind.EMAIL, start.email) if start.email else None
    actor = chat_actor(None)
    token, digest = credentials.issue_session_token()
    with uow:
        customer, matched = _customer(uow, actor, name, point, start.language, now)
        assert customer.id is not None
        draft, events = open_case(
            customer_id=customer.id,
            subject=CHAT_SUBJECT,
            channel=Channel.CHAT,
            at=now,
            language=start.language,
            segment=customer.segment,
            queue_id=_queue_id(uow, queue_name),
        )
        if matched:
            draft, tagged = draft.add_tags({UNVERIFIED_TAG}, at=now)
            events.extend(tagged)
        case = uow.cases.add(draft, at=now)
        uow.cases.add_events(case.id, events)
        details = {"channel": Channel.CHAT.value, "via": "chat"}
        uow.audit.record(
            actor=actor, action="case.created", subject_type="case", subject_id=case.id, at=now,
            details=details,
        )  # fmt: skip
        uow.outbox.add(DomainEvent("case.created", {"case_id": case.id}, now))
        refresh_projection(uow, case, now, history=events)
        chat = uow.chats.add(
            token_digest=digest,
            customer_id=customer.id,
            case_id=case.id,
            language=start.language,
            at=now,
            expires_at=now + lifetime,
            start_position=uow.chats.waiting_ahead(case) + 1,
        )
        uow.audit.record(
            actor=chat_actor(chat.id), action="chat.started", subject_type="chat",
            subject_id=chat.id, at=now,
            details={"case_id": case.id, "customer_id": customer.id, "matched": matched},
        )  # fmt: skip
        uow.commit()
    return StartedChat(token, chat, format_reference(case.id))


def _customer(
    uow: UnitOfWork,
    actor: Actor,
    name: str,
    point: ContactPoint | None,
    language: Language,
    now: datetime,
) -> tuple[Customer, bool]:
    """The customer with this e-mail address (matched, unverified), or a new one."""
    if point is not None:
        known = uow.customers.find_by_contact(point)
        if known is not None:
            return known, True
    customer = uow.customers.add(
        Customer(
            id=None,
            name=name,
            language=language,
            contact_points=(point,) if point else (),
            created_at=now,
        ),
        at=now,
    )
    uow.audit.record(
        actor=actor, action="customer.created", subject_type="customer",
        subject_id=customer.id, at=now, details={"via": Channel.CHAT.value},
    )  # fmt: skip
    return customer, False


def _queue_id(uow: UnitOfWork, name: str) -> QueueId | None:
    queue = uow.directory.queue_by_name(name)
    if queue is not None:
        return queue.id
    queues = uow.directory.queues()
    return queues[0].id if queues else None


def authenticate_chat(
    uow: UnitOfWork, *, token: str, now: datetime, credentials: Credentials
) -> ChatSession:
    """The chat of a token; unknown, forged or expired tokens are refused alike (401)."""
    if not token or len(token) > 200:
        raise AuthenticationFailed(UNKNOWN_CHAT)
    with uow:
        chat = uow.chats.by_token(credentials.digest(token))
    if chat is None:
        raise AuthenticationFailed(UNKNOWN_CHAT)
    if chat.expires_at <= now:
        raise AuthenticationFailed(EXPIRED_CHAT)
    return chat


def chat_inbound(chat: ChatSession, *, client_id: str, body: str) -> IntakeRequest:
    """A customer's chat message as an intake request; refused here if too long or empty.

    The case reference keeps the message in the chat's case even when the customer has
    other open cases; the intake's reopen rule applies as on every channel.
    """
    check_chat_body(body)
    inbound = InboundMessage(
        channel=Channel.CHAT,
        body=body,
        external_id=external_id(chat.id, client_id),
        customer_id=chat.customer_id,
        language=chat.language,
        case_reference=format_reference(chat.case_id),
    )
    return IntakeRequest(inbound, actor=chat_actor(chat.id))


def follow_case(uow: UnitOfWork, *, chat: ChatSession, case_id: CaseId, now: datetime) -> None:
    """The intake put the chat's message in another case (closed → new linked case, merge)."""
    if case_id == chat.case_id:
        return
    with uow:
        uow.chats.move_to_case(chat.id, case_id)
        uow.audit.record(
            actor=chat_actor(chat.id), action="chat.case_changed", subject_type="chat",
            subject_id=chat.id, at=now, details={"from": chat.case_id, "to": case_id},
        )  # fmt: skip
        uow.commit()


def current_chat(uow: UnitOfWork, chat_id: int) -> ChatSession:
    with uow:
        chat = uow.chats.get(chat_id)
    if chat is None:
        raise NotFound(UNKNOWN_CHAT)
    return chat


def visible_messages(uow: UnitOfWork, *, chat: ChatSession, after: int) -> list[ChatLine]:
    """What the customer may see of the chat's case after message ``after``: no notes."""
    with uow:
        found = uow.chats.visible_messages(chat.case_id, after=after, limit=REPLAY_LIMIT)
    return [
        ChatLine(
            id=int(m.id or 0),
            author=m.author_kind.value,
            body=m.body,
            at=m.created_at,
            client_id=client_id_of(chat.id, m.external_id)
            if m.direction is Direction.INBOUND and m.author_kind is AuthorKind.CUSTOMER
            else None,
        )
        for m in found
    ]


def request_human(
    uow: UnitOfWork,
    *,
    chat: ChatSession,
    now: datetime,
    policy: RoutingPolicy,
    auto_assign: bool,
) -> bool:
    """ "I want to talk to a person": tag the case (audited, on the agent's timeline) and
    offer it to an available agent now. False when it was asked before (nothing changes).
    """
    actor = chat_actor(chat.id)
    with uow:
        case = uow.cases.get(chat.case_id, for_update=True)
        if case is None:
            raise NotFound(UNKNOWN_CHAT)
        if case.status is CaseStatus.CLOSED:
            raise InvalidTransition("this chat's case is closed; start a new chat")
        events: list[CaseEvent] = []
        if case.status is CaseStatus.RESOLVED:
            case, events = case.reopen(at=now)
        changed, tagged = case.add_tags({HUMAN_REQUESTED_TAG}, at=now)
        if not tagged and not events:
            return False
        details = {"chat_id": chat.id}
        save_change(
            uow, actor, changed, [*events, *tagged], action="chat.human_requested", now=now,
            details=details,
        )  # fmt: skip
        uow.chats.set_human_requested(chat.id, now)
        if auto_assign and changed.assignee_id is None:
            routed = route_case(uow, actor, changed, now=now, policy=policy)
            refresh_projection(uow, routed.case, now)
        uow.commit()
    return True
