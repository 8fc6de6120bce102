"""Twilio Voice over HTTP: every webhook signed exactly as Twilio signs it (the ``twilio``
package's own ``RequestValidator``), TwiML read back as XML, the store checked after each step."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.web.support import FakeClock, World, create_staff
from twilio.request_validator import RequestValidator

from klantenservice.adapters.credentials import Argon2Credentials
from klantenservice.adapters.db.tables import calls
from klantenservice.adapters.security import fast_hasher
from klantenservice.settings import Settings
from klantenservice.web.app import create_app
from klantenservice.web.deps import AppContext

PUBLIC = "https://klantenservice.bank.example"
AUTH_TOKEN = "0123456789abcdef0123456789abcdef"
CALLER = "+31612345678"
OUR_NUMBER = "+31201234567"
ENGLISH_LINE = "+442071234567"


def voice_app(database_url: str, clock: FakeClock, **settings: Any) -> FastAPI:
    """The app with Twilio's signing token and the public URL it signs (and more settings)."""
    configured = Settings(
        database_url=database_url,
        environment="test",
        twilio_auth_token=AUTH_TOKEN,
        public_base_url=PUBLIC,
        voice_numbers={ENGLISH_LINE: "en"},
        **settings,
    )
    return create_app(configured, clock=clock, credentials=Argon2Credentials(fast_hasher()))


@pytest.fixture
def app(database_url: str, clock: FakeClock) -> FastAPI:
    return voice_app(database_url, clock)


@pytest.fixture
def voice_world(world: World) -> Iterator[World]:
    response = world.client.post(
        "/api/v1/admin/queues", headers=world.admin, json={"name": "emergency"}
    )
    assert response.status_code == 201, response.text
    yield world


def twilio(
    client: TestClient,
    path_and_query: str,
    params: dict[str, str],
    *,
    token: str = AUTH_TOKEN,
    signed_url: str | None = None,
) -> Any:
    """POST as Twilio does: form body, X-Twilio-Signature over the public URL and parameters."""
    url = signed_url or PUBLIC + path_and_query
    signature = RequestValidator(token).compute_signature(url, params)
    return client.post(path_and_query, data=params, headers={"X-Twilio-Signature": signature})


def call_params(
    sid: str = "CA100", caller: str = CALLER, to: str = OUR_NUMBER, **more: str
) -> dict[str, str]:
    return {"CallSid": sid, "From": caller, "To": to, "CallStatus": "in-progress", **more}


def twiml(response: Any) -> ET.Element:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    return ET.fromstring(response.text)  # noqa: S314 - our own TwiML, in a test


def local(url: str) -> str:
    """The path and query of an absolute URL in TwiML (which Twilio would call next)."""
    assert url.startswith(PUBLIC), url
    return url.removeprefix(PUBLIC)


def said(document: ET.Element) -> str:
    return " ".join(e.text or "" for e in document.iter("Say"))


def stored_calls(context: AppContext) -> list[Any]:
    with context.engine.connect() as connection:
        return list(connection.execute(select(calls).order_by(calls.c.id)))


def context_of(world: World) -> AppContext:
    context: AppContext = world.client.app.state.context  # type: ignore[attr-defined]
    return context


def enter_menu(world: World, sid: str = "CA100", **params: str) -> str:
    """Incoming call: the top menu's Gather action (path and query)."""
    document = twiml(twilio(world.client, "/voice/incoming", call_params(sid, **params)))
    gather = document.find("Gather")
    assert gather is not None
    return local(gather.attrib["action"])


def test_the_call_hears_the_top_menu_in_dutch(voice_world: World) -> None:
    document = twiml(twilio(voice_world.client, "/voice/incoming", call_params()))
    gather = document.find("Gather")
    assert gather is not None
    assert gather.attrib["input"] == "dtmf speech"
    assert gather.attrib["language"] == "nl-NL"
    assert "medewerker" in gather.attrib["hints"]
    spoken = [e.text or "" for e in gather.iter("Say")]
    assert spoken[1].startswith("Voor fraude")  # the emergency option comes first
    assert "Welkom" in said(document)
    action = parse_qs(urlparse(gather.attrib["action"]).query)
    assert action == {"menu": ["main"], "step": ["0"], "attempt": ["1"]}
    redirect = document.find("Redirect")  # silence: asked again
    assert redirect is not None and redirect.text == gather.attrib["action"]
    (row,) = stored_calls(context_of(voice_world))
    assert (row.call_sid, row.from_number, row.status, row.language) == (
        "CA100",
        CALLER,
        "ivr",
        "nl",
    )


