"""Attachments in the desk and the API: shown on the case page, opened as safe downloads.

The mails are imported through the real path (raw file, ``import_pending``, the streaming
parser) into the app's database, with the app's ``KS_EMAIL_STORAGE_DIR`` in a temporary
directory; on SQLite and PostgreSQL.
"""

from __future__ import annotations

import os
import warnings
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select, update
from tests.services.email_support import compose
from tests.web.desk.support import Desk
from tests.web.support import FakeClock, World, bearer

from klantenservice.adapters.credentials import Argon2Credentials
from klantenservice.adapters.db.tables import audit_log, email_attachments, messages
from klantenservice.adapters.mail.parse import MailFileParser
from klantenservice.adapters.mail.raw_store import store_bytes
from klantenservice.adapters.security import fast_hasher
from klantenservice.services.email_intake import import_pending, store_raw
from klantenservice.services.email_ports import NewRawMail
from klantenservice.services.inbound import IntakeOptions
from klantenservice.settings import Settings
from klantenservice.web.app import create_app
from klantenservice.web.deps import AppContext

with warnings.catch_warnings():  # see tests/web/conftest.py
    from starlette.exceptions import StarletteDeprecationWarning

    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

PDF = b"%PDF-1.7\n" + os.urandom(2500)
PDF_NAME = "rekening € maart.pdf"


@pytest.fixture
def app(database_url: str, clock: FakeClock, intake_writer: str, tmp_path: Path) -> FastAPI:
    settings = Settings(
        database_url=database_url,
        environment="test",
        intake_writer=intake_writer,
        email_storage_dir=str(tmp_path / "mail"),
    )
    return create_app(settings, clock=clock, credentials=Argon2Credentials(fast_hasher()))


def deliver(context: AppContext, *, sender: str, message_id: str) -> dict[str, int]:
    """One mail with a PDF and a refused .exe, imported; the case and attachment ids."""
    mail = compose(sender=sender, message_id=message_id, text="Zie de bijlage.")
    mail.add_attachment(PDF, maintype="application", subtype="pdf", filename=PDF_NAME)
    mail.add_attachment(b"MZ\x90", maintype="application", subtype="x-msdownload",
                        filename="factuur.exe")  # fmt: skip
    root = Path(context.settings.email_storage_dir)
    stored = store_bytes(root / "raw", mail.as_bytes(), suffix=".eml")
    now = context.clock.now()
    new = NewRawMail(stored.digest, stored.size, str(stored.path), "smtp", "klantenservice")
    store_raw(context.uow_factory, new, now=now)
    report = import_pending(
        context.uow_factory, MailFileParser(), root / "attachments",
        now=now + timedelta(seconds=1), options=IntakeOptions(auto_assign=False),
    )  # fmt: skip
    assert report.imported == 1
    with context.engine.connect() as connection:
        case_id = connection.execute(
            select(messages.c.case_id).order_by(messages.c.id.desc()).limit(1)
        ).scalar_one()
        pdf, exe = connection.execute(
            select(email_attachments.c.id)
            .where(email_attachments.c.message_id == select(messages.c.id)
                   .where(messages.c.case_id == case_id).scalar_subquery())
            .order_by(email_attachments.c.id)
        ).scalars()  # fmt: skip
    return {"case": case_id, "pdf": pdf, "exe": exe}


def reads(context: AppContext) -> list[Any]:
    with context.engine.connect() as connection:
        query = select(audit_log).where(audit_log.c.action == "attachment.read")
        return list(connection.execute(query.order_by(audit_log.c.seq)))


def assert_safe_download(response: Any, media_type: str) -> None:
    assert response.status_code == 200, response.text
    assert response.content == PDF
    assert response.headers["content-type"].split(";")[0] == media_type
    assert response.headers["content-disposition"] == (
        'attachment; filename="rekening _ maart.pdf"; '
        "filename*=UTF-8''rekening%20%E2%82%AC%20maart.pdf"
    )
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-security-policy"] == "sandbox"
    assert response.headers["cache-control"] == "no-store"


