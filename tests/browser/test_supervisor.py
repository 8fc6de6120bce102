"""The supervisor view in a real browser: figures, live updates without reloading, presence,
reassigning a case, and accessibility (axe-core).

The seeded bank (``seed.py``) has a queue "hypotheken" where only Eva works and one case waits
(Willem's); these tests use only those, so other tests' changes do not move their figures.
"""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Locator, Page, expect
from tests.browser.seed import Agents
from tests.browser.support import Server, assert_accessible, screenshot, sign_in

AGENTS = Agents()


def open_board(page: Page, server: Server) -> None:
    sign_in(page, server, AGENTS.sanne)
    page.get_by_role("link", name="Supervisie").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Supervisie")
    # the live stream is open (supervisor.js saw live.ready): changes from now on arrive
    expect(page.locator("body")).to_have_attribute("data-live-connected", "true")


def queue_row(page: Page, name: str) -> Locator:
    return page.locator("table.queues tbody tr", has=page.get_by_role("rowheader", name=name))


def agent_row(page: Page, name: str) -> Locator:
    return page.locator("table.agents tbody tr", has_text=name)


def test_the_board_updates_live_when_an_agent_elsewhere_becomes_available(
    page: Page, server: Server, browser: Browser
) -> None:
    open_board(page, server)
    seats = queue_row(page, "hypotheken").locator("td.seats strong")
    assert_accessible(page)
    screenshot(page, "desk-supervisor")
    page.evaluate("window.notReloaded = true")

    eva_context = browser.new_context(base_url=server.url, locale="nl-NL")
    try:
        eva = eva_context.new_page()
        sign_in(eva, server, AGENTS.eva)
        status = eva.get_by_role("group", name="Je status")
        status.get_by_role("button", name="Beschikbaar").click()
        expect(status.get_by_role("button", name="Beschikbaar")).to_have_attribute(
            "aria-pressed", "true"
        )
    finally:
        eva_context.close()

    # pushed over /api/v1/live, no reload: Eva is available and has room in "hypotheken"
    expect(seats).to_have_text("1")
    expect(
        agent_row(page, "Eva Jager").get_by_role("button", name="Beschikbaar")
    ).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("window.notReloaded") is True


def test_the_supervisor_sets_an_agents_presence_from_the_board(page: Page, server: Server) -> None:
    open_board(page, server)
    eva = agent_row(page, "Eva Jager")
    eva.get_by_role("button", name="Afwezig").click()
    expect(eva.get_by_role("button", name="Afwezig")).to_have_attribute("aria-pressed", "true")
    expect(eva.get_by_role("button", name="Afwezig")).to_be_focused()  # focus survives the swap
    page.reload()
    expect(agent_row(page, "Eva Jager").get_by_role("button", name="Afwezig")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(queue_row(page, "hypotheken").locator("td.seats strong")).to_have_text("0")


def test_the_supervisor_reassigns_a_waiting_case_to_an_agent_with_a_reason(
    page: Page, server: Server
) -> None:
    reference = server.seeded.references["Willem"]
    open_board(page, server)
    waiting = queue_row(page, "hypotheken").locator("td").first
    expect(waiting).to_have_text("1")
    page.get_by_role("link", name=f"{reference} opnieuw toewijzen").click()
    expect(page.get_by_label("Zaaknummer")).to_have_value(reference)
    option = page.locator("#reassign-to option", has_text="Eva Jager")
    page.get_by_label("Verplaatsen naar").select_option(option.get_attribute("value") or "")
    page.get_by_label("Reden").fill("Eva kent de hypotheek van deze klant")
    page.get_by_role("button", name="Opnieuw toewijzen", exact=True).click()

    expect(
        page.get_by_role("status").filter(has_text=f"Zaak {reference} is opnieuw")
    ).to_be_visible()
    expect(page).to_have_url(re.compile(r"notice=reassigned"))
    expect(waiting).to_have_text("0")
    expect(agent_row(page, "Eva Jager").locator("td.number")).to_have_text("1")
    # assigned and on time: it no longer needs attention
    expect(page.locator("table.watch tbody tr", has_text=reference)).to_have_count(0)
    assert_accessible(page)
