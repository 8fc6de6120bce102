"""Agent replies and internal notes on a case.

A reply is stored and announced through the outbox (``message.outbound``): the channel adapter
delivers it after commit, so nothing leaves before the reply is durably stored. Agents reply
only on cases assigned to them or to nobody (``access.get_case_to_work_on``): two agents must
not answer one customer at cross purposes. Internal notes are how colleagues help each other
("I spoke to her on the phone"), so any agent who may read a case may add a note to it.
"""

from __future__ import annotations

from datetime import datetime

from klantenservice.domain.cases import Case
from klantenservice.domain.errors import PermissionDenied, ValidationError
from klantenservice.domain.events import DomainEvent
from klantenservice.domain.messages import Message
from klantenservice.domain.permissions import Permission
from klantenservice.domain.vocabulary import AuthorKind, CaseId, Channel, Direction
from klantenservice.services import access, channel_rules
from klantenservice.services.cases import save_change
from klantenservice.services.ports import Actor, Page, UnitOfWork


def _write_agent_message(
    uow: UnitOfWork,
    *,
    actor: Actor,
    case_id: CaseId,
    body: str,
    now: datetime,
    channel: Channel | None,
    action: str,
) -> Message:
    """Lock the case and write: a reply on the actor's own or nobody's case, a note on any."""
    if channel is Channel.INTERNAL_NOTE:
        case = access.get_case_for(
            uow, actor, case_id, permission=Permission.MESSAGE_WRITE, for_update=True
        )
    else:
        case = access.get_case_to_work_on(uow, actor, case_id, permission=Permission.MESSAGE_WRITE)
        # WhatsApp's 24-hour window, SMS opt-out: refused before anything is stored
        channel_rules.check_reply(uow, case, channel or case.channel, now)
    _case, message = store_agent_message(
        uow, actor=actor, case=case, body=body, now=now, channel=channel, action=action
    )
    return message


def store_agent_message(
    uow: UnitOfWork,
    *,
    actor: Actor,
    case: Case,
    body: str,
    now: datetime,
    channel: Channel | None,
    action: str,
) -> tuple[Case, Message]:
    """Store an agent's message on the locked ``case``, let the domain record it, save it.

    Inside the caller's transaction (no commit), so a transfer can add its note in the same
    commit as the hand-over (``services/transfer.py``).
    """
    assert actor.agent_id is not None
    internal = channel is Channel.INTERNAL_NOTE
    message = uow.messages.add(
        Message(
            id=None,
            case_id=case.id,
            channel=channel or case.channel,
            direction=Direction.INTERNAL if internal else Direction.OUTBOUND,
            author_kind=AuthorKind.AGENT,
            body=body,
            created_at=now,
            author_agent_id=actor.agent_id,
        )
    )
    assert message.id is not None
    record = case.record_internal_note if internal else case.record_agent_reply
    changed, events = record(at=now, message_id=message.id, agent_id=actor.agent_id)
    details = {"message_id": message.id, "channel": message.channel.value}
    save_change(uow, actor, changed, events, action=action, now=now, details=details)
    return changed, message


def reply_to_case(
    uow: UnitOfWork,
    *,
    actor: Actor,
    case_id: CaseId,
    body: str,
    now: datetime,
    channel: Channel | None = None,
) -> Message:
    """A public answer from an agent on the case's channel (or another one given).

    The channel adapter sends it after commit, from the ``message.outbound`` outbox event.
    """
    if actor.agent_id is None:
        raise PermissionDenied("only agents reply to customers; this account has no agent profile")
    if channel is Channel.INTERNAL_NOTE:
        raise ValidationError("use the notes endpoint for internal notes")
    with uow:
        message = _write_agent_message(
            uow,
            actor=actor,
            case_id=case_id,
            body=body,
            now=now,
            channel=channel,
            action="message.sent",
        )
        payload = {
            "message_id": message.id,
            "case_id": message.case_id,
            "channel": message.channel.value,
        }
        uow.outbox.add(DomainEvent("message.outbound", payload, now))
        uow.commit()
        return message


def add_note(
    uow: UnitOfWork, *, actor: Actor, case_id: CaseId, body: str, now: datetime
) -> Message:
    """An internal note: visible to staff only, never sent, no promise clock moves."""
    if actor.agent_id is None:
        raise PermissionDenied("only agents write notes; this account has no agent profile")
    with uow:
        message = _write_agent_message(
            uow,
            actor=actor,
            case_id=case_id,
            body=body,
            now=now,
            channel=Channel.INTERNAL_NOTE,
            action="note.added",
        )
        uow.commit()
        return message


def case_messages(
    uow: UnitOfWork, *, actor: Actor, case_id: CaseId, after: int, limit: int, now: datetime
) -> Page:
    """The case's messages, including those of cases merged into it; the read is audited."""
    with uow:
        case = access.get_case_for(uow, actor, case_id)
        ids = [case.id, *uow.cases.merged_into(case.id)]
        page = uow.messages.for_cases(ids, after=after, limit=limit)
        access.record_customer_view(
            uow, actor, case.customer_id, at=now, via=f"case:{case.id}:messages"
        )
        uow.commit()
        return page