def test_the_case_page_lists_the_attachments_with_size_and_why_one_was_not_stored(
    desk: Desk, context: AppContext
) -> None:
    found = deliver(context, sender="jan@example.nl", message_id="<a@x.nl>")
    desk.signed_in()

    dutch = desk.client.get(f"/desk/cases/{found['case']}").text
    english = desk.client.get(
        f"/desk/cases/{found['case']}", headers={"Accept-Language": "en"}
    ).text

    link = f'href="/desk/cases/{found["case"]}/attachments/{found["pdf"]}"'
    assert link in dutch and "rekening € maart.pdf" in dutch
    assert "application/pdf · 2,5 kB" in dutch and "application/pdf · 2.5 kB" in english
    assert "factuur.exe" in dutch and f"/attachments/{found['exe']}" not in dutch
    assert "niet opgeslagen: soort bestand niet toegestaan" in dutch
    assert "not stored: type not allowed" in english
    assert 'aria-label="Bijlagen"' in dutch and 'aria-label="Attachments"' in english


def test_the_desk_download_is_the_file_as_a_safe_attachment_and_is_audited(
    desk: Desk, context: AppContext, world: World
) -> None:
    found = deliver(context, sender="jan@example.nl", message_id="<a@x.nl>")
    desk.signed_in()

    response = desk.client.get(f"/desk/cases/{found['case']}/attachments/{found['pdf']}")

    assert_safe_download(response, "application/pdf")
    (read,) = reads(context)
    assert read.subject_id == str(found["pdf"])
    assert read.details == {"case_id": found["case"], "message_id": read.details["message_id"],
                            "via": "desk"}  # fmt: skip


def test_a_stored_type_we_do_not_accept_is_sent_as_octet_stream(
    desk: Desk, context: AppContext
) -> None:
    found = deliver(context, sender="jan@example.nl", message_id="<a@x.nl>")
    with context.engine.begin() as connection:  # a row from an older, laxer import
        connection.execute(
            update(email_attachments)
            .where(email_attachments.c.id == found["pdf"])
            .values(content_type="text/html")
        )
    desk.signed_in()

    response = desk.client.get(f"/desk/cases/{found['case']}/attachments/{found['pdf']}")

    assert_safe_download(response, "application/octet-stream")


def test_the_desk_refuses_another_cases_attachment_unknown_ids_and_strangers(
    desk: Desk, context: AppContext, browser_client: TestClient, app: FastAPI
) -> None:
    jan = deliver(context, sender="jan@example.nl", message_id="<a@x.nl>")
    piet = deliver(context, sender="piet@example.nl", message_id="<b@x.nl>")
    assert jan["case"] != piet["case"]

    anonymous = TestClient(app, base_url="https://testserver", follow_redirects=False)
    refused = anonymous.get(f"/desk/cases/{jan['case']}/attachments/{jan['pdf']}")
    assert refused.status_code == 303 and "/desk/login" in refused.headers["location"]

    desk.signed_in()
    for path, why in (
        (f"/desk/cases/{piet['case']}/attachments/{jan['pdf']}", "has no attachment"),
        (f"/desk/cases/{jan['case']}/attachments/999999", "has no attachment"),
        (f"/desk/cases/{jan['case']}/attachments/{jan['exe']}", "not stored"),
    ):
        response = desk.client.get(path)
        assert response.status_code == 404, path
        assert why in response.text and "text/html" in response.headers["content-type"]
        assert PDF not in response.content
    assert reads(context) == []


def test_the_api_lists_and_downloads_attachments_with_a_bearer_token(
    world: World, context: AppContext
) -> None:
    found = deliver(context, sender="jan@example.nl", message_id="<a@x.nl>")
    other = deliver(context, sender="piet@example.nl", message_id="<b@x.nl>")
    base = f"/cases/{found['case']}/attachments"

    listed = world.get(base, world.anna.headers)
    download = world.get(f"{base}/{found['pdf']}", world.anna.headers)

    assert listed.status_code == 200, listed.text
    pdf, exe = listed.json()
    assert pdf == {
        "id": found["pdf"], "case_id": found["case"], "message_id": pdf["message_id"],
        "filename": PDF_NAME, "content_type": "application/pdf", "size": len(PDF),
        "stored": True, "refused": None,
        "download": f"/api/v1/cases/{found['case']}/attachments/{found['pdf']}",
    }  # fmt: skip
    assert exe["stored"] is False and exe["download"] is None and "not accepted" in exe["refused"]
    assert_safe_download(download, "application/pdf")
    assert [r.details["via"] for r in reads(context)] == ["api"]

    wrong_case = world.get(f"/cases/{other['case']}/attachments/{found['pdf']}", world.anna.headers)
    assert wrong_case.status_code == 404 and wrong_case.json()["error"] == "not_found"
    assert world.get(base, {}).status_code == 401
    assert world.get(f"{base}/{found['pdf']}", bearer("not-a-token")).status_code == 401
    assert world.get("/cases/999999/attachments", world.anna.headers).status_code == 404
