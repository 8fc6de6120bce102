"""E-mail rules without I/O: message identities, threading candidates, subjects, limits.

Why these rules (docs/subsystems/email.md):
- A mail's identity is its Message-ID, normalised (angle brackets, case of the domain part,
  whitespace), so the copy that reaches a second mailbox of ours (To + Cc) is recognised as the
  same message. A mail without one gets the SHA-256 of its raw bytes: the same bytes delivered
  twice are still one message, and nothing else can collide with it.
- Threading trusts, in order: the ids in In-Reply-To and References (newest first), then the
  case reference in the subject, then the intake's normal rule (services/inbound_message.py).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from klantenservice.domain.cases import format_reference, parse_reference
from klantenservice.domain.vocabulary import CaseId

MAX_EXTERNAL_ID = 255  # messages.external_id
MAX_SUBJECT = 300  # messages.subject
_ID = re.compile(r"<([^<>\s]+)>")
_REFERENCE = re.compile(r"\bKS-(\d{1,12})\b", re.IGNORECASE)
_REPLY_PREFIX = re.compile(r"^\s*((re|aw|antw|fwd?|wg|tr)\s*:\s*)+", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class EmailLimits:
    """Refusal limits: a larger raw mail is refused at SMTP, a larger attachment not stored."""

    max_message_bytes: int = 40 * 1024 * 1024
    max_attachment_bytes: int = 30 * 1024 * 1024
    max_attachments: int = 50
    allowed_types: frozenset[str] = frozenset(
        {
            "application/pdf",
            "image/jpeg",
            "image/png",
            "image/gif",
            "image/heic",
            "text/plain",
            "text/csv",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "application/msword",
            "application/vnd.ms-excel",
            "message/rfc822",
        }
    )

    def refusal(self, content_type: str, size: int) -> str | None:
        """Why an attachment is not stored, or None when it is."""
        if content_type.lower() not in self.allowed_types:
            return f"type {content_type} is not accepted"
        if size > self.max_attachment_bytes:
            return f"{size} bytes; the limit is {self.max_attachment_bytes}"
        return None


def normalise_message_id(raw: str | None) -> str | None:
    """``<Abc.1@Mail.Example>`` → ``<Abc.1@mail.example>``; not an id → None.

    The local part stays as written (RFC 5322 compares it exactly); the domain part is
    case-insensitive, and mail software differs in how it folds it.
    """
    if not raw:
        return None
    found = _ID.search(raw)
    token = found.group(1) if found else raw.strip()
    if not token or any(c.isspace() for c in token) or "@" not in token:
        return None
    local, _, domain = token.rpartition("@")
    if not local or not domain:
        return None
    return f"<{local}@{domain.lower()}>"


def message_ids(header: str | None) -> list[str]:
    """Every id in an In-Reply-To or References header, in header order, normalised."""
    if not header:
        return []
    found = [normalise_message_id(f"<{token}>") for token in _ID.findall(header)]
    return [token for token in found if token is not None]


def thread_candidates(in_reply_to: str | None, references: str | None) -> list[str]:
    """Ids to look up, most specific first: In-Reply-To, then References newest to oldest."""
    ordered: list[str] = []
    for token in [*message_ids(in_reply_to), *reversed(message_ids(references))]:
        if token not in ordered:
            ordered.append(token)
    return ordered


def external_id_for(message_id: str | None, raw_digest: str) -> str:
    """The intake's ``external_id`` of a mail: its Message-ID, or a hash of its raw bytes."""
    normalised = normalise_message_id(message_id)
    if normalised is None:
        return f"sha256:{raw_digest}"
    if len(normalised) > MAX_EXTERNAL_ID:  # a silly long id: still stable, still unique
        return "mid-sha256:" + hashlib.sha256(normalised.encode()).hexdigest()
    return normalised


def subject_reference(subject: str | None) -> CaseId | None:
    """The case reference a subject carries (``Re: Pas kwijt [KS-000123]``), if any."""
    if not subject:
        return None
    found = _REFERENCE.search(subject)
    return parse_reference(f"KS-{found.group(1)}") if found else None


def reply_subject(subject: str | None, case_id: CaseId) -> str:
    """``Re: <subject> [KS-000123]``: the reference survives the customer's next reply."""
    base = _REPLY_PREFIX.sub("", subject or "").strip()
    reference = format_reference(case_id)
    if subject_reference(base) != case_id:
        base = f"{base} [{reference}]".strip()
    return f"Re: {base}"[:MAX_SUBJECT]


def references_header(parent_references: list[str], parent_id: str | None) -> list[str]:
    """References of a reply: the parent's References plus the parent (RFC 5322 3.6.4)."""
    chain = [token for token in parent_references if token != parent_id]
    if parent_id:
        chain.append(parent_id)
    return chain[-20:]  # long threads: keep the newest; the first id is in In-Reply-To anyway
