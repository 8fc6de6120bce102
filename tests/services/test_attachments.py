"""Reading what customers attached (services/attachments.py): access, audit, case, file."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.services.email_support import Mailroom, compose
from tests.services.world import T0, World, build_world

from klantenservice.adapters.db.tables import audit_log, email_attachments, messages
from klantenservice.domain.errors import NotFound, PermissionDenied
from klantenservice.domain.vocabulary import CaseId
from klantenservice.services import attachments
from klantenservice.services.ports import Actor

PDF = b"%PDF-1.7\n" + os.urandom(2000)


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    built = build_world(database_url)
    yield built
    built.close()


@pytest.fixture
def room(world: World, tmp_path: Path) -> Mailroom:
    return Mailroom(world, tmp_path)


def deliver_with_attachments(room: Mailroom, *, sender: str, message_id: str) -> CaseId:
    mail = compose(sender=sender, message_id=message_id, text="Zie bijlage.")
    mail.add_attachment(PDF, maintype="application", subtype="pdf", filename="afschrift.pdf")
    mail.add_attachment(b"MZ\x90", maintype="application", subtype="x-msdownload",
                        filename="factuur.exe")  # fmt: skip
    assert room.deliver(mail).imported == 1
    with room.world.read() as connection:
        case_id = connection.execute(
            select(messages.c.case_id).order_by(messages.c.id.desc()).limit(1)
        ).scalar_one()
    return CaseId(case_id)


def ids(world: World) -> list[int]:
    with world.read() as connection:
        return list(
            connection.execute(select(email_attachments.c.id).order_by(email_attachments.c.id))
            .scalars()
            .all()
        )


def audit(world: World, action: str) -> list[object]:
    with world.read() as connection:
        query = select(audit_log).where(audit_log.c.action == action).order_by(audit_log.c.seq)
        return list(connection.execute(query))


def test_a_case_lists_its_attachments_stored_and_refused_and_the_read_is_audited(
    world: World, room: Mailroom
) -> None:
    world.add_agent("anna")
    anna = world.agent_actor("anna")
    case_id = deliver_with_attachments(room, sender="jan@example.nl", message_id="<a@x.nl>")

    found = attachments.case_attachments(world.uow(), actor=anna, case_id=case_id, now=T0)

    pdf, exe = found
    assert (pdf.filename, pdf.content_type, pdf.size, pdf.stored) == (
        "afschrift.pdf", "application/pdf", len(PDF), True,
    )  # fmt: skip
    assert (exe.filename, exe.stored, exe.refusal_kind) == ("factuur.exe", False, "type")
    assert pdf.case_id == case_id and pdf.message_id == exe.message_id
    (viewed,) = audit(world, "customer.viewed")
    assert viewed.details == {"via": f"case:{case_id}:attachments"}  # type: ignore[attr-defined]


def test_opening_an_attachment_gives_its_file_and_writes_attachment_read(
    world: World, room: Mailroom
) -> None:
    world.add_agent("anna")
    anna = world.agent_actor("anna")
    case_id = deliver_with_attachments(room, sender="jan@example.nl", message_id="<a@x.nl>")
    pdf_id, _exe_id = ids(world)

    opened = attachments.open_attachment(
        world.uow(), actor=anna, case_id=case_id, attachment_id=pdf_id,
        root=room.attachments, now=T0, via="desk",
    )  # fmt: skip

    assert opened.path.read_bytes() == PDF
    assert opened.media_type == "application/pdf"
    (read,) = audit(world, "attachment.read")
    assert read.subject_type == "attachment" and read.subject_id == str(pdf_id)  # type: ignore[attr-defined]
    assert read.details["case_id"] == case_id and read.details["via"] == "desk"  # type: ignore[attr-defined]
    assert read.actor == anna.label  # type: ignore[attr-defined]


def test_an_attachment_asked_for_under_another_case_or_unknown_or_refused_is_not_found(
    world: World, room: Mailroom
) -> None:
    world.add_agent("anna")
    anna = world.agent_actor("anna")
    jan = deliver_with_attachments(room, sender="jan@example.nl", message_id="<a@x.nl>")
    piet = deliver_with_attachments(room, sender="piet@example.nl", message_id="<b@x.nl>")
    assert jan != piet
    jan_pdf, jan_exe, _piet_pdf, _piet_exe = ids(world)

    def open_(case_id: CaseId, attachment_id: int) -> object:
        return attachments.open_attachment(
            world.uow(), actor=anna, case_id=case_id, attachment_id=attachment_id,
            root=room.attachments, now=T0, via="desk",
        )  # fmt: skip

    with pytest.raises(NotFound, match="has no attachment"):
        open_(piet, jan_pdf)  # Jan's file through Piet's case
    with pytest.raises(NotFound, match="has no attachment"):
        open_(jan, 999_999)
    with pytest.raises(NotFound, match="not stored"):
        open_(jan, jan_exe)
    with pytest.raises(NotFound, match="no case"):
        open_(CaseId(999_999), jan_pdf)
    assert audit(world, "attachment.read") == []


def test_without_the_right_to_read_cases_nothing_is_listed_or_opened(
    world: World, room: Mailroom
) -> None:
    case_id = deliver_with_attachments(room, sender="jan@example.nl", message_id="<a@x.nl>")
    (pdf_id, _exe) = ids(world)
    nobody = Actor(kind="user", id=77, roles=frozenset(), name="no roles")

    with pytest.raises(PermissionDenied):
        attachments.case_attachments(world.uow(), actor=nobody, case_id=case_id, now=T0)
    with pytest.raises(PermissionDenied):
        attachments.open_attachment(
            world.uow(), actor=nobody, case_id=case_id, attachment_id=pdf_id,
            root=room.attachments, now=T0, via="api",
        )  # fmt: skip
    assert audit(world, "attachment.read") == [] and audit(world, "customer.viewed") == []


def test_a_file_outside_the_attachment_directory_is_not_served(
    world: World, room: Mailroom, tmp_path: Path
) -> None:
    world.add_agent("anna")
    case_id = deliver_with_attachments(room, sender="jan@example.nl", message_id="<a@x.nl>")
    (pdf_id, _exe) = ids(world)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    with pytest.raises(NotFound, match="not available"):
        attachments.open_attachment(
            world.uow(), actor=world.agent_actor("anna"), case_id=case_id,
            attachment_id=pdf_id, root=elsewhere, now=T0, via="desk",
        )  # fmt: skip


def test_only_accepted_types_are_served_as_themselves() -> None:
    assert attachments.served_type("application/pdf") == "application/pdf"
    assert attachments.served_type("IMAGE/PNG") == "IMAGE/PNG"
    assert attachments.served_type("text/html") == "application/octet-stream"
    assert attachments.served_type("image/svg+xml") == "application/octet-stream"
