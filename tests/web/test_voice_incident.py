"""The IVR during an incident: the message spoken first in the caller's language, then the
menu; with call-backs offered, the offer at once and a call-back request taken from it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from tests.web.support import FakeClock, World
from tests.web.test_voice import (
    ENGLISH_LINE,
    call_params,
    context_of,
    local,
    said,
    stored_calls,
    twilio,
    twiml,
    voice_app,
)

NL = "Er is een storing in de app. Wij werken aan een oplossing."
EN = "The app has an outage. We are working on it."


@pytest.fixture
def app(database_url: str, clock: FakeClock) -> FastAPI:
    return voice_app(database_url, clock, intake_writer="thread")


@pytest.fixture
def voice_world(world: World) -> Iterator[World]:
    response = world.client.post(
        "/api/v1/admin/queues", headers=world.admin, json={"name": "emergency"}
    )
    assert response.status_code == 201, response.text
    yield world


def declare(world: World, **fields: object) -> int:
    body = {"kind": "outage", "message_nl": NL, "message_en": EN, **fields}
    response = world.post("/incidents", world.admin, body)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def test_the_message_comes_first_then_the_menu(voice_world: World) -> None:
    declare(voice_world, channels=["phone"])
    document = twiml(twilio(voice_world.client, "/voice/incoming", call_params()))
    assert said(document) == NL
    assert document.find("Gather") is None  # no call-backs offered: straight on to the menu
    redirect = document.find("Redirect")
    assert redirect is not None and local(redirect.text or "") == "/voice/incoming?announced=1"
    menu = twiml(twilio(voice_world.client, "/voice/incoming?announced=1", call_params()))
    assert NL not in said(menu) and "Welkom" in said(menu)
    assert menu.find("Gather") is not None


def test_an_english_caller_hears_it_in_english(voice_world: World) -> None:
    declare(voice_world)
    document = twiml(twilio(voice_world.client, "/voice/incoming", call_params(to=ENGLISH_LINE)))
    assert said(document) == EN
    (say,) = document.iter("Say")
    assert say.attrib["language"] == "en-GB"


def test_an_incident_on_other_channels_is_not_announced(voice_world: World) -> None:
    declare(voice_world, channels=["chat"])
    document = twiml(twilio(voice_world.client, "/voice/incoming", call_params()))
    assert NL not in said(document) and document.find("Gather") is not None


def test_a_call_back_is_offered_at_once_and_taken(voice_world: World) -> None:
    incident_id = declare(voice_world, offer_callbacks=True)
    document = twiml(twilio(voice_world.client, "/voice/incoming", call_params()))
    gather = document.find("Gather")
    assert gather is not None and local(gather.attrib["action"]) == "/voice/incident-callback"
    assert "teruggebeld" in said(document)
    taken = twiml(twilio(voice_world.client, "/voice/incident-callback", call_params(Digits="1")))
    assert "terug" in said(taken) and taken.find("Hangup") is not None
    (row,) = stored_calls(context_of(voice_world))
    assert row.status == "callback" and row.case_id is not None
    case = voice_world.case(row.case_id)
    assert f"incident-{incident_id}" in case["tags"]
    # Twilio retries the webhook: the same answer, nothing new stored
    again = twiml(twilio(voice_world.client, "/voice/incident-callback", call_params(Digits="1")))
    assert again.find("Hangup") is not None
    assert len(stored_calls(context_of(voice_world))) == 1


def test_declining_the_call_back_leads_to_the_menu(voice_world: World) -> None:
    declare(voice_world, offer_callbacks=True)
    twilio(voice_world.client, "/voice/incoming", call_params())
    declined = twiml(
        twilio(voice_world.client, "/voice/incident-callback", call_params(Digits="2"))
    )
    redirect = declined.find("Redirect")
    assert redirect is not None and local(redirect.text or "") == "/voice/incoming?announced=1"
    (row,) = stored_calls(context_of(voice_world))
    assert row.status == "ivr"


def test_a_withheld_number_gets_no_call_back_offer(voice_world: World) -> None:
    declare(voice_world, offer_callbacks=True)
    document = twiml(twilio(voice_world.client, "/voice/incoming", call_params(caller="anonymous")))
    assert said(document) == NL and document.find("Gather") is None
