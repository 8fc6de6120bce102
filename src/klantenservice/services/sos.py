"""The SOS form's service: store the report through the intake, hand back the receipt.

The report goes through the same intake as every message (``receive_message``): a new case on
the ``web_form`` channel with priority ``emergency`` in the 24/7 emergency queue, routed to a
fraud-certified agent at once, its report and card-block request recorded in the same
transaction (``services/emergency.py``). The form's one-time submission id is the message's
external id, so sending the form twice (a double click, a retry after a timeout) stores one
report and shows the same reference.

The receipt's confirmation link carries an HMAC of the reference (``receipt_key``): whoever
has the link can see the report's reference, time, kind and block status for the 18 months
the record is kept, and nobody can guess another report's link from its reference.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from klantenservice.domain.emergency_reports import BlockStatus, EmergencyReport, ReportVia
from klantenservice.domain.errors import NotFound
from klantenservice.domain.sos import SosForm
from klantenservice.domain.vocabulary import CaseId, Channel, Language, Priority, Role
from klantenservice.services import emergency
from klantenservice.services.inbound import receive_message
from klantenservice.services.inbound_message import InboundMessage, IntakeOptions
from klantenservice.services.ports import Actor, UnitOfWorkFactory

SOS_ACTOR = Actor(kind="system", id=None, roles=frozenset({Role.INTEGRATION}), name="sos-form")
_SUBJECTS = {
    Language.NL: "Noodmelding (SOS-formulier)",
    Language.EN: "Emergency report (SOS form)",
}


@dataclass(frozen=True, slots=True)
class SosReceipt:
    reference: str
    reported_at: datetime
    case_id: CaseId
    block_requested: bool
    key: str  # the confirmation link's key


@dataclass(frozen=True, slots=True)
class Confirmation:
    report: EmergencyReport
    block: BlockStatus | None


def receipt_key(reference: str, secret: str) -> str:
    digest = hmac.new(secret.encode(), b"sos-receipt\x00" + reference.encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def report_sos(
    uows: UnitOfWorkFactory,
    form: SosForm,
    *,
    language: Language,
    now: datetime,
    options: IntakeOptions,
    secret: str,
) -> SosReceipt:
    inbound = InboundMessage(
        channel=Channel.WEB_FORM,
        body=_body(form),
        external_id=f"sos:{form.submission}",
        contact=form.contact,
        customer_name=form.name or None,
        language=language,
        subject=_SUBJECTS[language],
        priority=Priority.EMERGENCY,
        category=form.kind.emergency.value,
        new_case=True,
        emergency_via=ReportVia.SOS_FORM,
        card_last_four=form.card_last_four,
        block_card=form.block_card,
    )
    result = receive_message(uows, actor=SOS_ACTOR, inbound=inbound, now=now, options=options)
    reference, reported_at = result.emergency_reference, result.reported_at
    if reference is None or reported_at is None:  # the intake always reports an emergency
        raise NotFound("the report of this form could not be found; please call us")
    return SosReceipt(
        reference=reference,
        reported_at=reported_at,
        case_id=result.case_id,
        block_requested=form.block_card,
        key=receipt_key(reference, secret),
    )


def confirmation(uows: UnitOfWorkFactory, reference: str, key: str, secret: str) -> Confirmation:
    """The report behind a confirmation link; NotFound for a wrong key (nothing is told)."""
    if not hmac.compare_digest(key, receipt_key(reference, secret)):
        raise NotFound("there is no report with this reference and key")
    report, block = emergency.confirmation(uows(), reference)
    return Confirmation(report, block.status if block else None)


def _body(form: SosForm) -> str:
    """The report as the agent reads it (staff see the form's fields as written)."""
    lines = [f"SOS: {form.kind.value}"]
    if form.name:
        lines.append(f"name: {form.name}")
    lines.append(f"call back: {form.contact.value}")
    if form.other_contact is not None:
        lines.append(f"also: {form.other_contact.value}")
    if form.block_card:
        card = f" (card ending {form.card_last_four})" if form.card_last_four else ""
        lines.append(f"card block requested{card}")
    if form.description:
        lines.extend(["", form.description])
    return "\n".join(lines)