def test_bad_signatures_store_nothing(voice_world: World) -> None:
    client = voice_world.client
    wrong_key = twilio(client, "/voice/incoming", call_params(), token="another-token")
    assert wrong_key.status_code == 403
    assert "X-Twilio-Signature" in wrong_key.json()["message"]
    other_url = twilio(
        client, "/voice/incoming", call_params(), signed_url="https://evil.example/voice/incoming"
    )
    assert other_url.status_code == 403
    unsigned = client.post("/voice/incoming", data=call_params())
    assert unsigned.status_code == 403
    tampered_params = call_params()
    signature = RequestValidator(AUTH_TOKEN).compute_signature(
        PUBLIC + "/voice/incoming", tampered_params
    )
    tampered = client.post(
        "/voice/incoming",
        data={**tampered_params, "From": "+31699999999"},
        headers={"X-Twilio-Signature": signature},
    )
    assert tampered.status_code == 403
    assert stored_calls(context_of(voice_world)) == []


def test_a_signed_request_without_a_call_sid_is_refused(voice_world: World) -> None:
    response = twilio(voice_world.client, "/voice/incoming", {"From": CALLER, "To": OUR_NUMBER})
    assert response.status_code == 422
    assert "CallSid" in response.json()["message"]
    assert stored_calls(context_of(voice_world)) == []


def test_fraud_by_speech_is_queued_as_an_emergency_case(voice_world: World) -> None:
    client = voice_world.client
    action = enter_menu(voice_world)
    params = call_params(SpeechResult="Mijn pas is gestolen", Confidence="0.9")
    first = twilio(client, action, params)
    document = twiml(first)
    enqueue = document.find("Enqueue")
    assert enqueue is not None and enqueue.text == "emergency"
    assert local(enqueue.attrib["waitUrl"]) == "/voice/wait"
    assert "doorverbonden" in said(document)
    retry = twilio(client, action, params)  # Twilio retried: the same answer, nothing new
    assert retry.text == first.text
    (row,) = stored_calls(context_of(voice_world))
    assert row.status == "queued" and row.queue == "emergency" and row.priority == 5
    assert row.ivr_path == [["main", "1", "speech"]]
    case = voice_world.case(row.case_id)
    assert (case["priority"], case["channel"]) == ("emergency", "phone")
    (message,) = voice_world.messages(row.case_id)
    assert message["channel"] == "phone"
    assert "Fraude of pas kwijt" in message["body"]
    assert "gestolen" not in message["body"]  # what the caller said is not stored
    assert voice_world.count_cases() == 1


def test_a_submenu_by_keys_then_the_queue_with_position(voice_world: World) -> None:
    client = voice_world.client
    action = enter_menu(voice_world)
    submenu = twiml(twilio(client, action, call_params(Digits="2")))
    gather = submenu.find("Gather")
    assert gather is not None
    assert "internetbankieren" in said(submenu)
    queued = twiml(twilio(client, local(gather.attrib["action"]), call_params(Digits="2")))
    enqueue = queued.find("Enqueue")
    assert enqueue is not None and enqueue.text == "general"
    (row,) = stored_calls(context_of(voice_world))
    assert row.ivr_path == [["main", "2", "dtmf"], ["payments", "2", "dtmf"]]
    waiting = twiml(twilio(client, "/voice/wait", call_params(QueuePosition="3", QueueTime="40")))
    assert "U bent nummer 3 in de wachtrij." in said(waiting)
    offer = waiting.find("Gather")
    assert offer is not None and local(offer.attrib["action"]) == "/voice/callback"
    assert "terugbellen" in said(waiting)


def test_not_understood_twice_puts_the_caller_through_to_a_person(voice_world: World) -> None:
    client = voice_world.client
    action = enter_menu(voice_world)
    again = twiml(twilio(client, action, call_params(SpeechResult="het weer")))
    assert "niet begrepen" in said(again)
    gather = again.find("Gather")
    assert gather is not None and "attempt=2" in gather.attrib["action"]
    silence = twiml(twilio(client, local(gather.attrib["action"]), call_params()))
    enqueue = silence.find("Enqueue")
    assert enqueue is not None and enqueue.text == "general"
    (row,) = stored_calls(context_of(voice_world))
    assert row.ivr_path == [["main", "0", "fallback"]]


def test_call_back_leaves_the_queue_and_is_a_message_on_the_case(voice_world: World) -> None:
    client = voice_world.client
    action = enter_menu(voice_world)
    twiml(twilio(client, action, call_params(Digits="0")))
    voice_world.clock.advance(seconds=45)
    answer = twilio(client, "/voice/callback", call_params(SpeechResult="Graag terugbellen"))
    document = twiml(answer)
    assert document.find("Leave") is not None
    assert "We bellen u" in said(document)
    retry = twilio(client, "/voice/callback", call_params(SpeechResult="Graag terugbellen"))
    assert retry.text == answer.text
    bye = twiml(twilio(client, "/voice/queued", call_params(QueueResult="leave", QueueTime="45")))
    assert bye.find("Hangup") is not None
    twiml(twilio(client, "/voice/status", call_params(CallStatus="completed")))
    (row,) = stored_calls(context_of(voice_world))
    assert row.status == "callback"
    bodies = [m["body"] for m in voice_world.messages(row.case_id)]
    assert len(bodies) == 2
    assert "Terugbelverzoek" in bodies[1] and CALLER in bodies[1]
    no = twiml(twilio(client, "/voice/callback", call_params("CA100", Digits="2")))
    assert no.find("Redirect") is not None


