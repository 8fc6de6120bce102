"""The chat widget over HTTP and a real WebSocket (Starlette's test client): pages, starting,
the protocol, resuming by id, live agent replies, and every refusal."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession
from starlette.websockets import WebSocketDisconnect
from tests.web.support import World

ORIGIN = {"origin": "http://testserver"}


def start(world: World, **body: Any) -> dict[str, Any]:
    response = world.client.post("/chat/api/start", json=body, headers=ORIGIN)
    assert response.status_code == 201, response.text
    started: dict[str, Any] = response.json()
    return started


def case_id_of(started: dict[str, Any]) -> int:
    return int(started["reference"].removeprefix("KS-"))


@contextmanager
def socket(
    world: World, token: str, after: int = 0
) -> Iterator[tuple[WebSocketTestSession, dict[str, Any]]]:
    with world.client.websocket_connect("/chat/socket", headers=ORIGIN) as ws:
        ws.send_json({"type": "hello", "token": token, "after": after})
        ready = ws.receive_json()
        assert ready["type"] == "ready", ready
        yield ws, ready


def next_of(ws: WebSocketTestSession, kind: str) -> dict[str, Any]:
    """The next frame of ``kind``; queue updates in between are skipped."""
    while True:
        frame: dict[str, Any] = ws.receive_json()
        if frame["type"] == kind:
            return frame
        assert frame["type"] == "queue", frame


def say(ws: WebSocketTestSession, client_id: str, body: str) -> dict[str, Any]:
    ws.send_json({"type": "message", "client_id": client_id, "body": body})
    return next_of(ws, "message")


def reply(world: World, case_id: int, body: str) -> dict[str, Any]:
    response = world.post(f"/cases/{case_id}/replies", world.anna.headers, {"body": body})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def test_the_chat_page_follows_the_browser_language_sets_no_cookie_and_may_be_framed_by_us(
    client: TestClient,
) -> None:
    page = client.get("/chat/", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert page.status_code == 200
    assert '<html lang="en">' in page.text
    assert "Chat with us" in page.text
    assert "set-cookie" not in page.headers
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'self'" in policy
    assert "script-src" not in policy or "unsafe-inline" not in policy
    dutch = client.get("/chat/", params={"lang": "nl"}, headers={"Accept-Language": "en"})
    assert '<html lang="nl">' in dutch.text and "Chat met ons" in dutch.text


def test_the_demo_bank_embeds_the_widget_with_one_script_tag_in_its_language(
    client: TestClient,
) -> None:
    page = client.get("/demo/bank", params={"lang": "en"})
    assert page.status_code == 200
    assert '<script src="/static/widget/embed.js" data-lang="en" defer></script>' in page.text
    assert "Polderbank" in page.text and "Banking, simply done well" in page.text
    assert "Bankieren, gewoon goed geregeld" in client.get("/demo/bank").text
    assert client.get("/static/widget/embed.js").status_code == 200


def test_a_chat_is_started_only_from_our_own_origin_and_with_a_valid_address(
    world: World,
) -> None:
    cases_before = world.count_cases()
    for headers in ({}, {"origin": "https://evil.example"}):
        refused = world.client.post("/chat/api/start", json={}, headers=headers)
        assert refused.status_code == 403, refused.text
    bad = world.client.post("/chat/api/start", json={"email": "nope"}, headers=ORIGIN)
    assert bad.status_code == 422
    assert "e-mail" in bad.json()["message"]
    assert world.count_cases() == cases_before
    started = start(world, name="Jan", email="jan@example.nl", language="en")
    assert started["reference"].startswith("KS-")
    case = world.case(case_id_of(started))
    assert (case["channel"], case["language"]) == ("chat", "en")


def test_one_address_starting_chat_after_chat_is_refused_with_429_and_nothing_is_created(
    world: World,
) -> None:
    for _ in range(5):  # KS_CHAT_START_BURST (5) at once is fine ...
        start(world)
    cases_before = world.count_cases()
    refused = world.client.post("/chat/api/start", json={}, headers=ORIGIN)
    assert refused.status_code == 429, refused.text  # ... the sixth is not
    assert refused.json()["error"] == "rate_limited"
    assert "too many chats" in refused.json()["message"]
    assert world.count_cases() == cases_before


def test_a_socket_from_another_origin_is_refused_before_it_opens(world: World) -> None:
    token = start(world)["token"]
    with (
        pytest.raises(WebSocketDisconnect) as refused,
        world.client.websocket_connect(
            "/chat/socket", headers={"origin": "https://evil.example"}
        ) as ws,
    ):
        ws.send_json({"type": "hello", "token": token, "after": 0})
    assert refused.value.code == 1008


def test_a_forged_or_expired_token_is_refused_with_4401(world: World) -> None:
    token = start(world)["token"]
    for attempt in (token[:-2] + "xx", token):
        if attempt == token:
            world.clock.advance(hours=13)  # KS_CHAT_TOKEN_HOURS is 12
        with world.client.websocket_connect("/chat/socket", headers=ORIGIN) as ws:
            ws.send_json({"type": "hello", "token": attempt, "after": 0})
            assert ws.receive_json()["code"] == "chat_ended"
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_json()
            assert closed.value.code == 4401


def test_messages_echo_with_their_id_and_a_resent_client_id_is_stored_once(
    world: World,
) -> None:
    started = start(world)
    with socket(world, started["token"]) as (ws, ready):
        assert ready["reference"] == started["reference"]
        first = say(ws, "client-0001", "<script>alert(1)</script>")
        assert first["client_id"] == "client-0001"
        assert first["author"] == "customer"
        assert first["body"] == "<script>alert(1)</script>"  # stored and sent as text
        ws.send_json({"type": "message", "client_id": "client-0001", "body": "again?"})
        second = say(ws, "client-0002", "Tweede bericht")
    assert second["id"] > first["id"]
    stored = world.messages(case_id_of(started))
    assert [m["body"] for m in stored] == ["<script>alert(1)</script>", "Tweede bericht"]


def test_after_a_reconnect_the_server_replays_exactly_what_followed_the_last_id_seen(
    world: World,
) -> None:
    started = start(world)
    case_id = case_id_of(started)
    with socket(world, started["token"]) as (ws, _):
        seen = say(ws, "client-0001", "Vraag")["id"]
    replies = [reply(world, case_id, f"Antwoord {n}")["id"] for n in (1, 2)]
    world.post(f"/cases/{case_id}/notes", world.anna.headers, {"body": "INTERN"})
    with socket(world, started["token"], after=seen) as (ws, _):
        replayed = [next_of(ws, "message"), next_of(ws, "message")]
        also = say(ws, "client-0002", "Dank je")  # the next frame: nothing else was replayed
    assert [m["id"] for m in replayed] == replies
    assert [m["author"] for m in replayed] == ["agent", "agent"]
    assert also["body"] == "Dank je"
    with socket(world, started["token"]) as (ws, _):  # a fresh page replays everything once
        everything = [next_of(ws, "message")["body"] for _ in range(4)]
    assert everything == ["Vraag", "Antwoord 1", "Antwoord 2", "Dank je"]


def test_an_agent_reply_reaches_the_open_socket_live_and_a_note_never_does(
    world: World,
) -> None:
    started = start(world)
    case_id = case_id_of(started)
    with socket(world, started["token"]) as (ws, _):
        say(ws, "client-0001", "Hallo?")
        world.post(f"/cases/{case_id}/notes", world.anna.headers, {"body": "INTERN"})
        sent = reply(world, case_id, "Goedemiddag, waarmee kan ik helpen?")
        pushed = next_of(ws, "message")
    assert (pushed["id"], pushed["author"]) == (sent["id"], "agent")
    assert pushed["body"] == "Goedemiddag, waarmee kan ik helpen?"


def test_an_oversized_message_gets_an_error_and_nothing_is_stored(world: World) -> None:
    started = start(world)
    with socket(world, started["token"]) as (ws, _):
        ws.send_json({"type": "message", "client_id": "client-0001", "body": "x" * 2001})
        error = next_of(ws, "error")
        ws.send_json({"type": "message", "client_id": "bad id!", "body": "hoi"})
        invalid = next_of(ws, "error")
        ws.send_json({"type": "dance"})
        unknown = next_of(ws, "error")
    assert (error["code"], error["client_id"]) == ("too_long", "client-0001")
    assert invalid["code"] == "invalid" and unknown["code"] == "invalid"
    assert world.messages(case_id_of(started)) == []


def test_too_many_messages_at_once_are_refused_by_the_rate_limit(world: World) -> None:
    started = start(world)
    with socket(world, started["token"]) as (ws, _):
        for n in range(8):  # the burst; the test clock stands still, so nothing flows back
            say(ws, f"client-{n:04d}", f"bericht {n}")
        ws.send_json({"type": "message", "client_id": "client-9999", "body": "te veel"})
        refused = next_of(ws, "error")
    assert (refused["code"], refused["client_id"]) == ("rate_limited", "client-9999")
    assert len(world.messages(case_id_of(started))) == 8


def test_the_queue_position_is_sent_and_asking_for_a_person_tags_the_case(
    world: World,
) -> None:
    world.intake()  # an e-mail waits ahead... and is routed to Anna at once (auto-assign)
    started = start(world)
    with socket(world, started["token"]) as (ws, _):
        queue = next_of(ws, "queue")
        ws.send_json({"type": "human"})
        asked = next_of(ws, "human_requested")
    assert queue["state"] == "waiting"
    assert queue["position"] == 1
    assert queue["wait_minutes"] == 2  # KS_CHAT_SECONDS_PER_PLACE: 120 s, nothing answered yet
    assert asked == {"type": "human_requested"}
    case = world.case(case_id_of(started))
    assert "human-requested" in case["tags"]
    assert case["assignee_id"] == world.anna.agent_id  # routed to the available agent


def test_a_transcript_request_is_recorded_and_a_bad_address_is_refused(world: World) -> None:
    started = start(world)
    with socket(world, started["token"]) as (ws, _):
        ws.send_json({"type": "transcript", "email": "niet-goed"})
        bad = next_of(ws, "error")
        ws.send_json({"type": "transcript", "email": "jan@example.nl", "lang": "en"})
        done = next_of(ws, "transcript_requested")
    assert bad["code"] == "bad_email"
    assert done == {"type": "transcript_requested"}
