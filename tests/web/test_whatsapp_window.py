"""The 24-hour customer-service window over HTTP: free-form inside, templates outside."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from tests.web.support import FakeClock, World
from tests.web.whatsapp_support import APP_SECRET, TEMPLATES, VERIFY_TOKEN, signed, text_message

from klantenservice.adapters.credentials import Argon2Credentials
from klantenservice.adapters.db.tables import messages, outbox, whatsapp_template_sends
from klantenservice.adapters.security import fast_hasher
from klantenservice.settings import Settings
from klantenservice.web.app import create_app
from klantenservice.web.deps import AppContext


@pytest.fixture
def app(database_url: str, clock: FakeClock) -> FastAPI:
    settings = Settings(
        database_url=database_url,
        environment="test",
        whatsapp_app_secret=APP_SECRET,
        whatsapp_verify_token=VERIFY_TOKEN,
        whatsapp_templates=TEMPLATES,
        session_hours=24 * 7,  # the agents stay signed in while the clock jumps days
    )
    return create_app(settings, clock=clock, credentials=Argon2Credentials(fast_hasher()))


def count(context: AppContext, table: Any) -> int:
    with context.uow_factory(read_only=True) as uow:
        connection = uow.connection  # type: ignore[attr-defined]
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def whatsapp_case(world: World, wamid: str = "wamid.in1") -> int:
    body, headers = signed(text_message(wamid, "Mijn pas is geblokkeerd", world.clock.now()))
    assert world.client.post("/webhooks/whatsapp", content=body, headers=headers).status_code == 200
    case_id: int = world.get("/cases", world.admin).json()["items"][0]["id"]
    return case_id


def reply(world: World, case_id: int, text: str) -> Any:
    return world.post(f"/cases/{case_id}/replies", world.anna.headers, {"body": text})


def test_a_free_form_reply_within_24_hours_is_stored_and_queued(
    world: World, context: AppContext
) -> None:
    case_id = whatsapp_case(world)
    world.clock.advance(hours=23, minutes=59)
    answer = reply(world, case_id, "We kijken ernaar")
    assert answer.status_code == 201, answer.text
    assert answer.json()["channel"] == "whatsapp"
    assert count(context, outbox) > 0


def test_a_free_form_reply_after_24_hours_is_refused_and_nothing_stored(
    world: World, context: AppContext
) -> None:
    case_id = whatsapp_case(world)
    world.clock.advance(hours=24, seconds=1)
    stored, queued = count(context, messages), count(context, outbox)
    answer = reply(world, case_id, "Sorry voor de late reactie")
    assert answer.status_code == 409
    assert "24-hour window" in answer.json()["message"]
    assert "template" in answer.json()["message"]
    assert (count(context, messages), count(context, outbox)) == (stored, queued)


def test_a_new_customer_message_reopens_the_window(world: World) -> None:
    case_id = whatsapp_case(world, "wamid.in1")
    world.clock.advance(hours=30)
    assert reply(world, case_id, "Te laat").status_code == 409
    whatsapp_case(world, "wamid.in2")
    assert reply(world, case_id, "Nu wel").status_code == 201


def test_an_approved_template_may_be_sent_outside_the_window(
    world: World, context: AppContext
) -> None:
    case_id = whatsapp_case(world)
    world.clock.advance(days=3)
    template = {"name": "pas_geblokkeerd", "language": "nl", "parameters": ["Jan", "4321"]}
    answer = world.post(f"/cases/{case_id}/whatsapp-templates", world.anna.headers, template)
    assert answer.status_code == 201, answer.text
    assert answer.json()["body"] == (
        "Beste Jan, uw pas eindigend op 4321 is geblokkeerd. Antwoord om verder te gaan."
    )
    assert count(context, whatsapp_template_sends) == 1


@pytest.mark.parametrize(
    ("template", "status", "says"),
    [
        ({"name": "onbekend", "language": "nl"}, 404, "no approved WhatsApp template"),
        ({"name": "pas_geblokkeerd", "language": "de", "parameters": ["a", "b"]}, 404, "'de'"),
        ({"name": "pas_geblokkeerd", "language": "nl", "parameters": ["Jan"]}, 422, "takes 2"),
    ],
)
def test_a_template_that_is_not_approved_or_misfilled_is_refused(
    world: World, context: AppContext, template: dict[str, Any], status: int, says: str
) -> None:
    case_id = whatsapp_case(world)
    stored = count(context, messages)
    answer = world.post(f"/cases/{case_id}/whatsapp-templates", world.anna.headers, template)
    assert answer.status_code == status
    assert says in answer.json()["message"]
    assert count(context, messages) == stored


def test_a_whatsapp_reply_to_a_customer_without_a_wa_id_is_refused(world: World) -> None:
    case_id = world.intake()["case_id"]  # an e-mail customer
    answer = world.post(
        f"/cases/{case_id}/replies", world.anna.headers, {"body": "Hoi", "channel": "whatsapp"}
    )
    assert answer.status_code == 409
    assert "no whatsapp contact point" in answer.json()["message"]
