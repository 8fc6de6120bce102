"""The desk in a real browser: login (with and without a second factor), presence, inbox
filters with htmx, "Next case", accessibility (axe-core) and a forged CSRF token.

Every wait is Playwright's auto-waiting ``expect``; nothing sleeps. Each test signs in as its
own agent of the seeded bank (``seed.py``), so the order of the tests does not matter.
"""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect
from tests.browser.seed import Agents
from tests.browser.support import Server, assert_accessible, screenshot, sign_in

from klantenservice.adapters.clock import SystemClock
from klantenservice.adapters.security import totp_code

AGENTS = Agents()


def result_rows(page: Page) -> Locator:
    return page.locator("#inbox-results tbody tr")


def test_the_login_page_has_no_serious_accessibility_violations(page: Page) -> None:
    page.goto("/desk/login")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen op de werkplek")
    assert_accessible(page)
    screenshot(page, "desk-login")


def test_an_agent_signs_in_with_e_mail_and_password_and_sees_the_inbox(
    page: Page, server: Server
) -> None:
    sign_in(page, server, AGENTS.anna)
    expect(page).to_have_url(re.compile(r"/desk/$"))
    expect(page.get_by_role("banner")).to_contain_text("Anna de Vries")
    cookies = {c["name"]: c for c in page.context.cookies()}
    session = cookies["ks_session"]
    assert session["httpOnly"] is True
    assert session["sameSite"] == "Lax"


def test_a_wrong_password_keeps_the_agent_on_the_login_page_with_a_message(
    page: Page, server: Server
) -> None:
    page.goto("/desk/login")
    page.get_by_label("E-mailadres").fill(AGENTS.anna)
    page.get_by_label("Wachtwoord", exact=True).fill("not the password at all")
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("alert").filter(has_text="klopt niet")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/desk/login"))


def test_an_agent_with_a_second_factor_signs_in_with_the_code_from_the_app(
    page: Page, server: Server
) -> None:
    page.goto("/desk/login")
    page.get_by_label("E-mailadres").fill(AGENTS.tom)
    page.get_by_label("Wachtwoord", exact=True).fill(server.password)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("alert").filter(has_text="klopt niet")).to_be_visible()

    code = totp_code(server.seeded.tom_totp_secret, at=SystemClock().now())
    sign_in(page, server, AGENTS.tom, code=code)
    expect(page.get_by_role("banner")).to_contain_text("Tom Hendriks")


def test_an_agent_sets_presence_from_the_header_and_it_is_kept(page: Page, server: Server) -> None:
    sign_in(page, server, AGENTS.bob)
    status = page.get_by_role("group", name="Je status")
    expect(status.get_by_role("button", name="Beschikbaar")).to_have_attribute(
        "aria-pressed", "true"
    )
    status.get_by_role("button", name="Afwezig").click()
    expect(status.get_by_role("button", name="Afwezig")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("status").filter(has_text="Je status is nu: Afwezig")).to_be_attached()
    page.reload()
    status = page.get_by_role("group", name="Je status")
    expect(status.get_by_role("button", name="Afwezig")).to_have_attribute("aria-pressed", "true")
    expect(status.get_by_role("button", name="Beschikbaar")).to_have_attribute(
        "aria-pressed", "false"
    )


def test_the_inbox_filters_update_the_list_in_place_and_the_address(
    page: Page, server: Server
) -> None:
    refs = server.seeded.references
    sign_in(page, server, AGENTS.anna)
    expect(result_rows(page)).to_have_count(7)  # Anna's first queue, "general": 7 of 8 cases
    assert_accessible(page)
    screenshot(page, "desk-inbox")

    page.get_by_label("Kanaal").select_option("whatsapp")
    expect(page).to_have_url(re.compile(r"channel=whatsapp"))
    expect(result_rows(page)).to_have_count(1)
    expect(result_rows(page).first).to_contain_text(refs["Ingrid"])
    expect(result_rows(page).first).to_contain_text("Ingrid Bakker")

    page.get_by_label("Kanaal").select_option("")
    page.get_by_label("Servicebelofte").select_option("at_risk")
    expect(page).to_have_url(re.compile(r"promise=at_risk"))
    expect(result_rows(page)).to_have_count(1)
    expect(result_rows(page).first).to_contain_text(refs["Emma"])
    expect(result_rows(page).first).to_contain_text("In gevaar")

    page.get_by_label("Servicebelofte").select_option("breached")
    expect(result_rows(page)).to_have_count(1)
    expect(result_rows(page).first).to_contain_text(refs["Jan"])

    page.get_by_label("Servicebelofte").select_option("")
    page.get_by_label("Wachtrij").select_option(label="beleggen")
    expect(result_rows(page)).to_have_count(1)
    expect(result_rows(page).first).to_contain_text("Sarah de Wit")
    expect(page).to_have_url(re.compile(r"queue=2"))
    page.go_back()  # each filter is in the address: back restores the previous list
    expect(page).not_to_have_url(re.compile(r"queue=2"))
    expect(result_rows(page)).to_have_count(7)
    expect(page.get_by_label("Wachtrij")).to_have_value("1")


def test_next_case_routes_the_most_urgent_waiting_case_to_the_agent_and_opens_it(
    page: Page, server: Server
) -> None:
    piet = server.seeded.case_ids["Piet"]
    sign_in(page, server, AGENTS.anna)
    page.get_by_role("button", name="Volgende zaak").click()
    expect(page.get_by_role("status").filter(has_text="Beschikbaar")).to_be_visible()

    status = page.get_by_role("group", name="Je status")
    status.get_by_role("button", name="Beschikbaar").click()
    expect(status.get_by_role("button", name="Beschikbaar")).to_have_attribute(
        "aria-pressed", "true"
    )
    page.get_by_role("button", name="Volgende zaak").click()
    expect(page).to_have_url(re.compile(rf"/desk/cases/{piet}$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Overboeking niet aangekomen")
    expect(page.get_by_text("Mijn overboeking van 450 euro van gisteren")).to_be_visible()
    expect(page.locator(".facts")).to_contain_text("Anna de Vries")
    assert_accessible(page)


def test_a_forged_csrf_token_is_refused_and_nothing_changes(page: Page, server: Server) -> None:
    sign_in(page, server, AGENTS.daan)
    status = page.get_by_role("group", name="Je status")
    expect(status.get_by_role("button", name="Beschikbaar")).to_have_attribute(
        "aria-pressed", "true"
    )
    page.evaluate(
        """() => {
            document.body.setAttribute("hx-headers", JSON.stringify({"X-CSRF-Token": "forged"}));
            for (const field of document.querySelectorAll("input[name=csrf_token]")) {
                field.value = "forged";
            }
        }"""
    )
    status.get_by_role("button", name="Offline").click()
    expect(page.locator("#alerts")).to_contain_text("er is niets gewijzigd")
    expect(status.get_by_role("button", name="Beschikbaar")).to_have_attribute(
        "aria-pressed", "true"
    )
    page.reload()
    status = page.get_by_role("group", name="Je status")
    expect(status.get_by_role("button", name="Beschikbaar")).to_have_attribute(
        "aria-pressed", "true"
    )
