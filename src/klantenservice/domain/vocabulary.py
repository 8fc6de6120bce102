"""Shared vocabulary of the domain: typed ids and the enumerations every module speaks.

Kept in one small module so that ``cases``, ``routing`` and ``promises`` agree on what a
channel or a priority is without importing each other.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum
from typing import NewType

from klantenservice.domain.errors import ValidationError

CaseId = NewType("CaseId", int)
CustomerId = NewType("CustomerId", int)
MessageId = NewType("MessageId", int)
AgentId = NewType("AgentId", int)
TeamId = NewType("TeamId", int)
QueueId = NewType("QueueId", int)
UserId = NewType("UserId", int)


class Channel(StrEnum):
    CHAT = "chat"
    EMAIL = "email"
    PHONE = "phone"
    WHATSAPP = "whatsapp"
    SMS = "sms"
    WEB_FORM = "web_form"
    IN_PERSON = "in_person"
    INTERNAL_NOTE = "internal_note"


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"
    INTERNAL = "internal"


class AuthorKind(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"
    BOT = "bot"
    SYSTEM = "system"


class Priority(IntEnum):
    """Ordered: a higher value is served first. ``emergency`` is the fraud lane (PRODUCT.md §4)."""

    LOW = 1
    NORMAL = 2
    HIGH = 3
    URGENT = 4
    EMERGENCY = 5

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str) -> Priority:
        try:
            return cls[value.strip().upper()]
        except KeyError:
            allowed = ", ".join(p.label for p in cls)
            raise ValidationError(f"unknown priority {value!r}; use one of: {allowed}") from None


class Language(StrEnum):
    NL = "nl"
    EN = "en"


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    QUALITY = "quality"
    COMPLIANCE = "compliance"
    CREDIT = "credit"
    ADMIN = "admin"
    INTEGRATION = "integration"  # API tokens of systems, never a person


class Presence(StrEnum):
    AVAILABLE = "available"
    AWAY = "away"
    OFFLINE = "offline"
