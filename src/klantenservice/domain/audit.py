"""The audit trail: an append-only, hash-chained record of who did what to which object.

Why a chain. A bank must be able to show, years later, who viewed a customer, who assigned or
merged a case and who changed a policy, and that this record was not quietly edited
afterwards. Every ``AuditRecord`` therefore carries the hash of the record before it::

    hash(n) = sha256( prev_hash(n) || canonical_bytes(seq=, at=, actor=, action=,
                                                      subject_type=, subject_id=, details=) )
    prev_hash(n) = hash(n - 1),   prev_hash(1) = GENESIS_HASH ("0" * 64)

``seq`` is 1-based and gapless. ``verify_chain`` walks the records in order, in constant memory,
and reports the *first* broken link:

- a field of a record was edited           -> "hash mismatch: record was altered"
- a record was deleted from, or slipped into, the middle
                                           -> "prev_hash does not match previous record's
                                               hash: a record was removed or inserted"
- records were deleted and the chain after them re-hashed, but not renumbered
                                           -> "sequence gap: expected 41, found 43"

What it proves, and what it does not. The chain proves *internal consistency*: nobody edited,
removed or inserted a record without also recomputing every hash after it. It does not stop
someone with write access to the database: the hashes are not secret, so such a person can
rewrite a record and re-hash the whole chain after it, or cut records off the end, and the
result verifies. The mitigation is to anchor the head ``(seq, hash)`` outside the database now
and then: ``klantenservice audit verify`` prints the head hash so it can be written to a ticket,
a mail to compliance or write-once storage; ``verify_chain(records, anchor=...)`` then detects
a chain rewritten or truncated after that anchor. Anchoring is what turns "consistent" into
"unchanged since the anchor".

Canonical form. ``canonical_bytes`` is JSON with sorted keys, no whitespace, ASCII only, no
NaN/Infinity, and ``at`` as ISO-8601 UTC with microseconds and a ``Z``. It must never change:
every stored hash depends on it. Tuples hash like lists, so a record survives a round trip
through a JSON column unchanged.

What goes into ``details``. Identifiers, statuses, counts and names of fields changed; never
message bodies, passwords, tokens or personal numbers (BSN, IBAN): the trail is kept for years
and read by auditors. ``seal`` refuses the keys in ``FORBIDDEN_DETAIL_KEYS`` at any depth, and
anything that is not plain JSON, so a record always verifies after it is stored.

``seal`` validates what it writes; ``AuditRecord`` itself does not validate, because a record
read back from storage may be damaged and must still reach ``verify_chain`` to be reported.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from klantenservice.domain.errors import DomainError, ValidationError

GENESIS_HASH = "0" * 64
"""The ``prev_hash`` of record 1 (and the head of an empty trail)."""

FORBIDDEN_DETAIL_KEYS = frozenset(
    {"body", "body_html", "body_text", "bsn", "iban", "password", "secret", "token", "totp_secret"}
)
"""Keys ``seal`` refuses in ``details``: what they would hold must never enter the trail."""

# Column widths of ``audit_log`` (adapters/db/tables/): refuse what the store would truncate.
MAX_ACTOR = 64
MAX_ACTION = 64
MAX_SUBJECT_TYPE = 32
MAX_SUBJECT_ID = 64

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_ACTION = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")

HASH_MISMATCH = "hash mismatch: record was altered"
LINK_BROKEN = "prev_hash does not match previous record's hash: a record was removed or inserted"


class ChainLink(Protocol):
    """Anything with a position and a hash: an ``AuditRecord`` or an ``AuditAnchor``."""

    @property
    def seq(self) -> int: ...
    @property
    def hash(self) -> str: ...


@dataclass(frozen=True, slots=True)
class AuditAnchor:
    """A head ``(seq, hash)`` recorded outside the database, to compare the chain against."""

    seq: int
    hash: str


@dataclass(frozen=True, slots=True)
class AuditRecord:
    seq: int
    at: datetime
    actor: str  # "user:12", "token:3", "system"
    action: str  # dotted: "case.assigned", "customer.viewed"
    subject_type: str
    subject_id: str
    details: Mapping[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class ChainVerdict:
    """The outcome of ``verify_chain``.

    ``count``, ``head_seq`` and ``head_hash`` describe the intact prefix: all records when
    ``ok``, the records before the break otherwise. ``seq`` is the stored seq of the first
    broken record (or of the first missing one), ``reason`` says what is wrong with it.
    """

    ok: bool
    count: int
    head_seq: int
    head_hash: str
    seq: int | None = None
    reason: str | None = None

    def summary(self) -> str:
        """One line for the CLI and for logs."""
        if self.ok:
            return (
                f"audit trail intact: {self.count} records; "
                f"head seq {self.head_seq} hash {self.head_hash}"
            )
        return (
            f"audit trail BROKEN at seq {self.seq}: {self.reason}; "
            f"{self.count} records intact before it (last good seq {self.head_seq} "
            f"hash {self.head_hash})"
        )


def canonical_bytes(
    *,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: str,
    details: Mapping[str, Any],
) -> bytes:
    """The stable serialisation that is hashed; see the module docstring. Never change it."""
    return _canonical(seq, _utc_iso(at), actor, action, subject_type, subject_id, details)


def _canonical(
    seq: int,
    at_iso: str,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: str,
    details: Mapping[str, Any],
) -> bytes:
    document = {
        "seq": seq,
        "at": at_iso,
        "actor": actor,
        "action": action,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "details": details,
    }
    text = json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    )
    return text.encode("ascii")


def chain_hash(
    prev_hash: str,
    *,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: str,
    details: Mapping[str, Any],
) -> str:
    """sha256 over ``prev_hash`` (64 hex characters) followed by the canonical bytes."""
    if not _HEX64.fullmatch(prev_hash):
        raise ValueError("prev_hash must be 64 lower-case hex characters")
    body = canonical_bytes(
        seq=seq,
        at=at,
        actor=actor,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        details=details,
    )
    return hashlib.sha256(prev_hash.encode("ascii") + body).hexdigest()


def record_hash(record: AuditRecord) -> str:
    """The hash ``record`` should carry, recomputed from its fields."""
    return chain_hash(
        record.prev_hash,
        seq=record.seq,
        at=record.at,
        actor=record.actor,
        action=record.action,
        subject_type=record.subject_type,
        subject_id=record.subject_id,
        details=record.details,
    )


def seal(
    prev: ChainLink | None,
    *,
    at: datetime,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: str,
    details: Mapping[str, Any] | None = None,
) -> AuditRecord:
    """The next record after ``prev`` (``None``: the first record), validated and hashed.

    ``prev`` may be the last record or just the stored head ``(seq, hash)``. ``details`` is
    copied into plain JSON values, so later changes to the caller's dict cannot alter it.
    """
    seq, prev_hash = (0, GENESIS_HASH) if prev is None else (prev.seq, prev.hash)
    if seq < 0 or not _HEX64.fullmatch(prev_hash):
        raise ValidationError(f"cannot extend the audit trail from seq {seq} hash {prev_hash!r}")
    at_iso = _check_fields(at, actor, action, subject_type, subject_id)
    clean = _plain_details(details or {})
    # what chain_hash computes, without validating prev_hash and the time a second time
    body = _canonical(seq + 1, at_iso, actor, action, subject_type, subject_id, clean)
    return AuditRecord(
        seq=seq + 1,
        at=at.astimezone(UTC),
        actor=actor,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        details=clean,
        prev_hash=prev_hash,
        hash=hashlib.sha256(prev_hash.encode("ascii") + body).hexdigest(),
    )


def verify_chain(
    records: Iterable[AuditRecord], *, anchor: AuditAnchor | None = None
) -> ChainVerdict:
    """Check ``records`` (in seq order, from seq 1) and report the first broken link.

    Streams: holds only the previous record's seq and hash, so it can walk millions of rows
    from a server-side cursor. With ``anchor``, also reports a chain that was rewritten or cut
    short after the anchor was taken.
    """
    head_seq, head_hash = 0, GENESIS_HASH
    for count, record in enumerate(records):
        problem = _link_problem(record, head_seq + 1, head_hash) or _anchor_problem(record, anchor)
        if problem is not None:
            return ChainVerdict(False, count, head_seq, head_hash, seq=record.seq, reason=problem)
        head_seq, head_hash = record.seq, record.hash
    if anchor is not None and head_seq < anchor.seq:
        reason = (
            f"the trail ends at seq {head_seq} but was anchored at seq {anchor.seq}: "
            "records were removed from the end"
        )
        return ChainVerdict(False, head_seq, head_seq, head_hash, seq=head_seq + 1, reason=reason)
    return ChainVerdict(True, head_seq, head_seq, head_hash)


def _link_problem(record: AuditRecord, expected_seq: int, expected_prev: str) -> str | None:
    if record.prev_hash != expected_prev:
        return LINK_BROKEN
    if record.seq != expected_seq:
        kind = "gap" if record.seq > expected_seq else "out of order"
        return f"sequence {kind}: expected {expected_seq}, found {record.seq}"
    try:
        recomputed = record_hash(record)
    except (DomainError, ValueError, TypeError) as error:
        return f"record cannot be hashed: {error}"
    return None if recomputed == record.hash else HASH_MISMATCH


def _anchor_problem(record: AuditRecord, anchor: AuditAnchor | None) -> str | None:
    if anchor is None or record.seq != anchor.seq or record.hash == anchor.hash:
        return None
    return (
        f"hash differs from the anchored head at seq {anchor.seq} ({anchor.hash}): "
        "the trail was rewritten after it was anchored"
    )


def _utc_iso(at: datetime) -> str:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValidationError("audit times must be time-zone aware (UTC); got a naive datetime")
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def _check_fields(at: datetime, actor: str, action: str, subject_type: str, sid: str) -> str:
    """Refuse what the trail cannot hold; the time as the canonical text when all is well."""
    at_iso = _utc_iso(at)
    if not _is_action(action):
        raise ValidationError(
            f"audit action {action!r} must be dotted lower-case words, e.g. 'case.assigned'"
        )
    for name, value, limit in (
        ("actor", actor, MAX_ACTOR),
        ("subject_type", subject_type, MAX_SUBJECT_TYPE),
        ("subject_id", sid, MAX_SUBJECT_ID),
    ):
        if not value or len(value) > limit:
            raise ValidationError(f"audit {name} must be 1 to {limit} characters, got {value!r}")
    return at_iso


@functools.lru_cache(maxsize=512)
def _is_action(action: str) -> bool:
    """Dotted lower-case words within the column; the few actions in use are checked once."""
    return bool(_ACTION.fullmatch(action)) and len(action) <= MAX_ACTION


def _plain_details(details: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy of ``details`` as plain JSON values; refuses anything that is not."""
    copied = _plain(details, "details")
    assert isinstance(copied, dict)
    return copied


def _plain(value: Any, path: str) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return str.__str__(value)  # a StrEnum becomes its plain value
    if isinstance(value, int):
        return int(value)  # an IntEnum (``Priority``) becomes its number
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValidationError(f"audit {path} must be a finite number")
        return value
    if isinstance(value, list | tuple):
        return [_plain(item, f"{path}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, Mapping):
        return {
            _detail_key(key, path): _plain(item, f"{path}.{key}") for key, item in value.items()
        }
    raise ValidationError(f"audit {path} is a {type(value).__name__}; use plain JSON values")


def _detail_key(key: object, path: str) -> str:
    if not isinstance(key, str):
        raise ValidationError(f"audit {path} has a non-text key {key!r}")
    if key.lower() in FORBIDDEN_DETAIL_KEYS:
        raise ValidationError(
            f"audit {path}.{key} is not allowed: the audit trail never holds message bodies, "
            "secrets or personal numbers"
        )
    return key


__all__ = [
    "FORBIDDEN_DETAIL_KEYS",
    "GENESIS_HASH",
    "AuditAnchor",
    "AuditRecord",
    "ChainLink",
    "ChainVerdict",
    "canonical_bytes",
    "chain_hash",
    "record_hash",
    "seal",
    "verify_chain",
]
