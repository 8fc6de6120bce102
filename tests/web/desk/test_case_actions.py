"""Working on a case from its page: reply, note, take, status, priority, tags, and refusals.

Every action is posted as htmx does it (``HX-Request``, the CSRF token in ``X-CSRF-Token``)
unless the test is about the plain form; what is stored is read back through the API.
"""

from __future__ import annotations

from typing import Any

import httpx
from tests.web.desk.support import Desk, hidden_token
from tests.web.support import create_staff

from klantenservice.web.desk.case_render import MAX_TEXT_LENGTH


def open_case(desk: Desk, **intake: Any) -> tuple[int, str]:
    """An inbound e-mail (auto-assigned to Anna), Anna signed in: (case id, CSRF token)."""
    case_id = int(desk.world.intake(**intake)["case_id"])
    desk.signed_in()
    page = desk.client.get(f"/desk/cases/{case_id}")
    assert page.status_code == 200, page.text
    return case_id, hidden_token(page.text)


def htmx_post(desk: Desk, path: str, token: str, **data: str) -> httpx.Response:
    headers = {
        "HX-Request": "true",
        "X-CSRF-Token": token,
        "HX-Current-URL": "https://testserver/desk/",
    }
    response: httpx.Response = desk.client.post(path, data=data, headers=headers)
    return response


def bodies(desk: Desk, case_id: int) -> list[tuple[str, str]]:
    return [(m["direction"], m["body"]) for m in desk.world.messages(case_id)]


def test_a_reply_is_stored_on_the_cases_channel_and_the_page_parts_come_back(desk: Desk) -> None:
    case_id, token = open_case(desk)
    response = htmx_post(desk, f"/desk/cases/{case_id}/reply", token, body="Wij helpen u graag.")
    assert response.status_code == 200, response.text
    html = response.text
    assert "Je antwoord is opgeslagen" in html
    assert 'id="case-timeline"' in html and 'hx-swap-oob="true"' in html
    assert 'id="reply-form"' in html  # the reply box comes back empty
    assert "Wij helpen u graag." in html
    messages = desk.world.messages(case_id)
    assert messages[-1]["direction"] == "outbound"
    assert messages[-1]["channel"] == "email"
    assert messages[-1]["body"] == "Wij helpen u graag."
    assert desk.world.case(case_id)["status"] == "open"


