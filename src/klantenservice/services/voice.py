"""Phone calls: their records, the message each call becomes, and the figures per period.

    Twilio webhook ──► web/voice ──► start_call         call record (IVR), caller's language
                                 ──► record_choice      one IVR step (idempotent per step)
                                 ──► call_message ──► intake (services/inbound): the call is
                                     an inbound message on channel phone, external id =
                                     CallSid, matched to the customer by E.164 number, on the
                                     customer's active case or a new one, routed, promised
                                 ──► mark_queued / mark_answered / mark_callback / mark_ended
    supervisor ──► call_statistics   wait, handle time, abandonment for a period

Each function is one transaction. The transitions are the domain's (``domain/calls.py``):
repeats and late webhooks change nothing. A call acts as ``VOICE_ACTOR`` (the integration
role: it may post inbound messages), so the audit trail shows ``phone:`` for what it did.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from klantenservice.domain.calls import CallRecord, CallStats, ChoiceBy, PathStep, call_stats
from klantenservice.domain.cases import CaseStatus
from klantenservice.domain.customers import ContactKind, ContactPoint, normalise_phone
from klantenservice.domain.emergency_reports import ReportVia
from klantenservice.domain.errors import NotFound, ValidationError
from klantenservice.domain.ivr import IvrScript, Route
from klantenservice.domain.permissions import Permission
from klantenservice.domain.vocabulary import Channel, Language, Priority, Role
from klantenservice.services import access
from klantenservice.services.cases import save_change
from klantenservice.services.inbound import InboundMessage, IntakeResult
from klantenservice.services.ports import SYSTEM, Actor, UnitOfWork

VOICE_ACTOR = Actor(kind="phone", id=None, roles=frozenset({Role.INTEGRATION}), name="phone")
CALLBACK_SUFFIX = ":callback"
MAX_PERIOD = timedelta(days=366)


def caller_number(raw: str) -> str | None:
    """The caller's number in E.164, or ``None`` for a withheld or unreadable one."""
    try:
        return normalise_phone(raw)
    except ValidationError:
        return None


def start_call(
    uow: UnitOfWork,
    *,
    call_sid: str,
    from_raw: str,
    to: str,
    now: datetime,
    default_language: Language,
    languages_by_number: Mapping[str, Language],
) -> CallRecord:
    """The call's record, created on its first webhook; the language it will be spoken to in.

    The language is the known customer's, else the one of the number dialled (a bank may
    publish an English line), else the default.
    """
    with uow:
        found = uow.calls.get(call_sid)
        if found is not None:
            return found
        number = caller_number(from_raw)
        customer = (
            uow.customers.ref_by_contact(ContactPoint(ContactKind.PHONE, number))
            if number is not None
            else None
        )
        dialled = caller_number(to)
        language = (
            customer.language
            if customer is not None
            else languages_by_number.get(dialled or to, default_language)
        )
        record = CallRecord(
            call_sid=call_sid,
            from_number=(number or from_raw.strip() or "unknown")[:32],
            to_number=(dialled or to.strip())[:32],
            language=language,
            started_at=now,
        )
        if not uow.calls.add_if_new(record):  # a concurrent retry stored it first
            stored = uow.calls.get(call_sid)
            assert stored is not None
            return stored
        uow.commit()
        return record


def get_call(uow: UnitOfWork, call_sid: str) -> CallRecord:
    with uow:
        return _found(uow.calls.get(call_sid), call_sid)


def known_call(uow: UnitOfWork, call_sid: str) -> bool:
    with uow:
        return uow.calls.get(call_sid) is not None


def _found(record: CallRecord | None, call_sid: str) -> CallRecord:
    if record is None:
        raise NotFound(f"no call {call_sid!r}; its first webhook must come first")
    return record


def _change(
    uow: UnitOfWork, call_sid: str, change: Callable[[CallRecord], CallRecord]
) -> CallRecord:
    with uow:
        record = _found(uow.calls.get(call_sid, for_update=True), call_sid)
        changed = change(record)
        if changed != record:
            uow.calls.update(changed)
            uow.commit()
        return changed


def record_choice(uow: UnitOfWork, *, call_sid: str, step: int, choice: PathStep) -> PathStep:
    """Store the choice of IVR ``step``; a retried step answers the choice stored first."""
    chosen: list[PathStep] = []

    def choose(record: CallRecord) -> CallRecord:
        changed, stored = record.chose(step, choice)
        chosen.append(stored)
        return changed

    _change(uow, call_sid, choose)
    return chosen[0]


