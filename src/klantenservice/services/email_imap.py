"""Inbound e-mail from IMAP mailboxes: poll by UID, reconcile, backfill.

    poll:  SELECT → UIDVALIDITY ─┬─ same as stored: UIDs above the stored last UID
                                 └─ changed (or first poll): record it, start from UID 0
           per batch (≤ 50 UIDs, ≤ 32 MB): FETCH BODY.PEEK[] → file fsynced → store_raw
           (row committed with mailbox, UIDVALIDITY, UID) → then the last UID advances

State is the UID, never the ``\\Seen`` flag: we fetch with ``BODY.PEEK`` and change no flag, so
people reading the same mailbox in a mail client and the poller do not disturb each other.

Why this is exactly-once (with the importer behind it): a crash after ``store_raw`` and before
the state advanced re-fetches those UIDs at the next poll; UIDs already stored under the same
UIDVALIDITY are skipped (the unique ``mailbox + UIDVALIDITY + UID`` index backs that up). After
a UIDVALIDITY change the server's UIDs mean nothing any more: every mail is fetched again and
the intake's Message-ID idempotency makes the copies duplicates, not new messages.

One mail blocks nothing: one larger than ``max_message_bytes`` is recorded quarantined without
being fetched (it stays on the server); one the server does not deliver is skipped and logged,
and ``reconcile`` reports it as a gap (``repair`` fetches it again).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from klantenservice.services.email_intake import store_raw
from klantenservice.services.email_ports import NewRawMail
from klantenservice.services.ports import Clock, UnitOfWorkFactory

log = logging.getLogger(__name__)

BATCH = 50
BATCH_BYTES = 32 * 1024 * 1024


class ImapSession(Protocol):
    """One logged-in connection with the configured folder selected (``adapters/mail/imap``)."""

    def uidvalidity(self) -> int: ...
    def sizes_after(self, uid: int) -> list[tuple[int, int]]:
        """(UID, size) of every message with a UID above ``uid``, ascending."""
        ...

    def sizes_of(self, uids: Sequence[int]) -> list[tuple[int, int]]: ...
    def uids(self) -> list[int]: ...
    def uids_between(self, since: date, before: date) -> list[int]:
        """UIDs of messages that arrived on ``since`` or later and before ``before``."""
        ...

    def fetch(self, uids: Sequence[int]) -> Iterator[tuple[int, bytes]]:
        """The raw bytes, flags untouched; a message the server does not deliver is left out."""
        ...


class RawFiles(Protocol):
    def __call__(self, data: bytes) -> tuple[str, int, str]:
        """Write the raw mail durably; its (digest, size, path)."""
        ...


Connect = Callable[[], AbstractContextManager[ImapSession]]


@dataclass(frozen=True, slots=True)
class ImapStore:
    """What storing fetched mails needs: the database, the raw file store, a clock, limits."""

    uow_factory: UnitOfWorkFactory
    files: RawFiles
    clock: Clock
    max_message_bytes: int
    batch: int = BATCH
    batch_bytes: int = BATCH_BYTES
    on_stored: Callable[[], None] = lambda: None


@dataclass(slots=True)
class StoreCounts:
    stored: int = 0
    already: int = 0
    too_large: int = 0
    failed: list[int] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class PollReport:
    mailbox: str
    uidvalidity: int
    uidvalidity_changed: bool
    last_uid: int
    stored: int
    already: int
    too_large: int
    failed: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ReconcileReport:
    """UIDs on the server (current UIDVALIDITY) at or below the last polled UID, not stored."""

    mailbox: str
    uidvalidity: int
    uidvalidity_changed: bool  # the stored state is of an older UIDVALIDITY: poll starts over
    last_uid: int
    on_server: int
    stored: int
    missing: tuple[int, ...]
    repaired: int = 0
    failed: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class BackfillReport:
    mailbox: str
    found: int
    stored: int
    already: int
    too_large: int
    failed: tuple[int, ...]


def _batches(items: Sequence[tuple[int, int]], count: int, size: int) -> Iterator[list[int]]:
    """UIDs in ascending groups of at most ``count`` mails and ``size`` bytes (at least one)."""
    group: list[int] = []
    total = 0
    for uid, octets in items:
        if group and (len(group) >= count or total + octets > size):
            yield group
            group, total = [], 0
        group.append(uid)
        total += octets
    if group:
        yield group


def _store(
    store: ImapStore,
    session: ImapSession,
    mailbox: str,
    uidvalidity: int,
    wanted: Sequence[tuple[int, int]],
    *,
    advance: bool,
) -> StoreCounts:
    """Fetch and store ``wanted`` (UID, size) not stored yet; with ``advance``, move the state."""
    counts = StoreCounts()
    with store.uow_factory(read_only=True) as uow:
        stored = uow.email.imported_uids(mailbox, uidvalidity)
    fetch: list[tuple[int, int]] = []
    for uid, size in sorted(wanted):
        if uid in stored:
            counts.already += 1
        elif size > store.max_message_bytes:
            _record_too_large(store, mailbox, uidvalidity, uid, size)
            counts.too_large += 1
        else:
            fetch.append((uid, size))
    for group in _batches(fetch, store.batch, store.batch_bytes):
        got = dict(session.fetch(group))
        for uid in group:
            data = got.pop(uid, None)
            if data is None:
                log.warning("imap %s: UID %d not delivered by the server; skipped", mailbox, uid)
                counts.failed.append(uid)
                continue
            digest, size, path = store.files(data)
            new = NewRawMail(digest, size, path, "imap", mailbox, uidvalidity, uid)
            store_raw(store.uow_factory, new, now=store.clock.now())
            counts.stored += 1
        if advance:
            _advance(store, mailbox, uidvalidity, group[-1])
        store.on_stored()
    if advance and wanted:
        _advance(store, mailbox, uidvalidity, max(uid for uid, _size in wanted))
    return counts


def _record_too_large(
    store: ImapStore, mailbox: str, uidvalidity: int, uid: int, size: int
) -> None:
    """A row without a file, quarantined: the UID is accounted for, the mail stays on the server."""
    reason = f"larger than the limit ({size} > {store.max_message_bytes} bytes); left on the server"
    now = store.clock.now()
    with store.uow_factory() as uow:
        raw_id = uow.email.add_raw(
            NewRawMail("", size, "", "imap", mailbox, uidvalidity, uid), at=now
        )
        uow.email.quarantine(raw_id, reason, at=now)
        uow.commit()
    log.warning("imap %s: UID %d is %d bytes, over the limit; quarantined", mailbox, uid, size)


def _advance(store: ImapStore, mailbox: str, uidvalidity: int, last_uid: int) -> None:
    """Move the last polled UID up (never down): only after the rows below it are committed."""
    with store.uow_factory() as uow:
        current = uow.email.imap_state(mailbox)
        if current is not None and current[0] == uidvalidity and current[1] >= last_uid:
            return
        uow.email.set_imap_state(
            mailbox, uidvalidity=uidvalidity, last_uid=last_uid, at=store.clock.now()
        )
        uow.commit()


def poll(store: ImapStore, session: ImapSession, mailbox: str) -> PollReport:
    """Store every message above the last stored UID, in UID order, batch by batch."""
    uidvalidity = session.uidvalidity()
    with store.uow_factory(read_only=True) as uow:
        state = uow.email.imap_state(mailbox)
    changed = state is not None and state[0] != uidvalidity
    if state is None or changed:
        if changed:
            log.warning("imap %s: UIDVALIDITY changed; fetching the folder again", mailbox)
        with store.uow_factory() as uow:
            uow.email.set_imap_state(
                mailbox, uidvalidity=uidvalidity, last_uid=0, at=store.clock.now()
            )
            uow.commit()
        last = 0
    else:
        last = state[1]
    wanted = [(uid, size) for uid, size in session.sizes_after(last) if uid > last]
    counts = _store(store, session, mailbox, uidvalidity, wanted, advance=True)
    with store.uow_factory(read_only=True) as uow:
        final = uow.email.imap_state(mailbox)
    return PollReport(
        mailbox=mailbox,
        uidvalidity=uidvalidity,
        uidvalidity_changed=changed,
        last_uid=last if final is None else final[1],
        stored=counts.stored,
        already=counts.already,
        too_large=counts.too_large,
        failed=tuple(counts.failed),
    )


def reconcile(
    store: ImapStore, session: ImapSession, mailbox: str, *, repair: bool = False
) -> ReconcileReport:
    """Compare the server's UIDs with the stored ones; with ``repair``, store the missing."""
    uidvalidity = session.uidvalidity()
    on_server = session.uids()
    with store.uow_factory(read_only=True) as uow:
        state = uow.email.imap_state(mailbox)
        stored = uow.email.imported_uids(mailbox, uidvalidity)
    changed = state is not None and state[0] != uidvalidity
    last = 0 if state is None or changed else state[1]
    missing = tuple(uid for uid in on_server if uid <= last and uid not in stored)
    repaired = 0
    failed: tuple[int, ...] = ()
    if repair and missing:
        counts = _store(
            store, session, mailbox, uidvalidity, session.sizes_of(missing), advance=False
        )
        repaired, failed = counts.stored + counts.too_large, tuple(counts.failed)
    return ReconcileReport(
        mailbox=mailbox,
        uidvalidity=uidvalidity,
        uidvalidity_changed=changed,
        last_uid=last,
        on_server=len(on_server),
        stored=len(stored),
        missing=missing,
        repaired=repaired,
        failed=failed,
    )


def backfill(
    store: ImapStore, session: ImapSession, mailbox: str, *, since: date, until: date
) -> BackfillReport:
    """Store every message that arrived in [since, until) and is not stored yet."""
    if until <= since:
        raise ValueError(f"--until ({until}) must be after --since ({since})")
    uidvalidity = session.uidvalidity()
    found = session.uids_between(since, until)
    counts = _store(store, session, mailbox, uidvalidity, session.sizes_of(found), advance=False)
    return BackfillReport(
        mailbox=mailbox,
        found=len(found),
        stored=counts.stored,
        already=counts.already,
        too_large=counts.too_large,
        failed=tuple(counts.failed),
    )
