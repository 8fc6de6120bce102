"""Sending a customer's card-block request to the core-banking system (PSD2 art. 70(1)(d)-(e)).

The request was stored with the report (``services/emergency.record_report``); the worker calls
``send_block`` for its ``card_block.requested`` outbox event, so nothing leaves before the request
is durable and a crash between the call and the answer re-sends it (our reference is the
idempotency key the core-banking system deduplicates on; blocking twice is harmless anyway).

Outcomes: confirmed (``card_block.confirmed``); refused by the core system, or unreachable on
the last allowed attempt (``card_block.failed``: the on-call supervisor is alerted, an agent
blocks the card by hand); unreachable before that (``BlockUnavailable`` propagates and the outbox
retries with backoff). The core system is never called inside a database transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from klantenservice.domain.customers import ContactKind
from klantenservice.domain.emergency_reports import BlockStatus, CardBlock, EmergencyReport
from klantenservice.domain.events import DomainEvent
from klantenservice.services.ports import SYSTEM, UnitOfWork, UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class BlockRequest:
    """What the core-banking system gets: our reference and how to find the card."""

    reference: str
    reported_at: datetime
    card_last_four: str | None
    customer_ref: str | None  # the customer's id in the core system, when we know it
    phone: str | None  # E.164, to find the customer when the id is unknown
    email: str | None


class BlockRefused(Exception):
    """The core system answered and will not block (unknown card, no match): do not retry."""


class BlockUnavailable(Exception):
    """The core system could not be reached or failed: retry later."""


class CoreBanking(Protocol):
    def block_card(self, request: BlockRequest) -> str:
        """Block the card; the core system's reference for the block."""
        ...


@dataclass(frozen=True, slots=True)
class BlockOutcome:
    status: BlockStatus
    attempts: int
    detail: str | None = None


def send_block(
    uow_factory: UnitOfWorkFactory,
    core: CoreBanking,
    *,
    report_id: int,
    now: datetime,
    last_attempt: bool,
) -> BlockOutcome:
    """Send one block request; idempotent (a settled block is not sent again)."""
    with uow_factory() as uow:
        block = uow.emergencies.block_for_report(report_id)
        report = _report(uow, block)
        if block is None or report is None:
            return BlockOutcome(BlockStatus.FAILED, 0, "no such block request")
        if block.status is not BlockStatus.REQUESTED:
            return BlockOutcome(block.status, block.attempts)
        request = _request(uow, report, block)
    try:
        core_reference = core.block_card(request)
    except BlockRefused as refused:
        return _settle(uow_factory, report, now, error=f"refused: {refused}"[:200], give_up=True)
    except BlockUnavailable as unavailable:
        error = f"unavailable: {unavailable}"[:200]
        outcome = _settle(uow_factory, report, now, error=error, give_up=last_attempt)
        if not last_attempt:
            raise
        return outcome
    return _settle(uow_factory, report, now, core_reference=core_reference)


def _report(uow: UnitOfWork, block: CardBlock | None) -> EmergencyReport | None:
    if block is None:
        return None
    return uow.emergencies.report(block.report_id)


def _request(uow: UnitOfWork, report: EmergencyReport, block: CardBlock) -> BlockRequest:
    customer = uow.customers.get(report.customer_id)
    return BlockRequest(
        reference=report.reference,
        reported_at=report.reported_at,
        card_last_four=block.card_last_four,
        customer_ref=customer.external_ref if customer else None,
        phone=customer.contact(ContactKind.PHONE) if customer else None,
        email=customer.contact(ContactKind.EMAIL) if customer else None,
    )


def _settle(
    uow_factory: UnitOfWorkFactory,
    report: EmergencyReport,
    now: datetime,
    *,
    core_reference: str | None = None,
    error: str | None = None,
    give_up: bool = False,
) -> BlockOutcome:
    """Record the answer on the block (locked, so two deliveries cannot both settle it)."""
    assert report.id is not None
    with uow_factory() as uow:
        block = uow.emergencies.block_for_report(report.id, for_update=True)
        assert block is not None
        if block.status is not BlockStatus.REQUESTED:
            return BlockOutcome(block.status, block.attempts)
        if core_reference is not None:
            block, action = block.blocked(core_reference, now), "card_block.confirmed"
        elif give_up:
            block, action = block.failed(error or "failed", now), "card_block.failed"
        else:
            block, action = block.attempted(error or "failed"), "card_block.retrying"
        uow.emergencies.save_block(block)
        details = {"reference": report.reference, "attempts": block.attempts}
        if block.last_error:
            details["error"] = block.last_error
        uow.audit.record(
            actor=SYSTEM,
            action=action,
            subject_type="emergency_report",
            subject_id=report.id,
            at=now,
            details=details,
        )
        if block.status is not BlockStatus.REQUESTED:
            payload = {"report_id": report.id, "case_id": report.case_id, **details}
            uow.outbox.add(DomainEvent(action, payload, now))
        uow.commit()
        return BlockOutcome(block.status, block.attempts, block.last_error)
