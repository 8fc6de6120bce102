"""The SOS form in a real browser: a customer who cannot sign in reports a stolen card.

No sign-in: the short address ``/sos`` leads to the form; a form with problems shows them at
their fields; the report comes back at once with its reference and the time of receipt to the
second. axe-core finds no serious or critical violation on the form, the form with problems,
and the receipt. Screenshots: ``docs/screenshots/sos-form.png`` and ``sos-receipt.png``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from tests.browser.portal_seed import seed_portal
from tests.browser.seed import system_now
from tests.browser.support import assert_accessible, screenshot, seeded_server, visitor_page

ServerRunner = Callable[..., AbstractContextManager[tuple[str, Path]]]  # conftest.run_server


@pytest.fixture(scope="module")
def sos_url(run_server: ServerRunner, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    workdir = tmp_path_factory.mktemp("sos-server")
    with seeded_server(run_server, workdir, lambda url: seed_portal(url, system_now())) as url:
        yield url


@pytest.fixture
def visitor(browser: Browser, sos_url: str) -> Iterator[Page]:
    with visitor_page(browser, sos_url, width=1000) as page:
        yield page


def test_a_locked_out_customer_reports_a_stolen_card_and_gets_a_reference(visitor: Page) -> None:
    visitor.goto("/sos")
    expect(visitor).to_have_url(re.compile(r"/portal/sos$"))
    expect(visitor.get_by_role("heading", name="Fraude of een verloren pas melden")).to_be_visible()
    assert_accessible(visitor)
    screenshot(visitor, "sos-form")

    visitor.get_by_label("Telefoonnummer waarop we je terugbellen").fill("12")
    visitor.get_by_label("Laatste 4 cijfers van de pas (niet verplicht)").fill(
        "4111 1111 1111 1111"
    )
    visitor.get_by_role("button", name="Melding versturen").click()
    summary = visitor.get_by_role("alert").filter(has_text="Controleer het formulier")
    expect(summary).to_contain_text("Kies wat er is gebeurd.")
    expect(summary).to_contain_text("Geef alleen de laatste 4 cijfers van je pas")
    expect(visitor.get_by_label("Telefoonnummer waarop we je terugbellen")).to_have_attribute(
        "aria-invalid", "true"
    )
    assert_accessible(visitor)

    visitor.get_by_label("Mijn pas is kwijt of gestolen").check()
    visitor.get_by_label("Telefoonnummer waarop we je terugbellen").fill("06 12345678")
    visitor.get_by_label("Ja, blokkeer mijn pas meteen").check()
    visitor.get_by_label("Laatste 4 cijfers van de pas (niet verplicht)").fill("4321")
    visitor.get_by_label("Wat zie je? (niet verplicht)").fill("Pas gestolen in de trein")
    visitor.get_by_role("button", name="Melding versturen").click()

    expect(visitor.get_by_role("status")).to_contain_text("We hebben je melding ontvangen")
    reference = visitor.locator(".sos-reference")
    expect(reference).to_have_text(re.compile(r"^SOS-[0-9A-Z]{4}-[0-9A-Z]{4}$"))
    expect(visitor.locator(".sos-time")).to_have_text(re.compile(r"\d{2}:\d{2}:\d{2}"))
    expect(visitor.locator(".sos-block")).to_contain_text("je pas wordt geblokkeerd")
    assert_accessible(visitor)
    screenshot(visitor, "sos-receipt")

    link = visitor.url  # the confirmation stays retrievable with its link
    visitor.goto("/portal/sos")
    visitor.goto(link)
    expect(visitor.locator(".sos-reference")).to_have_text(reference.inner_text())
