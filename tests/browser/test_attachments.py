"""Attachments in a real browser: an agent sees what a customer attached and downloads it.

A server of its own (``run_server``) with its own bank (``seed.py``) and its own
``KS_EMAIL_STORAGE_DIR``, into which a customer's mail with a PDF is imported through the real
path (raw file, ``import_pending``, the streaming parser) before the server starts. The page
must pass axe with the attachment list on it. Every wait is Playwright's ``expect``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import cast

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select
from tests.browser.seed import Agents, seed, system_now
from tests.browser.support import Server, assert_accessible, sign_in
from tests.services.email_support import compose

from klantenservice.adapters.db.engine import make_engine
from klantenservice.adapters.db.tables import messages
from klantenservice.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from klantenservice.adapters.mail.parse import MailFileParser
from klantenservice.adapters.mail.raw_store import store_bytes
from klantenservice.services.email_intake import import_pending, store_raw
from klantenservice.services.email_ports import NewRawMail
from klantenservice.services.inbound import IntakeOptions
from klantenservice.services.ports import UnitOfWorkFactory

ServerRunner = Callable[..., AbstractContextManager[tuple[str, Path]]]  # conftest.run_server
PDF = b"%PDF-1.7\n" + os.urandom(48_000)
PDF_NAME = "jaaroverzicht 2025.pdf"


@dataclass(frozen=True)
class MailServer:
    server: Server
    case_id: int


def import_mail(database_url: str, storage: Path, now: datetime) -> int:
    """Jan's mail with a PDF, stored raw and imported as the e-mail importer does; its case."""
    mail = compose(sender="Jan Bijlage <jan.bijlage@example.nl>", message_id="<pdf@example.nl>",
                   subject="Jaaroverzicht", text="Hierbij mijn jaaroverzicht.")  # fmt: skip
    mail.add_attachment(PDF, maintype="application", subtype="pdf", filename=PDF_NAME)
    engine = make_engine(database_url)
    try:
        uow = cast(UnitOfWorkFactory, SqlUnitOfWorkFactory(engine))
        stored = store_bytes(storage / "raw", mail.as_bytes(), suffix=".eml")
        new = NewRawMail(stored.digest, stored.size, str(stored.path), "smtp", "klantenservice")
        store_raw(uow, new, now=now)
        report = import_pending(
            uow, MailFileParser(), storage / "attachments", now=now,
            options=IntakeOptions(auto_assign=False),
        )  # fmt: skip
        assert report.imported == 1
        with engine.connect() as connection:
            query = select(messages.c.case_id).order_by(messages.c.id.desc()).limit(1)
            return int(connection.execute(query).scalar_one())
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def mail_server(
    run_server: ServerRunner, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MailServer]:
    workdir = tmp_path_factory.mktemp("attachments-server")
    database_url = f"sqlite:///{workdir / 'desk.db'}"
    now = system_now()
    seeded = seed(database_url, now)
    storage = workdir / "mail"
    case_id = import_mail(database_url, storage, now)
    with run_server(workdir, database_url, KS_EMAIL_STORAGE_DIR=str(storage)) as (url, log):
        yield MailServer(Server(url, seeded, log), case_id)


@pytest.fixture
def agent_page(browser: Browser, mail_server: MailServer) -> Iterator[Page]:
    context = browser.new_context(
        base_url=mail_server.server.url,
        locale="nl-NL",
        timezone_id="Europe/Amsterdam",
        viewport={"width": 1280, "height": 800},
        accept_downloads=True,
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_an_agent_sees_the_customers_pdf_with_its_size_and_downloads_it(
    agent_page: Page, mail_server: MailServer
) -> None:
    page = agent_page
    sign_in(page, mail_server.server, Agents().mila)
    page.goto(f"/desk/cases/{mail_server.case_id}")

    attachments = page.get_by_role("region", name="Bijlagen")
    link = attachments.get_by_role("link", name=PDF_NAME)
    expect(link).to_be_visible()
    expect(attachments).to_contain_text("application/pdf · 48 kB")
    assert_accessible(page)

    with page.expect_download() as started:
        link.click()
    download = started.value
    assert download.suggested_filename == PDF_NAME
    assert Path(download.path()).read_bytes() == PDF
    expect(page).to_have_url(f"{mail_server.server.url}/desk/cases/{mail_server.case_id}")
