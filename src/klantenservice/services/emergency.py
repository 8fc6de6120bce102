"""The emergency lane's records: a report, its reference, the customer's card-block request.

Called inside the transaction that stores the report's message (the intake's batch, or the SOS
form's own), so the report, its audit rows and its outbox events commit with the message or not
at all (PSD2 art. 70(1)(c): the proof of the notification). After commit:

- ``emergency.reported`` tells the live views (the case tops every fraud agent's queue through
  routing: priority ``emergency`` is served first);
- ``card_block.requested`` makes the worker send the block to the core-banking system
  (``workers/card_blocker.py``), which needs no agent (PSD2 art. 70(1)(d)-(e)).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from klantenservice.domain.cases import Case
from klantenservice.domain.emergency import acknowledgement
from klantenservice.domain.emergency_detection import EmergencyKind
from klantenservice.domain.emergency_reports import (
    CardBlock,
    EmergencyReport,
    ReportVia,
    new_reference,
    retained_until,
)
from klantenservice.domain.errors import NotFound
from klantenservice.domain.events import DomainEvent
from klantenservice.domain.vocabulary import Channel
from klantenservice.services.ports import Actor, UnitOfWork
from klantenservice.services.system_replies import system_reply

MAX_REFERENCE_TRIES = 5


def record_report(
    uow: UnitOfWork,
    actor: Actor,
    *,
    case: Case,
    channel: Channel,
    via: ReportVia,
    kind: EmergencyKind | None,
    now: datetime,
    emit: Callable[[DomainEvent], None],
    card_last_four: str | None = None,
    block_card: bool = False,
    random_bytes: Callable[[int], bytes] = secrets.token_bytes,
) -> tuple[EmergencyReport, CardBlock | None]:
    """Store the report (and the block request) for ``case``; events go to ``emit``."""
    reported_at = now.replace(microsecond=0)
    report = EmergencyReport(
        id=None,
        reference=_free_reference(uow, random_bytes),
        reported_at=reported_at,
        channel=channel,
        via=via,
        kind=kind,
        case_id=case.id,
        customer_id=case.customer_id,
        language=case.language,
        card_last_four=card_last_four,
        retain_until=retained_until(reported_at),
    )
    report = uow.emergencies.add_report(report)
    assert report.id is not None
    details = {
        "reference": report.reference,
        "case_id": case.id,
        "channel": channel.value,
        "via": via.value,
        "kind": kind.value if kind else None,
        "reported_at": reported_at.isoformat(),
    }
    uow.audit.record(
        actor=actor,
        action="emergency.reported",
        subject_type="emergency_report",
        subject_id=report.id,
        at=now,
        details=details,
    )
    emit(DomainEvent("emergency.reported", {"case_id": case.id, "report_id": report.id}, now))
    block = None
    if block_card:
        block = uow.emergencies.add_block(
            CardBlock(id=None, report_id=report.id, requested_at=now, card_last_four=card_last_four)
        )
        uow.audit.record(
            actor=actor,
            action="card_block.requested",
            subject_type="emergency_report",
            subject_id=report.id,
            at=now,
            details={"reference": report.reference, "case_id": case.id},
        )
        emit(DomainEvent("card_block.requested", {"report_id": report.id}, now))
    return report, block


@dataclass(frozen=True, slots=True)
class Acknowledge:
    """How the acknowledgement names the time and the ways to block a card."""

    timezone: str = "Europe/Amsterdam"
    emergency_number: str = ""
    sos_url: str = ""


def report_and_acknowledge(
    uow: UnitOfWork,
    actor: Actor,
    *,
    case: Case,
    channel: Channel,
    via: ReportVia,
    kind: EmergencyKind | None,
    now: datetime,
    emit: Callable[[DomainEvent], None],
    acknowledge: Acknowledge,
    card_last_four: str | None = None,
    block_card: bool = False,
    random_bytes: Callable[[int], bytes] = secrets.token_bytes,
) -> EmergencyReport:
    """Record the report and tell the customer its reference at once, on the case's channel
    when it can carry a message (the SOS form and the phone say it in place)."""
    report, _block = record_report(
        uow,
        actor,
        case=case,
        channel=channel,
        via=via,
        kind=kind,
        now=now,
        emit=emit,
        card_last_four=card_last_four,
        block_card=block_card,
        random_bytes=random_bytes,
    )
    text = acknowledgement(
        case.language,
        reference=report.reference,
        reported_at=report.reported_at,
        zone=acknowledge.timezone,
        emergency_number=acknowledge.emergency_number,
        sos_url=acknowledge.sos_url,
    )
    sent = system_reply(uow, case, text, now)
    if sent is not None:
        emit(sent)
    return report


def kind_of(category: str | None) -> EmergencyKind | None:
    """The kind a sender named as the case's category (the SOS form does), if it is one."""
    try:
        return EmergencyKind(category) if category else None
    except ValueError:
        return None


def _free_reference(uow: UnitOfWork, random_bytes: Callable[[int], bytes]) -> str:
    """A reference no report has yet (40 random bits: a clash is rare, but not impossible)."""
    for _ in range(MAX_REFERENCE_TRIES):
        reference = new_reference(random_bytes(5))
        if uow.emergencies.report_by_reference(reference) is None:
            return reference
    raise RuntimeError("no free emergency reference after several tries")


def confirmation(uow: UnitOfWork, reference: str) -> tuple[EmergencyReport, CardBlock | None]:
    """The report and its block, as the customer's confirmation shows them."""
    with uow:
        report = uow.emergencies.report_by_reference(reference)
        if report is None or report.id is None:
            raise NotFound(f"no emergency report {reference}")
        return report, uow.emergencies.block_for_report(report.id)
