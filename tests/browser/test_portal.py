"""The customer portal in a real browser: sign in through the (demo) bank, see one's own cases,
reply, open a new case with the web form, and be refused another customer's case (403);
axe-core finds no serious or critical violation on the list, the case and the form.

The portal runs on a server of its own (``run_server``) with its own bank (``portal_seed.py``)
and the demo sign-in on, so its writes never change what the desk's tests count. Each test
signs in as its own customer; every wait is Playwright's auto-waiting ``expect``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from tests.browser.portal_seed import ANSWER, INTERNAL_NOTE, PortalSeeded, seed_portal
from tests.browser.seed import system_now
from tests.browser.support import assert_accessible, screenshot

ServerRunner = Callable[..., AbstractContextManager[tuple[str, Path]]]  # conftest.run_server
EXPECT_TIMEOUT_MS = 10_000


@dataclass(frozen=True)
class PortalServer:
    url: str
    seeded: PortalSeeded
    log: Path


@pytest.fixture(scope="module")
def portal_server(
    run_server: ServerRunner, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PortalServer]:
    workdir = tmp_path_factory.mktemp("portal-server")
    database_url = f"sqlite:///{workdir / 'portal.db'}"
    seeded = seed_portal(database_url, system_now())
    with run_server(workdir, database_url, KS_PORTAL_DEMO_SIGN_IN="true") as (url, log):
        yield PortalServer(url, seeded, log)


@pytest.fixture
def customer(browser: Browser, portal_server: PortalServer) -> Iterator[Page]:
    """A customer's browser: fresh cookies, Dutch, Amsterdam time."""
    context = browser.new_context(
        base_url=portal_server.url,
        locale="nl-NL",
        timezone_id="Europe/Amsterdam",
        viewport={"width": 1100, "height": 800},
    )
    context.set_default_timeout(EXPECT_TIMEOUT_MS)
    yield context.new_page()
    context.close()


def sign_in(page: Page, name: str, level: str | None = None) -> None:
    """From the portal to the demo bank and back, signed in as ``name``."""
    page.goto("/portal/")
    expect(page).to_have_url(re.compile(r"/portal/sign-in"))
    page.get_by_role("link", name="Inloggen met internetbankieren").click()
    expect(page.get_by_role("heading", name="Internetbankieren (demo)")).to_be_visible()
    page.get_by_label(name).check()
    if level is not None:
        page.get_by_label(level).check()
    page.get_by_role("button", name="Inloggen").click()


def test_a_customer_signs_in_through_the_bank_and_sees_only_their_cases(
    customer: Page, portal_server: PortalServer
) -> None:
    sign_in(customer, "Ann de Wit")
    expect(customer.get_by_role("heading", name="Mijn zaken", level=1)).to_be_visible()
    rows = customer.locator("table.cases tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Pas geblokkeerd")
    expect(rows.first).to_contain_text("Wacht op jouw reactie")
    expect(rows.nth(1)).to_contain_text("Dubbele afschrijving")
    expect(rows.nth(1)).to_contain_text("Opgelost")
    expect(customer.locator("main")).not_to_contain_text("Hypotheekofferte")
    cookies = {c["name"]: c for c in customer.context.cookies()}
    session = cookies["ks_portal"]
    assert session["httpOnly"] is True
    assert session["sameSite"] == "Lax"
    assert session["path"] == "/portal"
    assert "ks_portal_signin" not in cookies
    assert_accessible(customer)


def test_a_customer_reads_a_case_without_staff_notes_and_replies_in_place(
    customer: Page, portal_server: PortalServer
) -> None:
    sign_in(customer, "Ann de Wit")
    customer.get_by_role("link", name="Pas geblokkeerd").click()
    expect(customer.get_by_role("heading", name="Pas geblokkeerd", level=1)).to_be_visible()
    conversation = customer.locator("#conversation")
    expect(conversation).to_contain_text(ANSWER)
    expect(conversation).not_to_contain_text(INTERNAL_NOTE)
    assert_accessible(customer)

    reply = "Ja, de oude pas is doorgeknipt. <b>Dank</b> je!"
    customer.get_by_label("Je reactie").fill(reply)
    customer.get_by_role("button", name="Versturen").click()
    expect(customer.locator("#portal-status")).to_have_text("Je bericht is verstuurd.")
    expect(conversation.locator(".message.from-you").last).to_contain_text(reply)  # as text
    expect(customer.get_by_label("Je reactie")).to_have_value("")
    expect(customer.locator(".case-facts")).to_contain_text("Wacht op jouw reactie")
    customer.reload()  # stored: the reply is there after a reload, once
    expect(customer.locator(".message.from-you", has_text="doorgeknipt")).to_have_count(1)
    expect(customer.locator(".case-facts")).to_contain_text("In behandeling")
    assert_accessible(customer)
    screenshot(customer, "portal")


