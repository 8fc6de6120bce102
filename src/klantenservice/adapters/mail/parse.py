"""A raw mail file → ``ParsedMail`` (``services/email_ports.MailParser``), stdlib ``email``.

- Split by ``mime_stream.Splitter`` while the file is read in blocks: headers and text parts
  are parsed by the stdlib (``policy.default``) as before, and the body of every part that is
  an attachment by its headers (and not text the mail could be read by) is decoded straight
  into its file, so memory does not grow with the attachment's size.
- The body is the text/plain part; without one, the text/html part converted to text by
  ``inscriptis`` (scripts, styles and markup dropped, block layout kept as line breaks). Customer
  HTML is never kept as HTML: the desk shows the text, autoescaped.
- Attachments are decoded in slices straight into a file (``raw_store.store_chunks``), hashed
  on the way; a type or size refusal keeps the metadata (and the decoded size) and not the
  bytes. Small attachments the splitter left to the stdlib are stored from memory the same way.
- Anything the parser cannot make sense of raises ``MailRefused`` with a reason that names the
  problem, never the contents: the mail is quarantined and the next one goes on.
"""

from __future__ import annotations

import binascii
from collections.abc import Iterator
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import cast

from inscriptis import get_text  # type: ignore[import-untyped]

from klantenservice.adapters.mail.mime_stream import HeaderTooLong, Splitter
from klantenservice.adapters.mail.raw_store import TooLarge, store_chunks
from klantenservice.domain.email import MAX_SUBJECT, EmailLimits
from klantenservice.domain.messages import MAX_BODY_BYTES
from klantenservice.services.email_ports import MailRefused, ParsedAttachment, ParsedMail

SLICE = 1024 * 1024  # characters of base64 decoded at a time
_WHITESPACE = str.maketrans("", "", " \t\r\n")


class MailFileParser:
    """Callable ``MailParser`` with the installation's limits."""

    def __init__(self, limits: EmailLimits | None = None) -> None:
        self.limits = limits or EmailLimits()

    def __call__(self, raw_path: Path, attachment_dir: Path) -> ParsedMail:
        streamed = _Streamed(self.limits, attachment_dir)
        splitter = Splitter(_is_attachment_by_headers, streamed)
        try:
            with raw_path.open("rb") as source:
                message = splitter.parse(source)
            return self._read(message, attachment_dir, splitter.results)
        except MailRefused:
            raise
        except HeaderTooLong as error:
            raise MailRefused(str(error)) from None
        except Exception as error:  # a malformed header or part: quarantine, never crash
            raise MailRefused(f"cannot parse the mail ({type(error).__name__})") from None

    def _read(
        self,
        message: EmailMessage,
        attachment_dir: Path,
        streamed: dict[int, ParsedAttachment | None],
    ) -> ParsedMail:
        sender = _sender(message)
        body_part = message.get_body(preferencelist=("plain", "html"))
        body = _text_of(cast(EmailMessage, body_part)) if body_part is not None else ""
        attachments = [
            streamed.get(id(part)) or self._attachment(part, attachment_dir)
            for part in _attachments(message, body_part)
        ]
        if len(attachments) > self.limits.max_attachments:
            raise MailRefused(
                f"{len(attachments)} attachments; the limit is {self.limits.max_attachments}"
            )
        subject = str(message.get("Subject", "") or "").strip()[:MAX_SUBJECT]
        if not body.strip():
            names = ", ".join(item.filename for item in attachments)
            body = f"[{names}]" if names else subject or "-"
        return ParsedMail(
            message_id=_header(message, "Message-ID"),
            sender=sender.addr_spec,
            sender_name=sender.display_name[:200],
            subject=subject,
            body=_fit(body),
            sent_at=_date(message),
            in_reply_to=_header(message, "In-Reply-To"),
            references=_header(message, "References"),
            auto_submitted=_automatic(message),
            attachments=tuple(attachments),
        )

    def _attachment(self, part: EmailMessage, attachment_dir: Path) -> ParsedAttachment:
        """An attachment the splitter left to the stdlib: a named text part not marked
        ``attachment`` (it could have been the body), or one in an unusual encoding."""
        filename = _filename(part)
        content_type = part.get_content_type()
        limits = self.limits
        if content_type.lower() not in limits.allowed_types:
            size = len(part.get_payload(decode=False) or "") * 3 // 4  # an estimate suffices
            return ParsedAttachment(
                filename, content_type, size, None, None, limits.refusal(content_type, 0)
            )
        return _store(filename, content_type, _decoded(part), attachment_dir, limits)


def _sender(message: EmailMessage) -> Address:
    header = message.get("From")
    addresses = getattr(header, "addresses", ()) if header is not None else ()
    if not addresses or not addresses[0].addr_spec or "@" not in addresses[0].addr_spec:
        raise MailRefused("no valid From address")
    return cast(Address, addresses[0])


