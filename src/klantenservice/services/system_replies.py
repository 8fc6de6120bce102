"""Messages the system itself sends a customer (an acknowledgement, an incident notice).

Stored like an agent's reply (direction outbound, on the case's channel) but with author kind
``system`` and no case event: a system message is not a human response, so no promise clock
stops and the emergency lane's time to human keeps running. The channel adapters deliver it
from the ``message.outbound`` outbox event, as they deliver agents' replies.
"""

from __future__ import annotations

from datetime import datetime

from klantenservice.domain.cases import Case
from klantenservice.domain.events import DomainEvent
from klantenservice.domain.messages import Message
from klantenservice.domain.vocabulary import AuthorKind, Channel, Direction
from klantenservice.services.ports import UnitOfWork

# Channels a message can be sent back on without an agent (phone and forms answer in place).
REPLYABLE = frozenset({Channel.CHAT, Channel.EMAIL, Channel.WHATSAPP, Channel.SMS})


def system_reply(uow: UnitOfWork, case: Case, body: str, now: datetime) -> DomainEvent | None:
    """Store ``body`` for the customer of ``case``; the outbox event to add, or None when the
    case's channel cannot carry it."""
    if case.channel not in REPLYABLE:
        return None
    message = uow.messages.add(
        Message(
            id=None,
            case_id=case.id,
            channel=case.channel,
            direction=Direction.OUTBOUND,
            author_kind=AuthorKind.SYSTEM,
            body=body,
            created_at=now,
        )
    )
    payload = {"message_id": message.id, "case_id": case.id, "channel": case.channel.value}
    return DomainEvent("message.outbound", payload, now)
