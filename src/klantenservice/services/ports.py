"""Ports: what a service needs from the outside world, as protocols.

Services depend on these, adapters implement them (``adapters/db/unit_of_work.py``). A unit of
work is a transaction: it rolls back unless ``commit()`` is called; the audit records and outbox
events written through it commit together with the state change (DESIGN.md conventions 3-4).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self

from klantenservice.domain.agents import Agent, Queue, Team
from klantenservice.domain.audit import AuditRecord
from klantenservice.domain.calendars import BusinessCalendar
from klantenservice.domain.cases import Case, CaseStatus
from klantenservice.domain.customers import ContactPoint, Customer, CustomerRef
from klantenservice.domain.events import CaseEvent, DomainEvent
from klantenservice.domain.messages import Message
from klantenservice.domain.portal_sign_in import PortalSession
from klantenservice.domain.promises import PromisePolicy
from klantenservice.domain.reply_templates import ReplyTemplate, ReplyTemplateId
from klantenservice.domain.routing import AgentSnapshot
from klantenservice.domain.vocabulary import (
    AgentId,
    CaseId,
    Channel,
    CustomerId,
    Language,
    MessageId,
    Presence,
    QueueId,
    Role,
    UserId,
)
from klantenservice.services.attachment_ports import AttachmentRepository
from klantenservice.services.chat_ports import ChatRepository
from klantenservice.services.desk_reads import InboxReads, SupervisionReads
from klantenservice.services.email_ports import EmailRepository
from klantenservice.services.emergency_ports import EmergencyRepository
from klantenservice.services.incident_ports import IncidentRepository
from klantenservice.services.matching_ports import CustomerMatchRepository
from klantenservice.services.messaging_ports import MessagingRepository
from klantenservice.services.voice_ports import CallRepository


class DuplicateExternalId(Exception):
    """Raised by ``MessageRepository.add`` when ``(channel, external_id)`` is already stored.

    The transaction is then unusable (PostgreSQL aborts it): roll back and read the stored one.
    """

    def __init__(self, channel: Channel, external_id: str) -> None:
        super().__init__(f"{channel.value} message {external_id!r} already stored")
        self.channel = channel
        self.external_id = external_id


class Unavailable(Exception):
    """Something the use case needs is not running now (the intake writer process restarting).

    Nothing of the request is known to have happened or not: answered as 503, to retry.
    """


class ConcurrentChange(Exception):
    """Another transaction committed a conflicting row first (e.g. the same new contact point).

    The transaction is unusable; a service may retry the whole use case once, and will then
    see the other transaction's row.
    """


class Credentials(Protocol):
    """Password hashing, second factor and token issuing (``adapters/credentials.py``)."""

    def hash_password(self, password: str, *, personal: tuple[str, ...] = ()) -> str: ...
    def verify_password(self, stored_hash: str | None, password: str) -> bool: ...
    def verify_totp(self, secret: str, code: str, *, at: datetime) -> bool: ...
    def new_totp_secret(self) -> str: ...
    def totp_uri(self, secret: str, *, account: str) -> str: ...
    def issue_session_token(self) -> tuple[str, str]: ...
    def issue_api_token(self) -> tuple[str, str]: ...
    def digest(self, token: str) -> str: ...
    def is_api_token(self, token: str) -> bool: ...


class Clock(Protocol):
    def now(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting: a staff user, an integration token, the system, or a customer."""

    kind: str  # "user" | "token" | "system" | "customer"
    id: int | None
    roles: frozenset[Role] = field(default_factory=frozenset)
    agent_id: AgentId | None = None
    name: str = ""

    @property
    def label(self) -> str:
        return self.kind if self.id is None else f"{self.kind}:{self.id}"


SYSTEM = Actor(kind="system", id=None, roles=frozenset({Role.ADMIN}), name="system")


@dataclass(frozen=True, slots=True)
class StaffUser:
    id: UserId
    email: str
    name: str
    password_hash: str
    roles: frozenset[Role]
    totp_secret: str | None
    active: bool


@dataclass(frozen=True, slots=True)
class Page:
    """Keyset pagination: ``after`` is the last id seen; ``next_after`` is None at the end."""

    items: Sequence[Any]
    next_after: int | None