def mark_queued(
    uow: UnitOfWork,
    *,
    call_sid: str,
    route: Route,
    now: datetime,
    intake: IntakeResult | None,
) -> CallRecord:
    def queue(record: CallRecord) -> CallRecord:
        record = record.queued(route.queue, route.priority, now)
        if intake is not None and record.case_id is None:
            record = record.linked(intake.case_id, intake.message_id)
        return record

    return _change(uow, call_sid, queue)


def mark_answered(uow: UnitOfWork, *, call_sid: str, now: datetime) -> CallRecord:
    """An agent picked up: the call record says so, and the call's case records the first
    human contact (it stops the first-response clock and the emergency lane's ladder)."""
    with uow:
        record = _found(uow.calls.get(call_sid, for_update=True), call_sid)
        changed = record.answered(now)
        if changed == record:
            return record
        uow.calls.update(changed)
        case = uow.cases.get(record.case_id, for_update=True) if record.case_id else None
        if case is not None and case.status not in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
            contacted, events = case.record_contact(at=now, agent_id=None, via="call_answered")
            details = {"call_sid": call_sid}
            save_change(uow, SYSTEM, contacted, events, action="case.contacted", now=now,
                        details=details)  # fmt: skip
        uow.commit()
        return changed


def mark_callback(uow: UnitOfWork, *, call_sid: str, now: datetime) -> CallRecord:
    return _change(uow, call_sid, lambda record: record.callback_requested(now))


def mark_ended(uow: UnitOfWork, *, call_sid: str, now: datetime) -> CallRecord:
    return _change(uow, call_sid, lambda record: record.ended(now))


def next_waiting_queue(uow: UnitOfWork, *, queues: frozenset[str] | None) -> str | None:
    """The queue an agent's phone should take a call from: the most urgent, longest waiting."""
    with uow:
        record = uow.calls.next_waiting(queues)
        return record.queue if record is not None else None


def path_labels(record: CallRecord, script: IvrScript) -> list[str]:
    labels = []
    for step in record.ivr_path:
        menu = script.menu(step.menu)
        option = menu.option(step.digit) if menu is not None else None
        labels.append(option.label if option is not None else f"{step.menu}:{step.digit}")
    return labels


def call_message(
    record: CallRecord, script: IvrScript, route: Route, *, callback: bool = False
) -> InboundMessage | None:
    """The inbound message a call (or its call-back request) is; ``None`` without a number.

    Written in the call's language from the script's phrases, with the IVR path as labels (no
    speech). A call-back request is its own message (CallSid + ``:callback``) so that it shows
    in the case's timeline and moves its promise clocks; the intake threads it onto the case
    of the call, the customer's active case. The emergency lane always opens a case of its
    own (``new_case``): a stolen card must not wait inside an open question about a payment.
    """
    if caller_number(record.from_number) is None:
        return None
    path = " › ".join(path_labels(record, script)) or "-"
    if callback:
        body = script.phrase("callback_note", number=record.from_number, path=path)
        external_id = record.call_sid + CALLBACK_SUFFIX
    else:
        body = script.phrase("call_note", path=path)
        external_id = record.call_sid
    return InboundMessage(
        channel=Channel.PHONE,
        body=body,
        external_id=external_id,
        contact=ContactPoint(ContactKind.PHONE, record.from_number),
        language=record.language,
        subject=script.phrase("call_subject", path=path)[:200],
        queue=route.queue,
        priority=route.priority,
        category=route.category,
        required_skills=route.skills,
        sent_at=record.started_at,
        # fraud or a lost card is a matter of its own, never buried in an open question
        new_case=route.priority is Priority.EMERGENCY and not callback,
        emergency_via=_emergency_via(record) if route.priority is Priority.EMERGENCY else None,
    )


def _emergency_via(record: CallRecord) -> ReportVia:
    dialled = bool(record.ivr_path) and record.ivr_path[0].by is ChoiceBy.NUMBER
    return ReportVia.EMERGENCY_NUMBER if dialled else ReportVia.IVR_OPTION


def call_statistics(uow: UnitOfWork, *, actor: Actor, start: datetime, end: datetime) -> CallStats:
    """Figures of the calls that started in ``[start, end)``: supervisors and administrators.

    Counts and durations only, no numbers or names: not a read of any customer's record.
    """
    access.check(actor, Permission.QUEUE_SUPERVISE)
    if end <= start:
        raise ValidationError("the period's end must be after its start")
    if end - start > MAX_PERIOD:
        raise ValidationError("a period is at most 366 days")
    with uow:
        return call_stats(uow.calls.started_between(start, end))
