"""One customer across channels at the desk: a WhatsApp from a known customer's phone number
is proposed in the case's customer panel, the agent confirms, and the case is then under the
surviving customer. In its own queue ("klantbeeld") with its own agent (Kim)."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.sync_api import Page, expect
from tests.browser.seed import Agents
from tests.browser.support import Server, assert_accessible, screenshot, sign_in

AGENTS = Agents()


def api(server: Server, method: str, path: str, **kwargs: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {server.seeded.integration_token}"}
    return httpx.request(method, f"{server.url}/api/v1{path}", headers=headers, **kwargs)


def test_a_whatsapp_from_a_known_phone_number_is_proposed_and_confirmed(
    page: Page, server: Server
) -> None:
    piet_case = api(server, "GET", f"/cases/{server.seeded.case_ids['Piet']}").json()
    posted = api(
        server,
        "POST",
        "/messages/inbound",
        json={
            "channel": "whatsapp",
            "body": "Is mijn rekening nu geblokkeerd?",
            "external_id": "wamid.browser-match-1",
            "contact": {"kind": "whatsapp", "value": "31612345678"},  # Piet's phone number
            "customer_name": "Piet",
            "queue": "klantbeeld",
        },
    )
    assert posted.status_code == 201, posted.text
    case_id, newcomer = posted.json()["case_id"], posted.json()["customer_id"]
    assert newcomer != piet_case["customer_id"]  # exact matching only: not merged silently

    sign_in(page, server, AGENTS.kim)
    page.goto(f"/desk/cases/{case_id}")
    panel = page.locator("#customer-matches")
    expect(panel.get_by_role("heading", name="Piet de Boer")).to_be_visible()
    expect(panel).to_contain_text("Sterke match")
    expect(panel).to_contain_text("zijn hetzelfde nummer op een ander kanaal")
    assert_accessible(page)
    screenshot(page, "desk-customer-match")

    panel.get_by_role("button", name="Dezelfde persoon", exact=True).click()
    expect(page.locator("#case-notice")).to_contain_text("De klanten zijn samengevoegd")
    expect(page.locator("#case-summary")).to_contain_text("Piet de Boer")  # the survivor
    expect(page.locator("#case-related")).to_contain_text(piet_case["reference"])
    expect(page.locator("#customer-matches")).to_contain_text("Geen andere klant deelt")
    assert_accessible(page)

    case = api(server, "GET", f"/cases/{case_id}").json()
    assert case["customer_id"] == piet_case["customer_id"]
    absorbed = api(server, "GET", f"/customers/{newcomer}").json()
    assert absorbed["merged_into"] == piet_case["customer_id"]
