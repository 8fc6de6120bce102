"""The streaming splitter finds the same parts and bytes as the stdlib parser.

Each mail is parsed twice: by ``email.parser.BytesParser`` (the reference) and by
``mime_stream.Splitter`` with every leaf streamed; the leaves must agree in order, type and
decoded bytes. The mails cover what boundary handling gets wrong: CRLF and LF line ends,
nesting, an attached mail, preamble and epilogue, an empty part, a missing closing
boundary, a boundary-like line that is not one, and block edges (tiny read blocks).
"""

from __future__ import annotations

import base64
import binascii
import io
import os
import quopri
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import pytest

from klantenservice.adapters.mail import mime_stream
from klantenservice.adapters.mail.mime_stream import (
    Base64Decoder,
    HeaderTooLong,
    QuotedPrintableDecoder,
    Splitter,
)


def _leaf(part: EmailMessage) -> bool:
    return part.get_content_maintype() not in ("multipart", "message")


def reference(raw: bytes) -> list[tuple[str, bytes]]:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    found = []
    for part in message.walk():
        if not part.is_multipart():
            data = part.get_payload(decode=True)
            found.append((part.get_content_type(), data if isinstance(data, bytes) else b""))
    return found


def streamed(raw: bytes) -> list[tuple[str, bytes]]:
    splitter = Splitter(_leaf, lambda _part, chunks: b"".join(chunks))
    message = splitter.parse(io.BytesIO(raw))
    found = []
    for part in message.walk():
        if part.is_multipart():
            continue
        if id(part) in splitter.results:
            found.append((part.get_content_type(), splitter.results[id(part)]))
        else:
            data = part.get_payload(decode=True)
            found.append((part.get_content_type(), data if isinstance(data, bytes) else b""))
    return found


def mixed_mail() -> EmailMessage:
    inner = EmailMessage()
    inner["From"] = "a@example.nl"
    inner["Subject"] = "doorgestuurd"
    inner.set_content("binnenste tekst\n")
    inner.add_attachment(os.urandom(700), maintype="image", subtype="png", filename="in.png")
    mail = EmailMessage()
    mail["From"] = "Jan <jan@example.nl>"
    mail["Subject"] = "bijlagen"
    mail.set_content("Hallo,\n\nzie bijlagen.\n")
    mail.add_alternative("<p>Hallo</p>", subtype="html")
    mail.add_attachment(os.urandom(5000), maintype="application", subtype="pdf", filename="a.pdf")
    mail.add_attachment("é=tekst\n" * 50, subtype="csv", filename="t.csv", cte="quoted-printable")
    mail.add_attachment(b"--not a boundary\n" * 20, maintype="application", subtype="x-raw",
                        cte="8bit")  # fmt: skip
    mail.add_attachment(inner)
    mail.add_attachment(b"", maintype="application", subtype="pdf", filename="leeg.pdf")
    return mail


def variants(raw: bytes) -> Iterator[bytes]:
    yield raw
    yield raw.replace(b"\n", b"\r\n")


@pytest.mark.parametrize("chunk", [mime_stream.CHUNK, 7])
@pytest.mark.parametrize("line_ends", ["lf", "crlf"])
def test_the_splitter_finds_the_parts_and_bytes_the_stdlib_finds(
    monkeypatch: pytest.MonkeyPatch, chunk: int, line_ends: str
) -> None:
    monkeypatch.setattr(mime_stream, "CHUNK", chunk)
    monkeypatch.setattr(mime_stream, "LOOKAHEAD", 200 if chunk < 100 else mime_stream.LOOKAHEAD)
    raw = mixed_mail().as_bytes()
    if line_ends == "crlf":
        raw = raw.replace(b"\n", b"\r\n")
    expected = reference(raw)
    assert len(expected) == 8
    assert streamed(raw) == expected


HANDWRITTEN = [
    # preamble, epilogue, trailing whitespace after boundaries, no final newline
    b"From: a@b.nl\nContent-Type: multipart/mixed; boundary=XX\n\npreamble\n--XX  \n"
    b"Content-Type: text/plain\n\none\n--XX\nContent-Type: application/pdf\n"
    b"Content-Transfer-Encoding: base64\n\nJVBERi0x\nLjQK\n--XX--\t\nepilogue\n",
    # missing closing boundary: the part runs to the end of the file
    b"From: a@b.nl\nContent-Type: multipart/mixed; boundary=XX\n\n--XX\n"
    b"Content-Type: application/octet-stream\n\nraw bytes\n--XXnot\nmore\n",
    # a part without a body, a part without headers, nested and closed by the outer boundary
    b"From: a@b.nl\nContent-Type: multipart/mixed; boundary=O\n\n--O\n"
    b"Content-Type: application/pdf\n--O\n\nno headers here\n--O\n"
    b"Content-Type: multipart/alternative; boundary=I\n\n--I\nContent-Type: text/plain\n\n"
    b"inner\n--O--",
    # a single-part mail whose body is an attachment, in quoted-printable
    b"From: a@b.nl\nContent-Type: application/pdf\nContent-Transfer-Encoding: quoted-printable"
    b"\n\n%PDF=3D1=\n.4\nlast line",
]


@pytest.mark.parametrize("raw", HANDWRITTEN)
def test_odd_but_real_structures_split_as_the_stdlib_splits_them(raw: bytes) -> None:
    for variant in variants(raw):
        assert streamed(variant) == reference(variant)


def test_decoders_give_the_same_bytes_whatever_the_pieces() -> None:
    data = os.urandom(10_000)
    encoded = base64.encodebytes(data)
    for size in (1, 3, 76, 1000):
        decoder = Base64Decoder()
        pieces = [decoder.feed(encoded[i : i + size]) for i in range(0, len(encoded), size)]
        assert b"".join(pieces) + decoder.finish() == data
    text = quopri.encodestring(data)
    for size in (1, 5, 80):
        qp = QuotedPrintableDecoder()
        pieces = [qp.feed(text[i : i + size]) for i in range(0, len(text), size)]
        assert b"".join(pieces) + qp.finish() == binascii.a2b_qp(text)


def test_a_header_block_without_end_is_refused_not_read_into_memory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(mime_stream, "MAX_HEADER_BYTES", 1000)
    raw = b"From: a@b.nl\n" + b"X-Pad: " + b"x" * 60 + b"\n" * 1 + b" more\n" * 400
    with pytest.raises(HeaderTooLong):
        streamed(raw)
