"""A streaming MIME splitter: the raw mail file → an ``EmailMessage`` tree, big bodies on disk.

Why not the stdlib parser alone: ``BytesParser`` keeps every part's encoded body in memory,
as lines and then joined, so a 25 MB attachment costs over 100 MB before it is decoded. Why
not a library: the streaming multipart parsers on PyPI (``python-multipart``, ``multipart``,
``streaming-form-data``) are for HTTP ``multipart/form-data`` (CRLF only, one level, no
``message/rfc822``), and the mail parsers (``mail-parser``, ``eml-parser``) wrap the stdlib
parser and so hold the whole mail; ``flanker`` is unmaintained since 2019.

So this module only finds where parts begin and end (RFC 2046 boundaries, nested, as the
stdlib ``feedparser`` does: the line break before a boundary belongs to the boundary, an
outer boundary also ends an inner part), and leaves the rest to the stdlib:

- every part's header block is parsed by ``BytesHeaderParser`` (``policy.default``);
- a leaf the caller wants streamed (``Splitter.wants``) is decoded incrementally
  (``Base64Decoder``, ``QuotedPrintableDecoder``, or as is) and handed to ``Splitter.sink`` as
  an iterator of bytes; the part stays in the tree with its headers and an empty payload,
  and the sink's result is kept in ``Splitter.results`` under ``id(part)``;
- every other leaf (text, small or odd parts) is parsed by ``BytesParser`` exactly as before.

The file is read in ``CHUNK`` blocks, so memory stays at a few blocks whatever the mail's size.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser, BytesParser
from typing import BinaryIO, Generic, TypeVar

CHUNK = 1024 * 1024  # bytes read from the file at a time
LOOKAHEAD = 64 * 1024  # a longer line is never a boundary line
MAX_HEADER_BYTES = 1024 * 1024  # one part's header block; more is not a mail we accept
STREAMED_ENCODINGS = frozenset({"base64", "quoted-printable", "7bit", "8bit", "binary", ""})
_HEADER_LINE = re.compile(rb"(From |[\041-\071\073-\176]*:|[\t ])")  # as email.feedparser

T = TypeVar("T")


class HeaderTooLong(ValueError):
    """A header block over ``MAX_HEADER_BYTES``: refused rather than read into memory."""


class Base64Decoder:
    """Base64 fed in arbitrary pieces, decoded in 4-character groups (whitespace ignored)."""

    def __init__(self) -> None:
        self._carry = b""

    def feed(self, data: bytes) -> bytes:
        text = self._carry + data.translate(None, b" \t\r\n")
        usable = len(text) - len(text) % 4
        self._carry = text[usable:]
        return binascii.a2b_base64(text[:usable]) if usable else b""

    def finish(self) -> bytes:
        carry, self._carry = self._carry, b""
        if not carry.strip(b"="):
            return b""
        return binascii.a2b_base64(carry + b"=" * (-len(carry) % 4))


class QuotedPrintableDecoder:
    """Quoted-printable decoded by whole lines, so a soft break or ``=XX`` is never split."""

    def __init__(self) -> None:
        self._carry = b""

    def feed(self, data: bytes) -> bytes:
        text = self._carry + data
        end = text.rfind(b"\n") + 1
        self._carry = text[end:]
        return binascii.a2b_qp(text[:end]) if end else b""

    def finish(self) -> bytes:
        carry, self._carry = self._carry, b""
        return binascii.a2b_qp(carry) if carry else b""


class Identity:
    def feed(self, data: bytes) -> bytes:
        return data

    def finish(self) -> bytes:
        return b""


def decoded(encoding: str, pieces: Iterator[bytes]) -> Iterator[bytes]:
    """The decoded bytes of a body given as encoded pieces (``Content-Transfer-Encoding``)."""
    decoder: Base64Decoder | QuotedPrintableDecoder | Identity
    if encoding == "base64":
        decoder = Base64Decoder()
    elif encoding == "quoted-printable":
        decoder = QuotedPrintableDecoder()
    else:
        decoder = Identity()
    for piece in pieces:
        out = decoder.feed(piece)
        if out:
            yield out
    rest = decoder.finish()
    if rest:
        yield rest


def transfer_encoding(part: EmailMessage) -> str:
    return str(part.get("Content-Transfer-Encoding", "")).strip().lower()


@dataclass(frozen=True, slots=True)
class _Found:
    """A boundary line at ``buf[start:end]``."""

    start: int
    end: int
    marker: bytes
    closing: bool


class _Reader:
    """The raw file as a buffer: header lines, and bodies up to the next boundary line."""

    def __init__(self, source: BinaryIO) -> None:
        self._source = source
        self._buf = b""
        self._pos = 0
        self._eof = False
        self.ended: bytes | None = None  # the boundary that ended the last body; None: EOF
        self.closing = False  # ... and it was the closing one (``--boundary--``)

    def _fill(self, want: int) -> None:
        while not self._eof and len(self._buf) - self._pos < want:
            data = self._source.read(CHUNK)
            if not data:
                self._eof = True
            self._buf = self._buf[self._pos :] + data
            self._pos = 0

    def _boundary(self, line: bytes, stack: list[bytes]) -> tuple[bytes, bool] | None:
        """The boundary of ``stack`` (innermost first) this line is, and whether it closes."""
        if not line.startswith(b"--"):
            return None
        text = line.rstrip(b"\r\n").rstrip(b" \t")
        for marker in stack:
            if text == marker:
                return marker, False
            if text == marker + b"--":
                return marker, True
        return None

    def _line(self) -> bytes:
        """The next line with its line break (a long line: its first ``LOOKAHEAD`` bytes)."""
        self._fill(LOOKAHEAD)
        end = self._buf.find(b"\n", self._pos, self._pos + LOOKAHEAD) + 1
        if not end:
            end = min(len(self._buf), self._pos + LOOKAHEAD)
        return self._buf[self._pos : end]

    def headers(self, stack: list[bytes]) -> bytes:
        """The header block with its blank line, as ``email.feedparser`` delimits it.

        It ends at the blank line (consumed), at a line that is not a header (left for the
        body), or at a boundary line or the end of the file (left: the part has no body).
        """
        lines: list[bytes] = []
        size = 0
        while True:
            line = self._line()
            if not line or self._boundary(line, stack) is not None:
                break
            is_header = _HEADER_LINE.match(line) is not None
            if is_header or not line.strip(b"\r\n"):
                lines.append(line)
                size += len(line)
                self._pos += len(line)
                if size > MAX_HEADER_BYTES:
                    raise HeaderTooLong(f"a header block over {MAX_HEADER_BYTES} bytes")
            if not is_header:
                break
        return b"".join(lines)

    def body(self, stack: list[bytes]) -> Iterator[bytes]:
        """The body's raw bytes up to the next boundary of ``stack`` (or the end of the file).

        The line break before the boundary is not part of the body (RFC 2046 5.1.1); the
        reader is left after the boundary line, with ``ended``/``closing`` saying which.
        """
        self.ended, self.closing = None, False
        at_line_start = True
        while True:
            self._fill(LOOKAHEAD)
            buf, pos = self._buf, self._pos
            if pos >= len(buf):
                return
            found = self._scan(stack, at_line_start)
            if isinstance(found, _Found):
                body_end = _before_line_break(buf, pos, found.start, at_line_start)
                if body_end > pos:
                    yield buf[pos:body_end]
                self._pos = found.end
                self.ended, self.closing = found.marker, found.closing
                return
            if self._eof:  # no closing boundary: in a multipart, the last line break is its
                self._pos = end = len(buf)
                if stack and buf.endswith(b"\n"):
                    end -= 2 if buf.endswith(b"\r\n") and end - 2 >= pos else 1
                if end > pos:
                    yield buf[pos:end]
                return
            keep = _before_line_break(buf, pos, found, at_line_start) if found >= 0 else len(buf)
            if keep > pos:
                yield buf[pos:keep]
                self._pos = keep
                at_line_start = False
            else:
                self._fill(len(buf) - pos + 1)  # undecided from here: read on

    def _scan(self, stack: list[bytes], at_line_start: bool) -> _Found | int:
        """The first boundary line in the buffer; else where an undecided line starts (the
        last short line, which may be a boundary continued in the next block), or -1."""
        buf, pos = self._buf, self._pos
        search = pos
        while True:
            if at_line_start and search == pos and buf.startswith(b"--", pos):
                start = pos
            else:
                found = buf.find(b"\n--", search)
                start = -1 if found < 0 else found + 1
            if start < 0:
                break
            newline = buf.find(b"\n", start, start + LOOKAHEAD)
            if newline < 0 and not self._eof and len(buf) - start < LOOKAHEAD:
                return start  # the line may go on in the next block
            end = len(buf) if newline < 0 else newline + 1
            matched = self._boundary(buf[start:end], stack)
            if matched is not None:
                return _Found(start, end, *matched)
            search = start + 1
        last = buf.rfind(b"\n", pos)
        return last + 1 if last >= 0 and len(buf) - last < LOOKAHEAD else -1

    def drain(self, stack: list[bytes]) -> None:
        for _ in self.body(stack):
            pass


def _before_line_break(buf: bytes, pos: int, line_start: int, at_line_start: bool) -> int:
    """Where the line break ending at ``line_start`` begins (``\n`` or ``\r\n``), not before pos."""
    if line_start == pos and at_line_start:
        return pos  # the body starts with this line: no line break of the body precedes it
    end = line_start - 1
    if end > pos and buf[end - 1 : end] == b"\r":
        end -= 1
    return max(end, pos)


class Splitter(Generic[T]):
    """Split a mail; ``wants(headers)`` picks the leaves given to ``sink(headers, chunks)``."""

    def __init__(
        self,
        wants: Callable[[EmailMessage], bool],
        sink: Callable[[EmailMessage, Iterator[bytes]], T],
    ) -> None:
        self.wants = wants
        self.sink = sink
        self.results: dict[int, T] = {}
        self._headers = BytesHeaderParser(policy=policy.default)
        self._parser = BytesParser(policy=policy.default)

    def parse(self, source: BinaryIO) -> EmailMessage:
        return self._part(_Reader(source), [])

    def _part(self, reader: _Reader, stack: list[bytes]) -> EmailMessage:
        header_bytes = reader.headers(stack)
        part = self._headers.parsebytes(header_bytes)
        boundary = part.get_boundary() if part.get_content_maintype() == "multipart" else None
        if boundary is not None:
            inner = [b"--" + boundary.encode("utf-8", "surrogateescape"), *stack]
            reader.drain(inner)  # the preamble
            children: list[Message[str, str] | str] = []
            while reader.ended == inner[0] and not reader.closing:
                children.append(self._part(reader, inner))
            if reader.ended == inner[0]:
                reader.drain(stack)  # the epilogue
            part.set_payload(children)
            return part
        if part.get_content_type() == "message/rfc822":
            part.set_payload([self._part(reader, stack)])
            return part
        if transfer_encoding(part) in STREAMED_ENCODINGS and self.wants(part):
            raw = reader.body(stack)
            self.results[id(part)] = self.sink(part, decoded(transfer_encoding(part), raw))
            for _ in raw:  # whatever the sink left unread (a refusal): read past it
                pass
            part.set_payload("")
            return part
        body = b"".join(reader.body(stack))
        return self._parser.parsebytes(header_bytes + body)
