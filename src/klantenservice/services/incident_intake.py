"""What an active incident does to an inbound message, inside the intake's transaction.

Called once per message by ``inbound_message.receive_one`` (the hot path): the active incidents
are read once per batch (``BatchState.incidents``, a prepared statement of about 3 µs on
SQLite), so a batch with no incident costs that and every message a check of an empty list.
For each incident affecting the case's channel whose tag the case does not carry yet:

- the case is tagged ``incident-<id>`` (the report counts these);
- a case opened by this very message moves to the incident's queue, unless it is an
  emergency: those stay in the emergency lane, whose 24/7 calendar and fraud agents they need;
- on chat, e-mail, WhatsApp and SMS the customer gets ``auto_reply_text`` once: a ``system``
  message (``services/system_replies.py``) announced as ``message.outbound`` like an agent's
  reply, so the channel's sender delivers it after commit. It records no ``AGENT_REPLY``
  event, so no promise clock and no emergency's time to human counts it as a human answer.
  An emergency gets none: the lane's acknowledgement (reference, number, SOS form) answered it.

The tag is what makes it once per case and incident: a later message finds it and does
nothing. A case already carrying the maximum number of tags is left as it is (never a failed
message because of an incident).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from klantenservice.domain.cases import MAX_TAGS, Case
from klantenservice.domain.events import CaseEvent
from klantenservice.domain.incidents import (
    DEFAULT_EMERGENCY_ROUTE,
    EmergencyRoute,
    Incident,
    auto_reply_text,
)
from klantenservice.domain.vocabulary import Priority
from klantenservice.services.ports import Actor, UnitOfWork
from klantenservice.services.system_replies import system_reply

if TYPE_CHECKING:  # inbound_message calls this module: no import cycle at run time
    from klantenservice.services.intake_routing import BatchState


def apply_incidents(
    uow: UnitOfWork,
    actor: Actor,
    case: Case,
    events: list[CaseEvent],
    *,
    created: bool,
    state: BatchState,
) -> Case:
    """The case as the active incidents leave it; their case events are added to ``events``."""
    active = state.incidents
    if active is None:
        active = state.incidents = uow.incidents.active()
    if not active:
        return case
    moved = False
    for incident in active:
        if not incident.affects(case.channel) or incident.tag in case.tags:
            continue
        if len(case.tags) >= MAX_TAGS:
            break
        case, tagged = case.add_tags({incident.tag}, at=state.now)
        events.extend(tagged)
        if created and not moved and case.priority is not Priority.EMERGENCY:
            queue = uow.directory.queue_by_name(incident.queue)
            if queue is not None and queue.id is not None:
                case, changed = case.move_to_queue(queue.id, at=state.now)
                events.extend(changed)
                moved = True
        if case.priority is not Priority.EMERGENCY:
            _auto_reply(uow, actor, case, incident, state)
    return case


def _auto_reply(
    uow: UnitOfWork, actor: Actor, case: Case, incident: Incident, state: BatchState
) -> None:
    options = state.options
    route = (
        EmergencyRoute(options.emergency_number, options.sos_url)
        if options.emergency_number and options.sos_url
        else DEFAULT_EMERGENCY_ROUTE
    )
    text = auto_reply_text(incident, case.language, route)
    event = system_reply(uow, case, text, state.now)
    if event is None:  # phone, web form, in person: answered in place, not sent
        return
    state.outbox.append(event)
    uow.audit.record(
        actor=actor,
        action="incident.auto_reply",
        subject_type="message",
        subject_id=event.payload["message_id"],
        at=state.now,
        details={"incident_id": incident.id, "case_id": case.id, "channel": case.channel.value},
    )