def test_a_plain_form_post_redirects_back_to_the_page_with_a_notice(desk: Desk) -> None:
    case_id, token = open_case(desk)
    response = desk.client.post(
        f"/desk/cases/{case_id}/note", data={"body": "Klant belt morgen terug", "csrf_token": token}
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/desk/cases/{case_id}?done=note"
    page = desk.client.get(response.headers["location"])
    assert "Je interne notitie is toegevoegd." in page.text
    assert ("internal", "Klant belt morgen terug") in bodies(desk, case_id)


def test_a_note_is_internal_and_shown_apart_from_the_replies(desk: Desk) -> None:
    case_id, token = open_case(desk)
    htmx_post(desk, f"/desk/cases/{case_id}/note", token, body="Alleen voor collega's")
    page = desk.client.get(f"/desk/cases/{case_id}").text
    note = page[page.index("Alleen voor collega") - 900 : page.index("Alleen voor collega")]
    assert "direction-internal" in note
    assert "Alleen zichtbaar voor medewerkers" in note


def test_a_script_in_a_reply_is_stored_as_typed_and_shown_as_text(desk: Desk) -> None:
    case_id, token = open_case(desk)
    body = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    response = htmx_post(desk, f"/desk/cases/{case_id}/reply", token, body=body)
    assert response.status_code == 200
    assert ("outbound", body) in bodies(desk, case_id)
    for html in (response.text, desk.client.get(f"/desk/cases/{case_id}").text):
        assert "<script>alert" not in html
        assert "<img src=x" not in html
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


def test_an_empty_or_too_long_reply_is_refused_with_a_clear_message(desk: Desk) -> None:
    case_id, token = open_case(desk)
    before = bodies(desk, case_id)
    empty = htmx_post(desk, f"/desk/cases/{case_id}/reply", token, body="  \r\n ")
    assert empty.status_code == 422
    assert empty.headers["content-type"].startswith("text/plain")
    assert "Schrijf eerst een antwoord" in empty.text
    long = htmx_post(desk, f"/desk/cases/{case_id}/reply", token, body="a" * (MAX_TEXT_LENGTH + 1))
    assert long.status_code == 422
    assert "10001 tekens lang; de grens is 10000" in long.text
    assert "Er is niets opgeslagen" in long.text
    english = desk.client.post(
        f"/desk/cases/{case_id}/note",
        data={"body": "b" * (MAX_TEXT_LENGTH + 5), "csrf_token": token},
        headers={"Accept-Language": "en"},
    )
    assert english.status_code == 422
    assert "The text is 10005 characters long" in english.text
    assert bodies(desk, case_id) == before


def test_a_reply_with_a_forged_or_missing_csrf_token_changes_nothing(desk: Desk) -> None:
    case_id, _token = open_case(desk)
    before = bodies(desk, case_id)
    forged = htmx_post(desk, f"/desk/cases/{case_id}/reply", "f" * 64, body="Hallo")
    assert forged.status_code == 403
    missing = desk.client.post(f"/desk/cases/{case_id}/reply", data={"body": "Hallo"})
    assert missing.status_code == 403
    assert "er is niets gewijzigd" in missing.text
    assert bodies(desk, case_id) == before


def test_an_unknown_case_is_a_404_and_another_agents_case_a_403_that_changes_nothing(
    desk: Desk,
) -> None:
    world = desk.world
    case_id = int(world.intake()["case_id"])  # assigned to Anna
    desk.signed_in("bob@bank.nl")
    page = desk.client.get(f"/desk/cases/{case_id}")
    assert page.status_code == 200  # Bob may read it ...
    assert "Anna de Vries werkt aan deze zaak" in page.text
    assert 'id="reply-form"' not in page.text  # ... but is offered no reply box
    assert 'id="note-form"' in page.text  # only the note box: colleagues help with notes
    token = hidden_token(page.text)
    before = (bodies(desk, case_id), world.case(case_id)["status"])
    for path, data in (
        ("reply", {"body": "Hallo"}),
        ("status", {"status": "pending_customer"}),
        ("priority", {"priority": "high"}),
        ("tags", {"add": "fraude"}),
        ("transfer", {"queue_id": str(world.queue_id)}),
    ):
        refused = htmx_post(desk, f"/desk/cases/{case_id}/{path}", token, **data)
        assert refused.status_code == 403, (path, refused.text)
        assert "assigned to another agent" in refused.text
    assert (bodies(desk, case_id), world.case(case_id)["status"]) == before
    unknown = htmx_post(desk, "/desk/cases/999999/reply", token, body="Hallo")
    assert unknown.status_code == 404
    assert "no case with id 999999" in unknown.text


def test_status_priority_and_tags_are_changed_from_the_page(desk: Desk) -> None:
    case_id, token = open_case(desk)
    assert htmx_post(desk, f"/desk/cases/{case_id}/priority", token, priority="high").is_success
    tagged = htmx_post(desk, f"/desk/cases/{case_id}/tags", token, add="Fraude, pas ,")
    assert "De labels zijn gewijzigd." in tagged.text
    untagged = htmx_post(desk, f"/desk/cases/{case_id}/tags", token, remove="pas")
    assert untagged.is_success
    status = htmx_post(desk, f"/desk/cases/{case_id}/status", token, status="pending_customer")
    assert status.is_success
    assert "<dd>Wacht op klant</dd>" in status.text
    case = desk.world.case(case_id)
    assert (case["priority"], case["tags"], case["status"]) == (
        "high",
        ["fraude"],
        "pending_customer",
    )
    page = desk.client.get(f"/desk/cases/{case_id}").text
    assert "Prioriteit gewijzigd van Normaal naar Hoog" in page
    assert "Labels toegevoegd: fraude, pas" in page
    assert "Gepauzeerd sinds" in page  # the promise clocks say why they stopped


def test_an_illegal_status_change_is_refused_with_the_domains_reason(desk: Desk) -> None:
    case_id, token = open_case(desk)
    htmx_post(desk, f"/desk/cases/{case_id}/status", token, status="resolved")
    htmx_post(desk, f"/desk/cases/{case_id}/status", token, status="closed")
    refused = htmx_post(desk, f"/desk/cases/{case_id}/status", token, status="open")
    assert refused.status_code == 409
    assert "a closed case is final" in refused.text
    bad = htmx_post(desk, f"/desk/cases/{case_id}/status", token, status="lost")
    assert bad.status_code == 422
    assert desk.world.case(case_id)["status"] == "closed"


def test_an_agent_takes_an_unassigned_case_from_its_page(desk: Desk) -> None:
    world = desk.world
    case_id = int(world.intake()["case_id"])
    unassigned = world.post(f"/cases/{case_id}/unassign", world.admin)
    assert unassigned.status_code == 200, unassigned.text
    desk.signed_in("bob@bank.nl")
    page = desk.client.get(f"/desk/cases/{case_id}").text
    assert "Deze zaak oppakken" in page
    taken = htmx_post(desk, f"/desk/cases/{case_id}/take", hidden_token(page))
    assert taken.status_code == 200, taken.text
    assert "Je hebt deze zaak opgepakt." in taken.text
    assert world.case(case_id)["assignee_id"] == world.bob.agent_id


def test_a_template_is_offered_in_the_customers_language_and_filled_in(desk: Desk) -> None:
    world = desk.world
    for name, language, body in (
        ("Ontvangst", "nl", "Beste $customer_first_name, uw zaak $case_reference. $agent_name"),
        ("Receipt", "en", "Dear $customer_first_name"),
    ):
        made = world.post(
            "/admin/reply-templates",
            world.admin,
            {"name": name, "language": language, "body": body},
        )
        assert made.status_code == 201, made.text
    case_id, _token = open_case(desk, customer_name="Jan <b>Jansen</b>")
    page = desk.client.get(f"/desk/cases/{case_id}").text
    assert "Ontvangst" in page and "Receipt" not in page
    template_id = world.get("/admin/reply-templates", world.admin).json()[0]["id"]
    filled = desk.client.get(f"/desk/cases/{case_id}", params={"template": template_id}).text
    box = filled[
        filled.index('id="reply-body"') : filled.index(
            "</textarea>", filled.index('id="reply-body"')
        )
    ]
    assert "Beste Jan, uw zaak KS-000001. Anna de Vries" in box


def test_a_customer_writing_in_english_gets_the_english_templates(desk: Desk) -> None:
    world = desk.world
    world.post(
        "/admin/reply-templates", world.admin, {"name": "Receipt", "language": "en", "body": "Hi"}
    )
    case_id, _token = open_case(desk, language="en", contact={"kind": "email", "value": "e@x.uk"})
    page = desk.client.get(f"/desk/cases/{case_id}").text
    assert "Antwoordsjabloon (Engels)" in page
    assert ">Receipt</option>" in page


def test_the_live_fragment_holds_the_parts_a_change_elsewhere_touches(desk: Desk) -> None:
    case_id, _token = open_case(desk)
    desk.world.intake(body="Nog een vraag")  # the same customer: the same case
    live = desk.client.get(f"/desk/cases/{case_id}/live", headers={"HX-Request": "true"})
    assert live.status_code == 200
    html = live.text
    for part in ("case-summary", "case-promises", "case-timeline"):
        assert f'id="{part}"' in html
    assert 'id="reply-form"' not in html  # a draft in the reply box survives a live refresh
    assert "Nog een vraag" in html
    audit = desk.world.get("/audit", desk.world.compliance, action="customer.viewed", limit=200)
    vias = [r["details"]["via"] for r in audit.json()["items"]]
    assert f"desk:case:{case_id}:live" in vias


def test_older_messages_are_read_on_request(desk: Desk, monkeypatch: Any) -> None:
    from klantenservice.services import case_timeline  # noqa: PLC0415

    monkeypatch.setattr(case_timeline, "TIMELINE_MESSAGES", 2)
    world = desk.world
    case_id = int(world.intake(body="bericht 1", subject="Vraag")["case_id"])
    for n in (2, 3):
        world.clock.advance(minutes=1)
        world.intake(body=f"bericht {n}")
    desk.signed_in()
    page = desk.client.get(f"/desk/cases/{case_id}").text
    assert "bericht 1" not in page and "bericht 3" in page
    assert "Eerdere berichten tonen" in page
    first_id = world.messages(case_id)[1]["id"]
    earlier = desk.client.get(
        f"/desk/cases/{case_id}/timeline",
        params={"before": first_id},
        headers={"HX-Request": "true"},
    )
    assert earlier.status_code == 200
    assert "bericht 1" in earlier.text and "bericht 2" not in earlier.text


def test_the_case_page_shows_the_customers_other_cases_and_their_timeline(desk: Desk) -> None:
    world = desk.world
    first = int(world.intake(body="Eerste zaak", subject="Pas")["case_id"])
    world.patch(f"/cases/{first}", world.admin, {"status": "resolved"})
    world.patch(f"/cases/{first}", world.admin, {"status": "closed"})
    second = int(world.intake(body="Tweede zaak", subject="Lening")["case_id"])
    assert second != first
    desk.signed_in()
    page = desk.client.get(f"/desk/cases/{second}").text
    related = page[page.index('id="case-related"') :]
    assert f'href="/desk/cases/{first}"' in related
    assert "Eerste zaak" not in page  # the case's own timeline
    whole = desk.client.get(f"/desk/cases/{second}", params={"scope": "customer"}).text
    assert "Eerste zaak" in whole and "Tweede zaak" in whole
    assert f'<a class="case-ref" href="/desk/cases/{first}">KS-00000{first}</a>' in whole


def test_the_keyboard_help_dialog_and_live_script_are_on_every_desk_page(desk: Desk) -> None:
    case_id, _token = open_case(desk)
    for path in ("/desk/", f"/desk/cases/{case_id}"):
        html = desk.client.get(path).text
        assert '<dialog id="shortcuts-help"' in html
        assert '<script src="/static/shortcuts.js" defer></script>' in html
        assert '<script src="/static/live.js" defer></script>' in html
    case_page = desk.client.get(f"/desk/cases/{case_id}").text
    for key in ("r", "n", "s", "p", "t"):
        assert f'data-shortcut="{key}"' in case_page
    assert "<script>" not in case_page  # the CSP allows no inline script


def test_a_supervisor_sees_transfer_to_an_agent_and_merge(desk: Desk) -> None:
    world = desk.world
    create_staff(desk.client, world.admin, "sam@bank.nl", "Sam Smit", ["supervisor"])
    desk.client.cookies.clear()
    case_id = int(world.intake()["case_id"])
    desk.signed_in("sam@bank.nl")
    page = desk.client.get(f"/desk/cases/{case_id}").text
    assert 'id="transfer-agent"' in page
    assert 'id="merge-reference"' in page