def test_answered_then_ended_and_abandoned_calls_in_the_figures(voice_world: World) -> None:
    client, clock = voice_world.client, voice_world.clock
    twiml(twilio(client, enter_menu(voice_world, "CA1"), call_params("CA1", Digits="0")))
    twiml(twilio(client, enter_menu(voice_world, "CA2"), call_params("CA2", Digits="3")))
    agent_phone = twiml(twilio(client, "/voice/agent", {"CallSid": "CA-agent", "From": "+31"}))
    queue = agent_phone.find("Dial/Queue")
    assert queue is not None and queue.text == "general"
    assert local(queue.attrib["url"]) == "/voice/answered"
    clock.advance(seconds=60)
    connected = twiml(twilio(client, "/voice/answered", call_params("CA1", QueueTime="60")))
    assert "verbonden" in said(connected)
    clock.advance(seconds=30)
    twiml(twilio(client, "/voice/queued", call_params("CA2", QueueResult="hangup")))
    clock.advance(seconds=270)
    twiml(twilio(client, "/voice/status", call_params("CA1", CallStatus="completed")))
    twiml(twilio(client, "/voice/status", call_params("CA-unknown", CallStatus="completed")))
    statuses = {r.call_sid: r.status for r in stored_calls(context_of(voice_world))}
    assert statuses == {"CA1": "ended", "CA2": "abandoned"}
    supervisor = create_staff(client, voice_world.admin, "sam@bank.nl", "Sam", ["supervisor"])
    period = {"start": "2026-11-23T00:00:00Z", "end": "2026-11-24T00:00:00Z"}
    response = voice_world.get("/voice/stats", supervisor.headers, **period)
    assert response.status_code == 200, response.text
    stats = response.json()
    assert (stats["calls"], stats["answered"], stats["abandoned"]) == (2, 1, 1)
    assert stats["abandonment_rate"] == 0.5
    assert stats["average_wait_seconds"] == 60.0
    assert stats["average_handle_seconds"] == 300.0
    assert stats["average_abandoned_wait_seconds"] == 90.0
    denied = voice_world.get("/voice/stats", voice_world.anna.headers, **period)
    assert denied.status_code == 403
    naive = voice_world.get(
        "/voice/stats", supervisor.headers, start="2026-11-23T00:00:00", end=period["end"]
    )
    assert naive.status_code in (400, 422)
    backwards = voice_world.get(
        "/voice/stats", supervisor.headers, start=period["end"], end=period["start"]
    )
    assert backwards.status_code == 422 and "after its start" in backwards.json()["message"]


def test_an_english_line_speaks_english(voice_world: World) -> None:
    document = twiml(twilio(voice_world.client, "/voice/incoming", call_params(to=ENGLISH_LINE)))
    gather = document.find("Gather")
    assert gather is not None and gather.attrib["language"] == "en-GB"
    assert "To speak to an agent, press 0 or say agent." in said(document)


def test_a_withheld_number_is_queued_without_a_case(voice_world: World) -> None:
    client = voice_world.client
    action = enter_menu(voice_world, caller="anonymous")
    document = twiml(twilio(client, action, call_params(caller="anonymous", Digits="0")))
    assert document.find("Enqueue") is not None
    waiting = twiml(twilio(client, "/voice/wait", call_params(caller="anonymous")))
    assert waiting.find("Gather") is None  # no number to call back
    (row,) = stored_calls(context_of(voice_world))
    assert row.case_id is None and row.status == "queued"
    assert voice_world.count_cases() == 0


def test_the_stats_endpoint_is_documented(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    operation = schema["paths"]["/api/v1/voice/stats"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"start", "end"}
    assert not any(path.startswith("/voice/") for path in schema["paths"])


def test_sha256_signatures_named_in_the_settings_header_are_accepted(voice_world: World) -> None:
    params = call_params()
    url = PUBLIC + "/voice/incoming"
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params, "HMAC_SHA256")
    settings_header = "key=webhooks_sharedkey_1,algorithm=HMAC_SHA256"
    headers = {
        "X-Twilio-Signature": signature,
        "X-Twilio-Webhooks-Signature-Settings": settings_header,
    }
    accepted = voice_world.client.post("/voice/incoming", data=params, headers=headers)
    assert accepted.status_code == 200, accepted.text
    as_sha1 = {"X-Twilio-Signature": signature}  # the same signature read as SHA-1: refused
    refused = voice_world.client.post("/voice/incoming", data=call_params("CA2"), headers=as_sha1)
    assert refused.status_code == 403
    assert [r.call_sid for r in stored_calls(context_of(voice_world))] == ["CA100"]
