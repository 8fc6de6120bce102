"""Inbound e-mail: store the raw mail first, then import it through the intake.

    SMTP DATA / IMAP fetch ──► store_raw (file fsynced + row committed) ──► acknowledge
                                      │ state "stored"
    import_pending (batch) ──► parse ──► thread ──► inbound.receive_batch ──► mark imported
                                 └── refused / failed ──► quarantined with the reason

Two phases so that acknowledging never waits for parsing and routing, and so that nothing
acknowledged is lost: a crash after the ack leaves the row "stored" and the next
``import_pending`` picks it up. Importing again is harmless: the intake is idempotent on
``(email, external_id)`` and ``external_id`` is the normalised Message-ID (or the raw bytes'
hash), which also makes the copy reaching a second mailbox of ours (To + Cc) one message.

Threading (docs/subsystems/email.md): In-Reply-To / References against the ids we stored,
then the ``KS-000123`` reference in the subject, then the intake's own rule. A thread or a
reference only counts when the case belongs to the sender: a stranger quoting a reference
starts a case of their own instead of writing into someone else's.

One mail that fails (unparseable, an invalid sender, a bug) is quarantined alone; the rest of
the batch goes on (``receive_batch`` isolates failures per message).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from klantenservice.domain.cases import format_reference
from klantenservice.domain.customers import ContactKind, ContactPoint
from klantenservice.domain.email import external_id_for, subject_reference, thread_candidates
from klantenservice.domain.errors import DomainError
from klantenservice.domain.vocabulary import CaseId, Channel
from klantenservice.services.email_ports import (
    MailParser,
    MailRefused,
    NewRawMail,
    ParsedMail,
    RawId,
    RawMail,
)
from klantenservice.services.inbound import (
    InboundMessage,
    IntakeOptions,
    IntakeRequest,
    IntakeResult,
    receive_batch,
)
from klantenservice.services.ports import SYSTEM, UnitOfWork, UnitOfWorkFactory

BATCH = 100


@dataclass(frozen=True, slots=True)
class ImportReport:
    imported: int = 0
    duplicates: int = 0
    quarantined: int = 0

    @property
    def handled(self) -> int:
        return self.imported + self.duplicates + self.quarantined


def store_raw(uow_factory: UnitOfWorkFactory, raw: NewRawMail, *, now: datetime) -> RawId:
    """Record a raw mail whose file is on disk already; committed when this returns."""
    return store_raw_batch(uow_factory, [raw], now=now)[0]


def store_raw_batch(
    uow_factory: UnitOfWorkFactory, raws: Sequence[NewRawMail], *, now: datetime
) -> list[RawId]:
    """Record several raw mails in one transaction (the SMTP listener's group commit)."""
    with uow_factory() as uow:
        raw_ids = [uow.email.add_raw(raw, at=now) for raw in raws]
        uow.commit()
    return raw_ids


def import_pending(
    uow_factory: UnitOfWorkFactory,
    parser: MailParser,
    attachment_dir: Path,
    *,
    now: datetime,
    options: IntakeOptions,
    limit: int = BATCH,
) -> ImportReport:
    """Import up to ``limit`` stored mails, oldest first, in one intake batch."""
    with uow_factory(read_only=True) as uow:
        pending = uow.email.pending(limit=limit)
    refused: dict[RawId, str] = {}
    parsed: list[tuple[RawMail, ParsedMail]] = []
    for raw in pending:
        try:
            mail = parser(Path(raw.path), attachment_dir)
        except MailRefused as error:
            refused[raw.id] = str(error)
            continue
        except OSError as error:
            refused[raw.id] = f"raw file unreadable ({type(error).__name__})"
            continue
        if mail.auto_submitted:
            refused[raw.id] = "automatic mail (auto-reply or delivery report)"
            continue
        parsed.append((raw, mail))
    requests: list[IntakeRequest] = []
    accepted: list[tuple[RawMail, ParsedMail]] = []
    with uow_factory(read_only=True) as uow:
        for raw, mail in parsed:
            try:
                requests.append(IntakeRequest(_inbound(uow, raw, mail), actor=SYSTEM))
                accepted.append((raw, mail))
            except DomainError as error:
                refused[raw.id] = str(error)
    outcomes = receive_batch(uow_factory, requests, now=now, options=options) if requests else []
    return _record(uow_factory, accepted, outcomes, refused, now)


def _record(
    uow_factory: UnitOfWorkFactory,
    accepted: Sequence[tuple[RawMail, ParsedMail]],
    outcomes: Sequence[IntakeResult | Exception],
    refused: dict[RawId, str],
    now: datetime,
) -> ImportReport:
    imported = duplicates = 0
    with uow_factory() as uow:
        for (raw, mail), outcome in zip(accepted, outcomes, strict=True):
            if isinstance(outcome, Exception):
                reason = str(outcome) if isinstance(outcome, DomainError) else "intake failed"
                refused[raw.id] = f"{reason} ({type(outcome).__name__})"
                continue
            external_id = external_id_for(mail.message_id, raw.digest)
            uow.email.mark_imported(
                raw.id, external_id=external_id, message_id=outcome.message_id, at=now
            )
            if outcome.duplicate:
                duplicates += 1  # the first copy's attachments are on the message already
            else:
                imported += 1
                uow.email.add_attachments(raw.id, outcome.message_id, mail.attachments)
        for raw_id, reason in refused.items():
            uow.email.quarantine(raw_id, reason, at=now)
        uow.commit()
    return ImportReport(imported, duplicates, len(refused))


def _inbound(uow: UnitOfWork, raw: RawMail, mail: ParsedMail) -> InboundMessage:
    contact = ContactPoint.parse(ContactKind.EMAIL, mail.sender)
    case_id = thread_case(uow, contact, mail)
    return InboundMessage(
        channel=Channel.EMAIL,
        body=mail.body,
        external_id=external_id_for(mail.message_id, raw.digest),
        contact=contact,
        customer_name=mail.sender_name or None,
        subject=mail.subject or None,
        case_reference=None if case_id is None else format_reference(case_id),
        sent_at=mail.sent_at,
    )


def thread_case(uow: UnitOfWork, contact: ContactPoint, mail: ParsedMail) -> CaseId | None:
    """The sender's case this mail answers, by its thread headers or its subject; or None."""
    customer = uow.customers.ref_by_contact(contact)
    if customer is None:
        return None  # a new sender has no cases to thread into
    for found in (
        uow.email.case_for_message_ids(thread_candidates(mail.in_reply_to, mail.references)),
        subject_reference(mail.subject),
    ):
        if found is None:
            continue
        case = uow.cases.get(found)
        if case is not None and case.customer_id == customer.id:
            return found
    return None


def quarantine_list(uow_factory: UnitOfWorkFactory, *, limit: int = 50) -> list[RawMail]:
    """Quarantined mails, newest first: for an operator (CLI), reasons without contents."""
    with uow_factory(read_only=True) as uow:
        return uow.email.quarantined(limit=limit)