def test_a_reply_that_is_too_long_is_refused_at_the_field_and_kept(
    customer: Page, portal_server: PortalServer
) -> None:
    sign_in(customer, "Carla Jansen")
    customer.get_by_role("link", name="Adreswijziging").click()
    customer.get_by_label("Je reactie").fill("x" * 10_001)
    customer.get_by_role("button", name="Versturen").click()
    expect(customer.locator("#reply-errors")).to_contain_text("10.001 tekens lang")
    expect(customer.get_by_label("Je reactie")).to_have_attribute("aria-invalid", "true")
    expect(customer.get_by_label("Je reactie")).to_have_value("x" * 10_001)
    expect(customer.locator(".message.from-you")).to_have_count(1)  # only her first e-mail
    assert_accessible(customer)

    customer.get_by_label("Je reactie").fill("Mijn nieuwe adres is Dorpsstraat 1.")
    customer.get_by_role("button", name="Versturen").click()
    expect(customer.locator(".message.from-you")).to_have_count(2)


def test_a_customer_opens_a_new_case_with_the_web_form(
    customer: Page, portal_server: PortalServer
) -> None:
    sign_in(customer, "Dirk Visser")
    expect(customer.get_by_text("Je hebt nog geen zaken bij ons.")).to_be_visible()
    customer.get_by_role("link", name="Nieuwe vraag stellen").first.click()
    expect(customer.get_by_role("heading", name="Nieuwe vraag stellen", level=1)).to_be_visible()
    assert_accessible(customer)

    customer.get_by_role("button", name="Vraag versturen").click()  # nothing filled in
    expect(customer.get_by_label("Waar gaat je vraag over?")).to_be_focused()  # browser check
    customer.get_by_label("Waar gaat je vraag over?").select_option("payments")
    customer.get_by_label("Onderwerp").fill("Betaling niet aangekomen")
    customer.get_by_label("Je bericht").fill("Mijn overboeking van 3 maart is niet aangekomen.")
    customer.get_by_role("button", name="Vraag versturen").click()

    confirmation = customer.get_by_role("status").filter(has_text="We hebben je vraag ontvangen")
    expect(confirmation).to_contain_text(re.compile(r"Je kenmerk is KS-\d{6}, ontvangen op"))
    expect(customer.get_by_role("heading", name="Betaling niet aangekomen")).to_be_visible()
    customer.get_by_role("link", name="Terug naar mijn zaken").click()
    expect(customer.locator("table.cases tbody tr")).to_have_count(1)
    expect(customer.locator("table.cases")).to_contain_text("Ontvangen")


def test_another_customers_case_is_refused_with_403_and_nothing_of_it(
    customer: Page, portal_server: PortalServer
) -> None:
    sign_in(customer, "Ann de Wit")
    expect(customer.get_by_role("heading", name="Mijn zaken", level=1)).to_be_visible()
    bens = portal_server.seeded.cases["Hypotheekofferte verlengen"]
    response = customer.goto(f"/portal/cases/{bens}")
    assert response is not None and response.status == 403
    expect(customer.get_by_role("heading", level=1)).to_have_text("Deze zaak is niet van jou")
    expect(customer.locator("body")).not_to_contain_text("Hypotheek")
    expect(customer.locator("body")).not_to_contain_text("Ben Bakker")
    assert_accessible(customer)


def test_a_sign_in_verified_too_weakly_is_refused_with_what_to_do(
    customer: Page, portal_server: PortalServer
) -> None:
    sign_in(customer, "Ben Bakker", level="Alleen een bekend telefoonnummer")
    expect(customer.get_by_role("heading", name="Inloggen is niet gelukt")).to_be_visible()
    expect(customer.get_by_role("alert")).to_contain_text("gecontroleerde identiteit")
    customer.goto("/portal/")
    expect(customer).to_have_url(re.compile(r"/portal/sign-in"))


def test_signing_out_ends_the_session(customer: Page, portal_server: PortalServer) -> None:
    sign_in(customer, "Carla Jansen")
    customer.get_by_role("button", name="Uitloggen").click()
    expect(customer.get_by_role("status")).to_contain_text("Je bent uitgelogd.")
    customer.goto("/portal/")
    expect(customer).to_have_url(re.compile(r"/portal/sign-in"))
