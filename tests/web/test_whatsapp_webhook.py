"""The WhatsApp webhook over HTTP: verification, signatures, messages, media, statuses."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.web.support import FakeClock, World
from tests.web.whatsapp_support import (
    APP_SECRET,
    TEMPLATES,
    VERIFY_TOKEN,
    WA_ID,
    envelope,
    signed,
    status_event,
    text_message,
)

from klantenservice.adapters.credentials import Argon2Credentials
from klantenservice.adapters.db.tables import delivery_statuses, inbound_media, messages
from klantenservice.adapters.security import fast_hasher
from klantenservice.settings import Settings
from klantenservice.web.app import create_app
from klantenservice.web.deps import AppContext

PATH = "/webhooks/whatsapp"


@pytest.fixture
def app(database_url: str, clock: FakeClock) -> FastAPI:
    settings = Settings(
        database_url=database_url,
        environment="test",
        whatsapp_app_secret=APP_SECRET,
        whatsapp_verify_token=VERIFY_TOKEN,
        whatsapp_templates=TEMPLATES,
    )
    return create_app(settings, clock=clock, credentials=Argon2Credentials(fast_hasher()))


def post(client: TestClient, payload: dict[str, Any], secret: str = APP_SECRET) -> Any:
    body, headers = signed(payload, secret)
    return client.post(PATH, content=body, headers=headers)


def count(context: AppContext, table: Any) -> int:
    with context.uow_factory(read_only=True) as uow:
        connection = uow.connection  # type: ignore[attr-defined]
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def test_verification_echoes_the_challenge_for_our_token(client: TestClient) -> None:
    query = {
        "hub.mode": "subscribe",
        "hub.verify_token": VERIFY_TOKEN,
        "hub.challenge": "1158201444",
    }
    answer = client.get(PATH, params=query)
    assert answer.status_code == 200
    assert answer.text == "1158201444"
    wrong = client.get(PATH, params={**query, "hub.verify_token": "guess"})
    assert wrong.status_code == 403
    assert "verify_token" in wrong.json()["message"]
    assert client.get(PATH, params={**query, "hub.mode": "unsubscribe"}).status_code == 400


def test_a_signed_text_message_is_stored_once_on_a_case_of_the_wa_id(
    world: World, context: AppContext
) -> None:
    payload = text_message(
        "wamid.HBgLMzE2MTIzNDU2NzgVAgASGBQzQTdD", "Mijn adres is veranderd", world.clock.now()
    )
    first = post(world.client, payload)
    assert first.status_code == 200, first.text
    assert first.json() == {"received": 1, "duplicates": 0, "statuses": 0, "skipped": 0}
    again = post(world.client, payload)  # Meta retries: nothing new is stored
    assert again.json()["duplicates"] == 1
    assert count(context, messages) == 1
    cases = world.get("/cases", world.admin).json()["items"]
    assert len(cases) == 1 and cases[0]["channel"] == "whatsapp"
    stored = world.messages(cases[0]["id"])
    assert [m["body"] for m in stored] == ["Mijn adres is veranderd"]
    assert stored[0]["external_id"] == "wamid.HBgLMzE2MTIzNDU2NzgVAgASGBQzQTdD"
    customer = world.get(f"/customers/{cases[0]['customer_id']}", world.admin).json()
    assert {"kind": "whatsapp", "value": WA_ID} in customer["contact_points"]
    assert customer["name"] == "Jan Jansen"


def test_a_second_message_from_the_same_wa_id_joins_the_customers_case(world: World) -> None:
    now = world.clock.now()
    post(world.client, text_message("wamid.one", "Hallo", now))
    post(world.client, text_message("wamid.two", "Nog een vraag", now))
    cases = world.get("/cases", world.admin).json()["items"]
    assert len(cases) == 1
    assert [m["body"] for m in world.messages(cases[0]["id"])] == ["Hallo", "Nog een vraag"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Hub-Signature-256": "sha256=" + "0" * 64},
        {"X-Hub-Signature-256": "not-even-the-form"},
    ],
    ids=["missing", "wrong", "malformed"],
)
def test_a_bad_or_missing_signature_is_refused_and_nothing_stored(
    world: World, context: AppContext, headers: dict[str, str]
) -> None:
    body, _ = signed(text_message("wamid.x", "Hallo", world.clock.now()))
    answer = world.client.post(PATH, content=body, headers=headers)
    assert answer.status_code == 401
    assert "X-Hub-Signature-256" in answer.json()["message"]
    assert count(context, messages) == 0


def test_a_body_signed_with_another_secret_is_refused(world: World, context: AppContext) -> None:
    answer = post(world.client, text_message("wamid.x", "Hallo", world.clock.now()), "other")
    assert answer.status_code == 401
    assert count(context, messages) == 0


def test_a_bad_payload_is_refused_with_the_reason_and_nothing_stored(
    world: World, context: AppContext
) -> None:
    good = text_message("wamid.good", "Hallo", world.clock.now())["entry"][0]["changes"][0]
    bad = text_message("wamid.bad", "Hallo", world.clock.now())
    del bad["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
    bad["entry"][0]["changes"].insert(0, good)  # the good message of the webhook is kept out too
    answer = post(world.client, bad)
    assert answer.status_code == 422
    assert "message.id" in answer.json()["message"]
    assert count(context, messages) == 0
    not_whatsapp = post(world.client, {"object": "page", "entry": []})
    assert not_whatsapp.status_code == 422
    assert "whatsapp_business_account" in not_whatsapp.json()["message"]


def test_media_messages_store_the_media_id_and_metadata(world: World, context: AppContext) -> None:
    at = str(int(world.clock.now().timestamp()))
    payload = envelope(
        {
            "contacts": [{"profile": {"name": "Jan"}, "wa_id": WA_ID}],
            "messages": [
                {
                    "from": WA_ID,
                    "id": "wamid.image",
                    "timestamp": at,
                    "type": "image",
                    "image": {
                        "caption": "Foto van mijn pas",
                        "mime_type": "image/jpeg",
                        "sha256": "nG1zV4b3c2hQ0i8f7kYQfqk4v3Jk8a4J9xw8Q2x1D5Y=",
                        "id": "1037543291543636",
                    },
                },
                {
                    "from": WA_ID,
                    "id": "wamid.doc",
                    "timestamp": at,
                    "type": "document",
                    "document": {
                        "filename": "afschrift.pdf",
                        "mime_type": "application/pdf",
                        "sha256": "abc",
                        "id": "2037543291543637",
                    },
                },
            ],
        }
    )
    assert post(world.client, payload).status_code == 200
    assert post(world.client, payload).status_code == 200  # retried: no second media rows
    case_id = world.get("/cases", world.admin).json()["items"][0]["id"]
    bodies = [m["body"] for m in world.messages(case_id)]
    assert bodies == ["Foto van mijn pas", "[document: afschrift.pdf]"]
    with context.uow_factory(read_only=True) as uow:
        rows = uow.connection.execute(  # type: ignore[attr-defined]
            select(inbound_media).order_by(inbound_media.c.id)
        ).all()
    assert [(r.media_id, r.kind, r.mime_type) for r in rows] == [
        ("1037543291543636", "image", "image/jpeg"),
        ("2037543291543637", "document", "application/pdf"),
    ]
    assert rows[1].filename == "afschrift.pdf"


def test_status_events_are_recorded_once_each(world: World, context: AppContext) -> None:
    now = world.clock.now()
    for status in ("sent", "delivered", "delivered", "read"):
        answer = post(world.client, status_event("wamid.out1", status, now))
        assert answer.status_code == 200, answer.text
        assert answer.json()["statuses"] == 1
    failed = status_event(
        "wamid.out2", "failed", now, errors=[{"code": 131047, "title": "Re-engagement message"}]
    )
    assert post(world.client, failed).status_code == 200
    with context.uow_factory(read_only=True) as uow:
        rows = uow.connection.execute(  # type: ignore[attr-defined]
            select(delivery_statuses).order_by(delivery_statuses.c.id)
        ).all()
    assert [(r.provider_id, r.status, r.error_code) for r in rows] == [
        ("wamid.out1", "sent", None),
        ("wamid.out1", "delivered", None),
        ("wamid.out1", "read", None),
        ("wamid.out2", "failed", "131047"),
    ]
    unknown = post(world.client, status_event("wamid.out1", "exploded", now))
    assert unknown.status_code == 422
    assert count(context, messages) == 0


def test_reactions_are_acknowledged_but_not_stored(world: World, context: AppContext) -> None:
    payload = envelope(
        {
            "messages": [
                {
                    "from": WA_ID,
                    "id": "wamid.reaction",
                    "timestamp": "1795424400",
                    "type": "reaction",
                    "reaction": {"message_id": "wamid.out1", "emoji": "\U0001f44d"},
                }
            ]
        }
    )
    answer = post(world.client, payload)
    assert answer.json() == {"received": 0, "duplicates": 0, "statuses": 0, "skipped": 1}
    assert count(context, messages) == 0


def test_without_an_app_secret_every_post_is_refused(database_url: str, clock: FakeClock) -> None:
    settings = Settings(database_url=database_url, environment="test")
    bare = create_app(settings, clock=clock, credentials=Argon2Credentials(fast_hasher()))
    with TestClient(bare) as client:
        answer = post(client, text_message("wamid.x", "Hallo", clock.now()))
    assert answer.status_code == 401
    assert "KS_WHATSAPP_APP_SECRET" in answer.json()["message"]
