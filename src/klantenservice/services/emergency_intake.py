"""The emergency lane inside the intake: recognise, thread, escalate, report.

Called by ``services/inbound_message.receive_one`` for every message:

- ``recognise``: a message the sender did not mark is read for an emergency
  (``domain/emergency_detection``; for e-mail only the customer's own words, not the quoted
  history). A hit makes it priority ``emergency`` with the kind as category.
- ``threading``: an emergency that arrives on an ordinary case that has moved on (an agent took
  it or answered) opens its own case, linked to it, with its own 10-minute clock and report
  (``KEEP_APART``). On a case that has only just been opened (a chat that has just started,
  nobody on it yet) the case itself is raised to the lane (``escalate``): the conversation
  stays in one place.
- ``report``: a case that became an emergency (new, or raised) gets its report, reference and
  acknowledgement (``services/emergency.report_and_acknowledge``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, TypeVar

from klantenservice.domain.cases import Case, CaseStatus
from klantenservice.domain.emergency import EMERGENCY_SKILL, fresh_text
from klantenservice.domain.emergency_detection import EmergencySignal, detect_emergency
from klantenservice.domain.emergency_reports import ReportVia
from klantenservice.domain.events import CaseEvent
from klantenservice.domain.vocabulary import Channel, Priority
from klantenservice.services.ports import UnitOfWork

if TYPE_CHECKING:
    from datetime import datetime

    from klantenservice.services.inbound_message import InboundMessage

EMERGENCY_QUEUE = "emergency"
Inbound = TypeVar("Inbound", bound="InboundMessage")


def recognise(inbound: Inbound) -> tuple[Inbound, EmergencySignal | None]:
    """The message as the intake treats it, and what was recognised (None: nothing new).

    Runs once per message: in the writer (``receive_one``), or, with the process writer, in
    the web process before the batch goes to the child (``adapters/writer_process.py``; the
    child's ``IntakeOptions.recognise`` is off), so the one writer, the intake's bottleneck,
    does not spend its time on it. A recognised message carries what was found
    (``priority``, ``detected_kind``); any other is handed on unchanged.
    """
    if inbound.priority is Priority.EMERGENCY:
        return inbound, None
    text = fresh_text(inbound.body) if inbound.channel is Channel.EMAIL else inbound.body
    signal = detect_emergency(text, inbound.subject)
    if signal is None:
        return inbound, None
    marked = replace(
        inbound,
        priority=Priority.EMERGENCY,
        category=inbound.category or signal.kind.value,
        emergency_via=inbound.emergency_via or ReportVia.DETECTED,
        detected_kind=signal.kind,
    )
    return marked, signal


def raises(inbound: InboundMessage, case: Case) -> bool:
    """Does this message make an ordinary case an emergency?"""
    return inbound.priority is Priority.EMERGENCY and case.priority is not Priority.EMERGENCY


def keep_apart(inbound: InboundMessage, case: Case) -> bool:
    """An emergency on an ordinary case that has moved on gets a linked case of its own."""
    just_opened = case.status is CaseStatus.NEW and case.assignee_id is None
    return raises(inbound, case) and not just_opened


def escalate(uow: UnitOfWork, case: Case, now: datetime) -> tuple[Case, list[CaseEvent]]:
    """Raise a just-opened case to the lane: priority, the 24/7 queue, the fraud skill."""
    raised, events = case.change_priority(Priority.EMERGENCY, at=now)
    queue = uow.directory.queue_by_name(EMERGENCY_QUEUE)
    if queue is not None and queue.id is not None:
        raised, moved = raised.move_to_queue(queue.id, at=now)
        events.extend(moved)
    raised = replace(raised, required_skills=raised.required_skills | {EMERGENCY_SKILL})
    return raised, events
