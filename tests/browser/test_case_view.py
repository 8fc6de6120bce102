"""The case view in a real browser: next case, reply, note, transfer, live updates in a
colleague's browser (case page and inbox), keyboard shortcuts, templates, bad input,
accessibility (axe-core).

The seeded bank (``seed.py``) gives these tests their own queues: "service" with Noor's
(high priority: what "Next case" gives Lars) and Ruben's e-mails, and "nazorg" for transfers,
so the other browser tests' figures do not move. Nothing sleeps: every wait is ``expect``.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.sync_api import Browser, Page, expect
from tests.browser.seed import Agents
from tests.browser.support import Server, assert_accessible, screenshot, sign_in

AGENTS = Agents()


def api(server: Server, method: str, path: str, **kwargs: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {server.seeded.integration_token}"}
    return httpx.request(method, f"{server.url}/api/v1{path}", headers=headers, **kwargs)


def stored(server: Server, case_id: int) -> list[tuple[str, str]]:
    found = api(server, "GET", f"/cases/{case_id}/messages", params={"limit": 200})
    assert found.status_code == 200, found.text
    return [(m["direction"], m["body"]) for m in found.json()["items"]]


def test_an_agent_takes_the_next_case_replies_notes_and_transfers_while_a_colleague_watches(
    page: Page, server: Server, browser: Browser
) -> None:
    noor = server.seeded.case_ids["Noor"]
    sign_in(page, server, AGENTS.lars)
    page.get_by_role("button", name="Volgende zaak").click()
    expect(page).to_have_url(re.compile(rf"/desk/cases/{noor}$"))
    expect(page.locator("#case-summary")).to_contain_text("Lars Visser")

    watcher_context = browser.new_context(
        base_url=server.url, locale="nl-NL", timezone_id="Europe/Amsterdam"
    )
    watcher_context.set_default_timeout(10_000)
    try:
        mila = watcher_context.new_page()
        sign_in(mila, server, AGENTS.mila)
        mila.goto(f"/desk/cases/{noor}")
        expect(mila.locator("body")).to_have_attribute("data-live-connected", "true")
        expect(mila.locator("#case-summary")).to_contain_text("Lars Visser werkt aan deze zaak")
        mila.evaluate("window.notReloaded = true")

        # the reply: stored, shown, and pushed to the colleague's open page
        page.get_by_label("Antwoord", exact=True).fill("Beste Noor, de rente is 2,1% per jaar.")
        page.get_by_role("button", name="Verstuur antwoord").click()
        expect(page.locator("#case-notice")).to_contain_text("Je antwoord is opgeslagen")
        expect(page.locator("#case-timeline")).to_contain_text("de rente is 2,1% per jaar")
        expect(page.get_by_label("Antwoord", exact=True)).to_have_value("")
        assert ("outbound", "Beste Noor, de rente is 2,1% per jaar.") in stored(server, noor)
        expect(mila.locator("#case-timeline")).to_contain_text("de rente is 2,1% per jaar")

        # the customer writes back: both pages show it without a reload
        posted = api(
            server,
            "POST",
            "/messages/inbound",
            json={
                "channel": "email",
                "body": "Dank u! En voor een deposito?",
                "contact": {"kind": "email", "value": "noor.jansen@example.nl"},
                "case_reference": server.seeded.references["Noor"],
            },
        )
        assert posted.status_code == 201, posted.text
        assert posted.json()["case_id"] == noor
        expect(mila.locator("#case-timeline")).to_contain_text("En voor een deposito?")
        expect(page.locator("#case-timeline")).to_contain_text("En voor een deposito?")
        expect(mila.locator("#live-status")).to_have_text("De zaak is bijgewerkt.")
        assert mila.evaluate("window.notReloaded") is True

        # an internal note, by keyboard: n, type, Ctrl+Enter
        page.keyboard.press("n")
        expect(page.get_by_label("Interne notitie")).to_be_focused()
        page.keyboard.type("Klant wil deposito-informatie")
        page.keyboard.press("Control+Enter")
        expect(page.locator("#case-notice")).to_contain_text("Je interne notitie is toegevoegd.")
        note = page.locator("#case-timeline li.direction-internal")
        expect(note).to_contain_text("Klant wil deposito-informatie")
        expect(note).to_contain_text("Alleen zichtbaar voor medewerkers")
        assert ("internal", "Klant wil deposito-informatie") in stored(server, noor)

        expect(page.locator(".countdown").first).to_have_text(re.compile(r"^nog \d"))
        assert_accessible(page)
        screenshot(page, "desk-case")

        # the colleague's inbox, filtered on "nazorg", also follows live
        inbox = watcher_context.new_page()
        inbox.goto("/desk/")
        inbox.get_by_label("Wachtrij").select_option(label="nazorg")
        expect(inbox.locator("#inbox-results tbody")).to_contain_text("Geen zaken")
        expect(inbox.locator("body")).to_have_attribute("data-live-connected", "true")

        # transfer to "nazorg" with a note: Escape leaves the note box, t opens the form
        page.keyboard.press("Escape")
        page.keyboard.press("t")
        expect(page.get_by_label("Naar wachtrij")).to_be_focused()
        page.get_by_label("Naar wachtrij").select_option(label="nazorg")
        page.get_by_label("Notitie voor de collega").fill("Graag deposito-info sturen")
        page.locator("#transfer-panel button[type=submit]").click()
        expect(page.locator("#case-notice")).to_contain_text("De zaak is overgedragen.")
        expect(page.locator("#case-summary")).to_contain_text("nazorg")
        expect(mila.locator("#case-summary")).to_contain_text("nazorg")  # live, again
        expect(mila.locator("#case-summary")).not_to_contain_text("Lars Visser werkt")
        expect(inbox.locator("#inbox-results tbody")).to_contain_text(
            server.seeded.references["Noor"]
        )
        case = api(server, "GET", f"/cases/{noor}").json()
        assert case["assignee_id"] is None
        assert ("internal", "Graag deposito-info sturen") in stored(server, noor)
        assert mila.evaluate("window.notReloaded") is True
    finally:
        watcher_context.close()


def test_shortcuts_templates_and_bad_input_on_the_case_page(page: Page, server: Server) -> None:
    ruben = server.seeded.case_ids["Ruben"]
    reference = server.seeded.references["Ruben"]
    sign_in(page, server, AGENTS.mila)
    page.goto(f"/desk/cases/{ruben}")

    page.keyboard.press("?")
    help_dialog = page.get_by_role("dialog", name="Sneltoetsen")
    expect(help_dialog).to_be_visible()
    expect(help_dialog).to_contain_text("Zaak: antwoord schrijven")
    assert_accessible(page)
    page.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()

    page.keyboard.press("r")
    box = page.get_by_label("Antwoord", exact=True)
    expect(box).to_be_focused()
    page.keyboard.type("ntr?")  # typed into the box: no shortcut fires
    expect(box).to_have_value("ntr?")
    expect(help_dialog).to_be_hidden()
    box.fill("")

    page.get_by_label("Antwoordsjabloon (Nederlands)").select_option(label="Ontvangstbevestiging")
    page.get_by_role("button", name="Sjabloon invoegen").click()
    expect(box).to_have_value(re.compile(rf"^Beste Ruben,\n\n.*{reference}.*Mila de Bruin", re.S))
    expect(box).to_be_focused()

    before = stored(server, ruben)
    box.fill("a" * 10_001)
    page.get_by_role("button", name="Verstuur antwoord").click()
    expect(page.locator("#alerts")).to_contain_text("10001 tekens lang")
    assert stored(server, ruben) == before

    page.evaluate(
        """() => document.body.setAttribute(
               "hx-headers", JSON.stringify({"X-CSRF-Token": "forged"}))"""
    )
    box.fill("Vervalst verzoek")
    page.get_by_role("button", name="Verstuur antwoord").click()
    expect(page.locator("#alerts")).to_contain_text("er is niets gewijzigd")
    assert stored(server, ruben) == before

    page.reload()
    script = '<script>window.hacked = 1</script><img src=x onerror="window.hacked = 2">'
    page.get_by_label("Antwoord", exact=True).fill(script)
    page.get_by_role("button", name="Verstuur antwoord").click()
    expect(page.locator("#case-timeline")).to_contain_text(script)  # as text
    assert page.evaluate("window.hacked") is None
    assert ("outbound", script) in stored(server, ruben)

    page.keyboard.press("s")
    status = page.get_by_label("Status", exact=True)
    expect(status).to_be_focused()
    status.select_option("pending_customer")
    page.get_by_role("button", name="Status wijzigen").click()
    expect(page.locator("#case-summary")).to_contain_text("Wacht op klant")
    expect(page.locator("#case-promises")).to_contain_text("de zaak wacht op de klant")
    # the actions were swapped in place; the focus stays on the button
    expect(page.get_by_role("button", name="Status wijzigen")).to_be_focused()

    page.keyboard.press("Escape")
    page.keyboard.press("g")
    page.keyboard.press("i")
    expect(page).to_have_url(re.compile(r"/desk/$"))
    page.keyboard.press("j")
    expect(page.locator("#inbox-results a[data-row-link]").first).to_be_focused()
