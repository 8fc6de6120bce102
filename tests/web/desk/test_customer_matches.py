"""The case page's customer-match panel: loaded after the page, proposals in the page's
language with two buttons, decisions through forms with the CSRF token."""

from __future__ import annotations

from tests.web.desk.support import Desk, hidden_token
from tests.web.desk.test_case_actions import htmx_post
from tests.web.test_customer_matches import whatsapp_and_phone

HTMX = {"HX-Request": "true"}


def whatsapp_case(desk: Desk) -> tuple[int, int, int]:
    piet, whatsapp = whatsapp_and_phone(desk.world)
    cases = desk.world.get("/cases", desk.world.admin, limit=200).json()["items"]
    case_id = next(c["id"] for c in cases if c["customer_id"] == whatsapp)
    return piet, whatsapp, int(case_id)


def test_the_case_page_loads_the_panel_which_shows_the_proposal(desk: Desk) -> None:
    piet, whatsapp, case_id = whatsapp_case(desk)
    desk.signed_in()
    page = desk.client.get(f"/desk/cases/{case_id}").text
    slot = f'hx-get="/desk/customers/{whatsapp}/matches?case={case_id}"'
    assert slot in page and 'hx-trigger="load"' in page
    panel = desk.client.get(f"/desk/customers/{whatsapp}/matches?case={case_id}", headers=HTMX)
    assert panel.status_code == 200, panel.text
    text = panel.text
    assert "Dezelfde klant op andere kanalen?" in text and "Sterke match" in text
    assert (
        "telefoon +31612345678 en WhatsApp +31612345678 zijn hetzelfde nummer" in text
        or "WhatsApp +31612345678 en telefoon +31612345678 zijn hetzelfde nummer" in text
    )
    assert f"/desk/customers/{whatsapp}/matches/{piet}/confirm" in text
    assert "<html" not in text  # a fragment for htmx
    full = desk.client.get(f"/desk/customers/{whatsapp}/matches?case={case_id}")
    assert "<html" in full.text and "Terug naar de zaak" in full.text  # without JavaScript


def test_same_person_merges_and_returns_to_the_case(desk: Desk) -> None:
    piet, whatsapp, case_id = whatsapp_case(desk)
    desk.signed_in()
    token = hidden_token(desk.client.get(f"/desk/cases/{case_id}").text)
    path = f"/desk/customers/{whatsapp}/matches/{piet}/confirm"
    response = htmx_post(desk, path, token, case_id=str(case_id))
    assert response.status_code == 204, response.text
    assert response.headers["HX-Redirect"] == f"/desk/cases/{case_id}?done=customer_merged"
    assert desk.world.case(case_id)["customer_id"] == piet
    page = desk.client.get(response.headers["HX-Redirect"]).text
    assert "De klanten zijn samengevoegd" in page


def test_not_the_same_person_answers_the_panel_without_the_proposal(desk: Desk) -> None:
    piet, whatsapp, case_id = whatsapp_case(desk)
    desk.signed_in()
    token = hidden_token(desk.client.get(f"/desk/cases/{case_id}").text)
    path = f"/desk/customers/{whatsapp}/matches/{piet}/reject"
    response = htmx_post(desk, path, token, case_id=str(case_id))
    assert response.status_code == 200, response.text
    assert "Vastgelegd: niet dezelfde persoon." in response.text
    assert "Geen andere klant deelt een nummer of mailbox" in response.text


def test_a_forged_token_or_a_pair_not_proposed_changes_nothing(desk: Desk) -> None:
    piet, whatsapp, case_id = whatsapp_case(desk)
    desk.signed_in()
    token = hidden_token(desk.client.get(f"/desk/cases/{case_id}").text)
    path = f"/desk/customers/{whatsapp}/matches/{piet}/confirm"
    forged = htmx_post(desk, path, "forged", case_id=str(case_id))
    assert forged.status_code == 403
    itself = htmx_post(
        desk, f"/desk/customers/{piet}/matches/{piet}/confirm", token, case_id=str(case_id)
    )
    assert itself.status_code == 422
    assert desk.world.case(case_id)["customer_id"] == whatsapp