class CustomerRepository(Protocol):
    def get(self, customer_id: CustomerId) -> Customer | None: ...
    def find_by_contact(self, point: ContactPoint) -> Customer | None: ...
    def ref_by_contact(self, point: ContactPoint) -> CustomerRef | None: ...
    def add(self, customer: Customer, *, at: datetime) -> Customer: ...
    def update(self, customer: Customer, *, at: datetime) -> None: ...
    def list(self, *, after: int, limit: int, search: str | None) -> Page: ...


class CaseRepository(Protocol):
    def get(self, case_id: CaseId, *, for_update: bool = False) -> Case | None: ...
    def add(self, case: Case, *, at: datetime) -> Case: ...
    def update(self, case: Case, *, at: datetime, only_if_unassigned: bool = False) -> bool: ...
    def add_events(self, case_id: CaseId, events: Sequence[CaseEvent]) -> None: ...
    def history(self, case_ids: Sequence[CaseId]) -> list[CaseEvent]: ...
    def latest_for_customer(
        self, customer_id: CustomerId, *, for_update: bool = False
    ) -> Case | None: ...
    def merged_into(self, case_id: CaseId) -> list[CaseId]: ...
    def set_promise_projection(
        self, case_id: CaseId, *, due_at: datetime | None, state: str | None
    ) -> None: ...
    def promise_due_at(self, case_id: CaseId) -> datetime | None: ...
    def waiting(self, *, limit: int) -> list[Case]: ...
    def waiting_emergencies(self, *, limit: int) -> list[Case]:
        """Unassigned emergencies an agent could take now (not pending the customer)."""
        ...

    def for_customer(self, customer_id: CustomerId, *, limit: int) -> list[Case]: ...
    def list(self, *, after: int, limit: int, filters: Mapping[str, Any]) -> Page: ...


class MessageRepository(Protocol):
    def add(self, message: Message) -> Message: ...
    def by_external_id(self, channel: Channel, external_id: str) -> Message | None: ...
    def for_cases(self, case_ids: Sequence[CaseId], *, after: int, limit: int) -> Page: ...
    def get(self, message_id: MessageId) -> Message | None: ...
    def recent_for_cases(
        self, case_ids: Sequence[CaseId], *, before: int | None, limit: int
    ) -> Page: ...


class AgentRepository(Protocol):
    def get(self, agent_id: AgentId, *, for_update: bool = False) -> Agent | None: ...
    def by_user(self, user_id: UserId) -> Agent | None: ...
    def add(self, agent: Agent) -> Agent: ...
    def set_presence(self, agent_id: AgentId, presence: Presence) -> None: ...
    def mark_assigned(self, agent_id: AgentId, *, at: datetime) -> None: ...
    def load(self, agent_id: AgentId) -> dict[Channel, int]: ...
    def snapshots(self, *, queue_id: QueueId | None = None) -> list[AgentSnapshot]: ...
    def list(self) -> list[Agent]: ...


class DirectoryRepository(Protocol):
    """Configuration: teams, queues, skills, calendars and promise policies."""

    def add_team(self, team: Team) -> Team: ...
    def add_queue(self, queue: Queue) -> Queue: ...
    def get_queue(self, queue_id: QueueId) -> Queue | None: ...
    def queue_by_name(self, name: str) -> Queue | None: ...
    def queues(self) -> list[Queue]: ...
    def teams(self) -> list[Team]: ...
    def add_skill(self, name: str, kind: str) -> None: ...
    def skills(self) -> dict[str, str]: ...
    def put_calendar(self, name: str, definition: Mapping[str, Any]) -> None: ...
    def calendar(self, name: str) -> BusinessCalendar | None: ...
    def add_policy(self, policy: PromisePolicy) -> None: ...
    def policies(self) -> list[PromisePolicy]: ...


class StaffRepository(Protocol):
    def add_user(
        self, *, email: str, name: str, password_hash: str, roles: frozenset[Role], at: datetime
    ) -> StaffUser: ...
    def user_by_email(self, email: str) -> StaffUser | None: ...
    def user(self, user_id: UserId) -> StaffUser | None: ...
    def users(self) -> list[StaffUser]: ...
    def set_totp(self, user_id: UserId, secret: str | None) -> None: ...
    def add_session(
        self, *, user_id: UserId, digest: str, at: datetime, expires: datetime
    ) -> None: ...
    def session_user(self, digest: str, *, at: datetime) -> StaffUser | None: ...
    def revoke_session(self, digest: str, *, at: datetime) -> None: ...
    def add_token(
        self,
        *,
        name: str,
        digest: str,
        roles: frozenset[Role],
        created_by: UserId | None,
        at: datetime,
    ) -> int: ...
    def token_roles(self, digest: str) -> tuple[int, str, frozenset[Role]] | None: ...
    def revoke_token(self, token_id: int, *, at: datetime) -> bool: ...


