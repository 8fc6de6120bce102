"""The product's SMTP listener (aiosmtpd): accepts mail for our addresses, stores it raw, 250.

The answer to DATA is "250" only after the raw bytes are in a fsynced file and their
``email_raw`` row is committed (``services/email_intake.store_raw``): a mail we acknowledged
survives any crash after that. A failure to store answers "451" (try again later), so the
sending server keeps the mail and retries; nothing is half-accepted. Recipients that are not
ours are refused at RCPT ("550"): we are not a relay. Oversized mails are refused by aiosmtpd
at DATA ("552", ``data_size_limit``).

The files of concurrent deliveries are written in parallel (threads); their rows are committed
together (``adapters/group_commit``: the deliveries that arrive while one transaction commits
form the next), because on SQLite every commit waits its turn for the single writer, which the
importer holds for a whole batch: one turn per batch instead of one per mail.

Importing (parsing, threading, the intake) happens after the answer, in the importer
(``workers/email_importer.py``), which ``on_stored`` wakes.

Logs name the raw row and sizes only: no addresses, no contents.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from klantenservice.adapters.group_commit import GroupCommitter
from klantenservice.adapters.mail.raw_store import store_bytes
from klantenservice.domain.customers import normalise_email
from klantenservice.domain.errors import ValidationError
from klantenservice.services.email_intake import store_raw_batch
from klantenservice.services.email_ports import NewRawMail, RawId
from klantenservice.services.ports import Clock, UnitOfWorkFactory

log = logging.getLogger(__name__)


def _address(raw: str) -> str | None:
    try:
        return normalise_email(raw)
    except ValidationError:
        return None


class IntakeHandler:
    """aiosmtpd handler: RCPT checks the address is ours, DATA stores before answering."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        raw_root: Path,
        recipients: Iterable[str],
        clock: Clock,
        *,
        on_stored: Callable[[], None] = lambda: None,
    ) -> None:
        self._uow = uow_factory
        self._root = raw_root
        self._recipients = frozenset(filter(None, (_address(item) for item in recipients)))
        self._clock = clock
        self._on_stored = on_stored
        self._rows: GroupCommitter[NewRawMail, RawId] = GroupCommitter(
            self._commit_rows, name="smtp-raw"
        )

    def close(self) -> None:
        """Finish the rows being committed and stop the committer's thread."""
        self._rows.close()

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if _address(address) not in self._recipients:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        mailbox = ",".join(sorted({_address(r) or r for r in envelope.rcpt_tos}))
        try:
            new = await asyncio.to_thread(self._store_file, content, mailbox)
            raw_id = await self._rows.submit(new)
        except Exception:
            log.exception("smtp: storing a mail of %d bytes failed; answered 451", len(content))
            return "451 4.3.0 could not store the message; try again later"
        log.info("smtp: stored raw mail %s (%d bytes)", raw_id, len(content))
        self._on_stored()
        return f"250 2.0.0 stored as {raw_id}"

    def _store_file(self, content: bytes, mailbox: str) -> NewRawMail:
        stored = store_bytes(self._root, content, suffix=".eml")
        return NewRawMail(stored.digest, stored.size, str(stored.path), "smtp", mailbox)

    def _commit_rows(self, raws: Sequence[NewRawMail]) -> list[RawId]:
        return store_raw_batch(self._uow, raws, now=self._clock.now())


def mail_server(
    handler: IntakeHandler, *, host: str, port: int, max_message_bytes: int
) -> Controller:
    """A started-on-demand aiosmtpd controller (``.start()`` / ``.stop()``) for ``handler``."""
    return Controller(
        handler,
        hostname=host,
        port=port,
        data_size_limit=max_message_bytes,
        decode_data=False,
        ident="klantenservice",
    )
