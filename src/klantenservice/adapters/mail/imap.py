"""IMAP mailboxes through imap-tools: the ``services/email_imap.ImapSession`` of one folder.

Reading never changes a flag: bodies are fetched with ``BODY.PEEK[]`` (imap-tools'
``mark_seen=False``), the folder is opened read-only (EXAMINE), and nothing is stored, moved
or deleted on the server.

The raw bytes are not parsed here (imap-tools' ``MailMessage`` would parse every mail with
the stdlib into memory): ``_RawMessage`` keeps the bytes and the UID only; the importer parses
from the stored file later. A batch FETCH the server answers with NO (one broken message makes
some servers refuse the whole command) is retried one UID at a time, so one bad message costs
only itself.

Connecting is retried with exponential backoff (tenacity); logs name the mailbox and the kind
of error, never the server's text (it may quote addresses) or a password.
"""

from __future__ import annotations

import imaplib
import logging
import re
import socket
import ssl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

from imap_tools import AND, BaseMailBox, MailBox, MailBoxStartTls, MailBoxUnencrypted, MailMessage
from imap_tools.errors import ImapToolsError, MailboxFetchError
from tenacity import (
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from klantenservice.adapters.mail.raw_store import store_bytes

log = logging.getLogger(__name__)

Tls = Literal["ssl", "starttls", "none"]
CONNECT_ERRORS = (OSError, imaplib.IMAP4.error, ImapToolsError, ssl.SSLError, socket.timeout)
_UID = re.compile(rb"UID (\d+)")
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")


@dataclass(frozen=True, slots=True)
class ImapAccount:
    """One folder of one IMAP account; ``name`` identifies it in the store and the logs."""

    name: str
    host: str
    port: int
    user: str
    password: str = field(repr=False)
    folder: str = "INBOX"
    tls: Tls = "ssl"
    timeout: float = 30.0


class _RawMessage(MailMessage):
    """A fetched message as bytes and UID, unparsed (see the module docstring)."""

    def __init__(self, fetch_data: list[object]) -> None:
        raw, uid_data, flag_data = self._get_message_data_parts(fetch_data)
        self._raw_uid_data = uid_data
        self._raw_flag_data = flag_data
        self.raw: bytes = raw


def _mailbox(account: ImapAccount) -> BaseMailBox:
    if account.tls == "ssl":
        return MailBox(account.host, account.port, timeout=account.timeout)
    if account.tls == "starttls":
        return MailBoxStartTls(account.host, account.port, timeout=account.timeout)
    return MailBoxUnencrypted(account.host, account.port, timeout=account.timeout)


def _sizes(lines: list[object]) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    for line in lines:
        if not isinstance(line, bytes):
            continue
        uid, size = _UID.search(line), _SIZE.search(line)
        if uid and size:
            found.append((int(uid.group(1)), int(size.group(1))))
    return sorted(found)


def _uid_set(uids: Sequence[int]) -> str:
    return ",".join(str(uid) for uid in uids)


class ImapFolder:
    """``ImapSession`` over a logged-in imap-tools mailbox with the folder selected read-only.

    A server that drops the connection over one message (Dovecot answers an unreadable
    message file with BYE) is reconnected once per UID: the batch is fetched again one UID at
    a time and only the message that breaks the connection is left out.
    """

    def __init__(self, account: ImapAccount, *, attempts: int = 3) -> None:
        self._account = account
        self._attempts = attempts
        self._box = self._open()
        self._uidvalidity = self._select()

    def _open(self) -> BaseMailBox:
        box = _connect(self._account, self._attempts)
        box.email_message_class = _RawMessage
        return box

    def _select(self) -> int:
        folder = self._account.folder
        self._box.folder.set(folder, readonly=True)
        found = self._box.client.response("UIDVALIDITY")[1]
        value = found[0] if found and found[0] else None
        if value is None:
            value = str(self._box.folder.status(folder, ["UIDVALIDITY"])["UIDVALIDITY"]).encode()
        return int(value)

    def _reopen(self) -> None:
        self.close()
        self._box = self._open()
        if self._select() != self._uidvalidity:
            raise imaplib.IMAP4.abort("UIDVALIDITY changed while fetching")

    def close(self) -> None:
        with suppress(*CONNECT_ERRORS):
            self._box.logout()

    def uidvalidity(self) -> int:
        return self._uidvalidity

    def sizes_after(self, uid: int) -> list[tuple[int, int]]:
        return self._fetch_sizes(f"{uid + 1}:*")

    def sizes_of(self, uids: Sequence[int]) -> list[tuple[int, int]]:
        found: list[tuple[int, int]] = []
        for start in range(0, len(uids), 500):
            found += self._fetch_sizes(_uid_set(uids[start : start + 500]))
        return sorted(found)

    def _fetch_sizes(self, uid_set: str) -> list[tuple[int, int]]:
        if not uid_set:
            return []
        typ, data = self._box.client.uid("FETCH", uid_set, "(UID RFC822.SIZE)")
        if typ != "OK":
            raise MailboxFetchError((typ, data), "OK")
        return _sizes(data)

    def uids(self) -> list[int]:
        return sorted(int(uid) for uid in self._box.uids("ALL"))

    def uids_between(self, since: date, before: date) -> list[int]:
        return sorted(int(uid) for uid in self._box.uids(AND(date_gte=since, date_lt=before)))

    def fetch(self, uids: Sequence[int]) -> Iterator[tuple[int, bytes]]:
        if not uids:
            return
        try:
            got = list(self._messages(uids))
        except MailboxFetchError:
            if len(uids) == 1:
                return
            log.warning("imap %s: a batch of %d was refused", self._account.name, len(uids))
        except imaplib.IMAP4.abort:
            log.warning("imap %s: connection lost in a FETCH", self._account.name)
            self._reopen()
            if len(uids) == 1:
                return
        else:
            yield from got
            return
        for uid in uids:  # one by one: only the message the server cannot deliver is missing
            yield from self.fetch([uid])

    def _messages(self, uids: Sequence[int]) -> Iterator[tuple[int, bytes]]:
        wanted = [str(uid) for uid in uids]
        bulk: bool | int = len(wanted) if len(wanted) >= 2 else False
        for message in self._box.fetch(uid_list=wanted, mark_seen=False, bulk=bulk):
            assert isinstance(message, _RawMessage)
            if message.uid is not None and message.raw:
                yield int(message.uid), message.raw


@contextmanager
def imap_session(account: ImapAccount, *, attempts: int = 3) -> Iterator[ImapFolder]:
    """Log in (retrying with backoff), select the folder read-only, log out at the end."""
    folder = ImapFolder(account, attempts=attempts)
    try:
        yield folder
    finally:
        folder.close()


def _connect(account: ImapAccount, attempts: int) -> BaseMailBox:
    retrying = Retrying(
        stop=stop_after_attempt(attempts),
        wait=wait_exponential(multiplier=1, max=30),
        retry=retry_if_exception_type(CONNECT_ERRORS),
        before_sleep=lambda state: log.warning(
            "imap %s: connecting failed (%s); attempt %d of %d",
            account.name,
            type(state.outcome.exception()).__name__ if state.outcome else "?",
            state.attempt_number,
            attempts,
        ),
        reraise=True,
    )
    for attempt in retrying:
        with attempt:
            return _mailbox(account).login(account.user, account.password, initial_folder=None)
    raise AssertionError("unreachable: tenacity reraises")


@dataclass(frozen=True, slots=True)
class RawFileStore:
    """``services/email_imap.RawFiles``: the content-addressed, fsynced raw store of SMTP too."""

    root: Path

    def __call__(self, data: bytes) -> tuple[str, int, str]:
        stored = store_bytes(self.root, data, suffix=".eml")
        return stored.digest, stored.size, str(stored.path)
