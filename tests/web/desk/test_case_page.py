"""The case page: header, promise clocks and messages, rendered as text; bad ids refused."""

from __future__ import annotations

from tests.web.desk.support import Desk


def test_the_case_page_shows_header_promises_and_messages_oldest_first(desk: Desk) -> None:
    world = desk.world
    first = world.intake(subject="Pas geblokkeerd", body="Eerste bericht")
    world.clock.advance(minutes=5)
    world.intake(body="Tweede bericht")  # the same customer's active case: same thread
    desk.signed_in()
    page = desk.client.get(f"/desk/cases/{first['case_id']}")
    assert page.status_code == 200
    html = page.text
    assert "<title>KS-000001 · Pas geblokkeerd · Klantenservice</title>" in html
    assert html.index("Eerste bericht") < html.index("Tweede bericht")
    for text in ("Jan Jansen", "Eerste reactie", "Oplossing", "Ontvangen", "E-mail", "general"):
        assert text in html


def test_a_script_in_a_message_is_shown_as_text_never_run(desk: Desk) -> None:
    world = desk.world
    body = '<script>alert("x")</script><img src=x onerror=alert(1)> & “quotes”'
    case = world.intake(body=body, subject="<b>bold?</b>", customer_name="<i>Jan</i>")
    desk.signed_in()
    html = desk.client.get(f"/desk/cases/{case['case_id']}").text
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert (
        "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    )
    assert "&lt;b&gt;bold?&lt;/b&gt;" in html
    assert "&lt;i&gt;Jan&lt;/i&gt;" in html
    inbox = desk.client.get("/desk/").text
    assert "<b>bold?</b>" not in inbox
    assert "&lt;i&gt;Jan&lt;/i&gt;" in inbox


def test_opening_a_case_is_recorded_as_seeing_its_customer(desk: Desk) -> None:
    world = desk.world
    case = world.intake()
    desk.signed_in()
    desk.client.get(f"/desk/cases/{case['case_id']}")
    audit = world.get("/audit", world.compliance, action="customer.viewed", limit=200)
    via = [r["details"]["via"] for r in audit.json()["items"]]
    assert via.count(f"desk:case:{case['case_id']}") == 1


def test_an_unknown_case_is_a_404_page_and_a_malformed_id_a_422(desk: Desk) -> None:
    desk.signed_in()
    missing = desk.client.get("/desk/cases/999")
    assert missing.status_code == 404
    assert "Niet gevonden" in missing.text
    assert "no case with id 999" in missing.text
    for bad in ("abc", "0", str(2**70)):
        malformed = desk.client.get(f"/desk/cases/{bad}")
        assert malformed.status_code == 422, bad
        assert "case_id" in malformed.text


def test_an_unknown_desk_page_is_a_404_page_not_json(desk: Desk) -> None:
    desk.signed_in()
    response = desk.client.get("/desk/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Niet gevonden" in response.text
