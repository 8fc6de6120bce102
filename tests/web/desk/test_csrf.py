"""CSRF: unsafe requests authenticated by the session cookie need the session's token.

Desk forms and htmx posts, and the JSON API when a browser calls it with the cookie instead of
a bearer token: a missing or forged token is a 403 that says what to do, and nothing changes.
"""

from __future__ import annotations

from tests.web.desk.support import Desk


def test_a_desk_post_without_the_token_is_refused_and_changes_nothing(desk: Desk) -> None:
    desk.signed_in()
    agent = desk.world.anna.agent_id
    response = desk.client.post("/desk/presence", data={"presence": "away"})
    assert response.status_code == 403
    assert "er is niets gewijzigd" in response.text
    assert desk.presence_of(agent) == "available"


def test_a_desk_post_with_a_forged_token_is_refused_and_changes_nothing(desk: Desk) -> None:
    desk.signed_in()
    forged = "f" * 64
    response = desk.client.post("/desk/presence", data={"presence": "away", "csrf_token": forged})
    assert response.status_code == 403
    htmx = desk.client.post(
        "/desk/presence",
        data={"presence": "away"},
        headers={"X-CSRF-Token": forged, "HX-Request": "true"},
    )
    assert htmx.status_code == 403
    assert htmx.headers["content-type"].startswith("text/plain")  # desk.js shows it as text
    assert desk.presence_of(desk.world.anna.agent_id) == "available"


def test_a_token_of_another_session_does_not_work_in_this_one(desk: Desk) -> None:
    first = desk.signed_in()
    desk.client.cookies.clear()
    desk.signed_in()  # a new session, a new token
    response = desk.client.post("/desk/presence", data={"presence": "away", "csrf_token": first})
    assert response.status_code == 403
    assert desk.presence_of(desk.world.anna.agent_id) == "available"


def test_a_desk_post_with_the_sessions_token_goes_through(desk: Desk) -> None:
    token = desk.signed_in()
    by_field = desk.client.post("/desk/presence", data={"presence": "away", "csrf_token": token})
    assert by_field.status_code == 303
    assert desk.presence_of(desk.world.anna.agent_id) == "away"
    by_header = desk.client.post(
        "/desk/presence",
        data={"presence": "offline"},
        headers={"X-CSRF-Token": token, "HX-Request": "true"},
    )
    assert by_header.status_code == 200
    assert desk.presence_of(desk.world.anna.agent_id) == "offline"


def test_the_api_refuses_a_cookie_authenticated_post_without_the_token(desk: Desk) -> None:
    desk.signed_in()
    agent = desk.world.anna.agent_id
    missing = desk.api_presence(agent, "away")
    forged = desk.api_presence(agent, "away", **{"X-CSRF-Token": "0" * 64})
    for response in (missing, forged):
        assert response.status_code == 403
        assert response.json()["error"] == "csrf_failed"
        assert "CSRF token" in response.json()["message"]
    assert desk.presence_of(agent) == "available"


def test_the_api_accepts_a_cookie_authenticated_post_with_the_token(desk: Desk) -> None:
    token = desk.signed_in()
    response = desk.api_presence(desk.world.anna.agent_id, "away", **{"X-CSRF-Token": token})
    assert response.status_code == 200, response.text
    assert desk.presence_of(desk.world.anna.agent_id) == "away"


def test_bearer_tokens_and_safe_requests_need_no_csrf_token(desk: Desk) -> None:
    world = desk.world
    desk.signed_in()
    assert desk.client.get("/api/v1/auth/me").status_code == 200  # cookie, safe method
    response = world.post(
        f"/agents/{world.anna.agent_id}/presence", world.anna.headers, {"presence": "away"}
    )
    assert response.status_code == 200  # a bearer token is never sent by a browser on its own
