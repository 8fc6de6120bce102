"""The supervisor's incident pages over HTTP: who may see them, declare with CSRF, bad input
shown on the form, end, and the report."""

from __future__ import annotations

from tests.web.desk.support import Desk, hidden_token
from tests.web.support import create_staff

SUPERVISOR = "sanne@bank.nl"
NL = "Storing bij het inloggen in de app."
EN = "Logging in to the app does not work."


def sign_in_supervisor(desk: Desk) -> str:
    create_staff(desk.world.client, desk.world.admin, SUPERVISOR, "Sanne Smit", ["supervisor"])
    desk.signed_in(SUPERVISOR)
    page = desk.client.get("/desk/incidents")
    assert page.status_code == 200, page.text
    return hidden_token(page.text)


def form(token: str, **fields: str | list[str]) -> dict[str, str | list[str]]:
    return {"csrf_token": token, "kind": "outage", "message_nl": NL, "message_en": EN, **fields}


def test_an_agent_may_not_see_or_declare(desk: Desk) -> None:
    token = desk.signed_in()
    assert 'href="/desk/incidents"' not in desk.client.get("/desk/").text
    assert desk.client.get("/desk/incidents").status_code == 403
    assert desk.client.post("/desk/incidents", data=form(token)).status_code == 403
    assert desk.world.get("/incidents", desk.world.admin).json()["items"] == []


def test_declaring_needs_the_csrf_token(desk: Desk) -> None:
    sign_in_supervisor(desk)
    refused = desk.client.post("/desk/incidents", data=form("forged"))
    assert refused.status_code == 403
    assert desk.world.get("/incidents", desk.world.admin).json()["items"] == []


def test_declare_see_end_and_read_the_report(desk: Desk) -> None:
    token = sign_in_supervisor(desk)
    assert 'href="/desk/incidents"' in desk.client.get("/desk/").text
    done = desk.client.post(
        "/desk/incidents",
        data=form(token, channels=["chat", "email"], products="app", offer_callbacks="true"),
    )
    assert done.status_code == 303 and done.headers["location"] == "/desk/incidents?notice=declared"
    page = desk.client.get(done.headers["location"]).text
    assert NL in page and EN in page and 'role="status"' in page
    (incident,) = desk.world.get("/incidents", desk.world.admin, active="true").json()["items"]
    assert incident["channels"] == ["chat", "email"] and incident["offer_callbacks"] is True
    desk.world.intake(body="Ik kom de app niet in")
    ended = desk.client.post(f"/desk/incidents/{incident['id']}/end", data={"csrf_token": token})
    assert ended.status_code == 303
    report = desk.client.get(ended.headers["location"])
    assert report.status_code == 200, report.text
    assert f"incident-{incident['id']}" in report.text
    assert "<td>1</td>" in report.text  # one e-mail during the incident
    assert desk.world.get("/incidents", desk.world.admin, active="true").json()["items"] == []
    twice = desk.client.post(f"/desk/incidents/{incident['id']}/end", data={"csrf_token": token})
    assert twice.status_code == 409


def test_bad_input_shows_the_form_again_with_what_is_wrong(desk: Desk) -> None:
    token = sign_in_supervisor(desk)
    page = desk.client.post("/desk/incidents", data=form(token, message_en="  ", queue="my q"))
    assert page.status_code == 422
    assert 'role="alert"' in page.text and "English incident message is empty" in page.text
    assert NL in page.text  # what was typed is kept
    assert desk.world.get("/incidents", desk.world.admin).json()["items"] == []