class PortalRepository(Protocol):
    """The customer portal's sessions, used sign-in assertions and reads (services/portal*.py)."""

    def customer_by_reference(self, reference: str) -> Customer | None: ...
    def use_assertion(self, assertion_id: str, *, expires_at: datetime, at: datetime) -> bool: ...
    def forget_expired(self, *, at: datetime) -> None: ...
    def add_session(self, *, digest: str, session: PortalSession) -> None: ...
    def session(self, digest: str, *, at: datetime) -> PortalSession | None: ...
    def end_session(self, digest: str, *, at: datetime) -> None: ...
    def cases_of(self, customer_id: CustomerId, *, limit: int) -> list[Case]: ...
    def last_activity(self, case_ids: Sequence[CaseId]) -> dict[CaseId, datetime]: ...
    def visible_messages(self, case_ids: Sequence[CaseId], *, limit: int) -> list[Message]: ...
    def demo_customers(self, *, limit: int) -> list[Customer]: ...


class ReplyTemplateRepository(Protocol):
    """Reply templates (``domain/reply_templates.py``); add/update raise ConcurrentChange on a
    name that another transaction took meanwhile."""

    def list(self, *, language: Language | None = None) -> list[ReplyTemplate]: ...
    def get(self, template_id: ReplyTemplateId) -> ReplyTemplate | None: ...
    def by_name(self, name: str, language: Language) -> ReplyTemplate | None: ...
    def add(self, template: ReplyTemplate, *, at: datetime) -> ReplyTemplate: ...
    def update(self, template: ReplyTemplate, *, at: datetime) -> ReplyTemplate: ...
    def delete(self, template_id: ReplyTemplateId) -> bool: ...


class AuditTrail(Protocol):
    def record(
        self,
        *,
        actor: Actor,
        action: str,
        subject_type: str,
        subject_id: object,
        at: datetime,
        details: Mapping[str, Any] | None = None,
    ) -> None: ...
    def query(
        self,
        *,
        after: int,
        limit: int,
        subject_type: str | None,
        subject_id: str | None,
        actor: str | None,
        action: str | None,
    ) -> Page: ...
    def iterate(self) -> Iterator[AuditRecord]: ...


class Outbox(Protocol):
    def add(self, event: DomainEvent) -> None: ...
    def add_all(self, events: Sequence[DomainEvent]) -> None: ...


class UnitOfWork(Protocol):
    customers: CustomerRepository
    cases: CaseRepository
    messages: MessageRepository
    agents: AgentRepository
    directory: DirectoryRepository
    staff: StaffRepository
    audit: AuditTrail
    outbox: Outbox
    chats: ChatRepository  # the customer chat widget (services/chat.py)
    messaging: MessagingRepository  # WhatsApp and SMS (services/messaging.py)
    reply_templates: ReplyTemplateRepository
    portal: PortalRepository
    inbox: InboxReads  # the desk's inbox page (services/desk.py)
    supervision: SupervisionReads  # the supervisor's board (services/supervision.py)
    email: EmailRepository  # the e-mail channel (services/email_intake.py)
    calls: CallRepository  # phone calls (services/voice.py)
    matches: CustomerMatchRepository  # one customer across channels (customer_matching.py)
    emergencies: EmergencyRepository  # the emergency lane (services/emergency.py)
    attachments: AttachmentRepository  # what customers attached (services/attachments.py)
    incidents: IncidentRepository  # incident mode (services/incidents.py)

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, read_only: bool = False) -> UnitOfWork: ...


__all__ = [
    "SYSTEM",
    "Actor",
    "AgentRepository",
    "AuditTrail",
    "CaseRepository",
    "CaseStatus",
    "Clock",
    "CustomerRepository",
    "DirectoryRepository",
    "MessageRepository",
    "Outbox",
    "Page",
    "PortalRepository",
    "ReplyTemplateRepository",
    "StaffRepository",
    "StaffUser",
    "UnitOfWork",
    "UnitOfWorkFactory",
]