def _header(message: EmailMessage, name: str) -> str | None:
    value = message.get(name)
    return None if value is None else str(value)


def _date(message: EmailMessage) -> datetime | None:
    try:
        value = message.get("Date")
        found = parsedate_to_datetime(str(value)) if value is not None else None
    except (TypeError, ValueError):
        return None
    return found if found is not None and found.tzinfo is not None else None


def _automatic(message: EmailMessage) -> bool:
    """Auto-replies and bounces (RFC 3834, RFC 3464): answering them would start a loop."""
    auto = str(message.get("Auto-Submitted", "no")).strip().lower()
    return auto not in ("", "no") or message.get_content_type() == "multipart/report"


def _text_of(part: EmailMessage) -> str:
    content = str(part.get_content())
    if part.get_content_subtype() == "html":
        return str(get_text(content)).strip()
    return content.strip()


def _fit(body: str) -> str:
    """At most the intake's body limit; the rest of a huge mail stays in the raw file."""
    encoded = body.encode("utf-8")
    if len(encoded) <= MAX_BODY_BYTES:
        return body
    return encoded[: MAX_BODY_BYTES - 16].decode("utf-8", errors="ignore") + "\n[…]"


def _attachments(message: EmailMessage, body: object) -> Iterator[EmailMessage]:
    """Leaf parts that are not the body and not the HTML twin of a text body."""
    for part in message.walk():
        if part.is_multipart() or part is body:
            continue
        if _is_attachment(part):
            yield part


def _is_attachment(part: EmailMessage) -> bool:
    disposition = part.get_content_disposition()
    return (
        disposition == "attachment"
        or bool(part.get_filename())
        or (part.get_content_maintype() != "text" and disposition != "inline")
    )


def _is_attachment_by_headers(part: EmailMessage) -> bool:
    """Leaves streamed to disk: never the body (``get_body`` skips them), so no text part
    that is not marked ``attachment`` (a named text part can still be the body)."""
    if part.get_content_maintype() == "text":
        return part.get_content_disposition() == "attachment"
    return part.get_content_maintype() not in ("multipart", "message")


class _Streamed:
    """The splitter's sink: an attachment's decoded bytes → its file, or a refusal."""

    def __init__(self, limits: EmailLimits, attachment_dir: Path) -> None:
        self.limits = limits
        self.attachment_dir = attachment_dir
        self.count = 0

    def __call__(self, part: EmailMessage, chunks: Iterator[bytes]) -> ParsedAttachment | None:
        if not _is_attachment(part):
            return None  # an unnamed inline image and the like: not kept, as before
        self.count += 1
        limits = self.limits
        filename = _filename(part)
        content_type = part.get_content_type()
        if self.count > limits.max_attachments:  # the mail is refused; only the count matters
            return ParsedAttachment(filename, content_type, 0, None, None, "over the limit")
        if content_type.lower() not in limits.allowed_types:
            size = sum(len(chunk) for chunk in chunks)
            return ParsedAttachment(
                filename, content_type, size, None, None, limits.refusal(content_type, 0)
            )
        return _store(filename, content_type, chunks, self.attachment_dir, limits)


def _filename(part: EmailMessage) -> str:
    return (part.get_filename() or "attachment").replace("/", "_")[:255]


def _store(
    filename: str,
    content_type: str,
    chunks: Iterator[bytes],
    attachment_dir: Path,
    limits: EmailLimits,
) -> ParsedAttachment:
    try:
        stored = store_chunks(attachment_dir, chunks, limit=limits.max_attachment_bytes)
    except TooLarge:
        refused = f"larger than the limit of {limits.max_attachment_bytes} bytes"
        return ParsedAttachment(
            filename, content_type, limits.max_attachment_bytes + 1, None, None, refused
        )
    return ParsedAttachment(filename, content_type, stored.size, stored.digest, str(stored.path))


def _decoded(part: EmailMessage) -> Iterator[bytes]:
    """The part's bytes, base64 decoded slice by slice (never the whole file twice)."""
    encoding = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    payload = part.get_payload(decode=False)
    if encoding != "base64" or not isinstance(payload, str):
        data = part.get_payload(decode=True)
        yield data if isinstance(data, bytes) else b""
        return
    carry = ""
    for start in range(0, len(payload), SLICE):
        text = carry + payload[start : start + SLICE].translate(_WHITESPACE)
        usable = len(text) - len(text) % 4
        carry = text[usable:]
        if usable:
            yield binascii.a2b_base64(text[:usable])
    if carry.strip("="):
        yield binascii.a2b_base64(carry + "=" * (-len(carry) % 4))
