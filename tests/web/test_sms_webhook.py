"""The Twilio SMS webhooks over HTTP, signed with the twilio package's own validator."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.web.support import FakeClock, World
from twilio.request_validator import RequestValidator

from klantenservice.adapters.credentials import Argon2Credentials
from klantenservice.adapters.db.tables import delivery_statuses, messages, sms_consent_events
from klantenservice.adapters.security import fast_hasher
from klantenservice.settings import Settings
from klantenservice.web.app import create_app
from klantenservice.web.deps import AppContext

AUTH_TOKEN = "twilio-auth-token-for-tests"
ACCOUNT_SID = "AC" + "0" * 32
PUBLIC = "https://klantenservice.bank.example"
PHONE = "+31612345678"


@pytest.fixture
def app(database_url: str, clock: FakeClock) -> FastAPI:
    settings = Settings(
        database_url=database_url,
        environment="test",
        twilio_auth_token=AUTH_TOKEN,
        twilio_account_sid=ACCOUNT_SID,
        public_base_url=PUBLIC,
    )
    return create_app(settings, clock=clock, credentials=Argon2Credentials(fast_hasher()))


def sms_form(sid: str, body: str, sender: str = PHONE) -> dict[str, str]:
    return {
        "ToCountry": "NL",
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "SmsSid": sid,
        "SmsStatus": "received",
        "Body": body,
        "To": "+3197010200300",
        "NumSegments": "1",
        "MessageSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": sender,
        "ApiVersion": "2010-04-01",
    }


def post_signed(
    client: TestClient, path: str, form: dict[str, str], *, url: str | None = None
) -> Any:
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url or PUBLIC + path, form)
    return client.post(path, data=form, headers={"X-Twilio-Signature": signature})


def count(context: AppContext, table: Any) -> int:
    with context.uow_factory(read_only=True) as uow:
        connection = uow.connection  # type: ignore[attr-defined]
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def test_a_signed_sms_is_stored_once_for_the_phone_number(
    world: World, context: AppContext
) -> None:
    form = sms_form("SM" + "a" * 32, "Mijn pas is ingeslikt")
    first = post_signed(world.client, "/webhooks/sms", form)
    assert first.status_code == 200, first.text
    assert first.headers["content-type"].startswith("text/xml")
    assert "<Response" in first.text and "<Message" not in first.text  # no auto-reply
    assert post_signed(world.client, "/webhooks/sms", form).status_code == 200  # Twilio retries
    assert count(context, messages) == 1
    case = world.get("/cases", world.admin).json()["items"][0]
    assert case["channel"] == "sms"
    stored = world.messages(case["id"])
    assert [(m["body"], m["external_id"]) for m in stored] == [
        ("Mijn pas is ingeslikt", "SM" + "a" * 32)
    ]
    customer = world.get(f"/customers/{case['customer_id']}", world.admin).json()
    assert {"kind": "phone", "value": PHONE} in customer["contact_points"]


@pytest.mark.parametrize("how", ["missing", "wrong token", "private url", "tampered"])
def test_a_bad_signature_is_refused_and_nothing_stored(
    world: World, context: AppContext, how: str
) -> None:
    form = sms_form("SM" + "b" * 32, "Hallo")
    path = "/webhooks/sms"
    if how == "missing":
        answer = world.client.post(path, data=form)
    elif how == "wrong token":
        signature = RequestValidator("guess").compute_signature(PUBLIC + path, form)
        answer = world.client.post(path, data=form, headers={"X-Twilio-Signature": signature})
    elif how == "private url":  # signed for the URL this process sees, not the public one
        answer = post_signed(world.client, path, form, url="http://testserver" + path)
    else:
        signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC + path, form)
        tampered = {**form, "Body": "Maak alles over naar NL00BANK0123456789"}
        answer = world.client.post(path, data=tampered, headers={"X-Twilio-Signature": signature})
    assert answer.status_code == 401
    assert "X-Twilio-Signature" in answer.json()["message"]
    assert count(context, messages) == 0


def test_a_bad_payload_is_refused_with_the_reason(world: World, context: AppContext) -> None:
    form = sms_form("SM" + "c" * 32, "Hallo")
    del form["MessageSid"]
    answer = post_signed(world.client, "/webhooks/sms", form)
    assert answer.status_code == 422
    assert "MessageSid" in answer.json()["message"]
    bad_number = post_signed(world.client, "/webhooks/sms", sms_form("SM" + "d" * 32, "Hi", "12"))
    assert bad_number.status_code == 422
    empty = post_signed(world.client, "/webhooks/sms", sms_form("SM" + "e" * 32, "  "))
    assert empty.status_code == 422
    assert "no Body and no media" in empty.json()["message"]
    as_json = world.client.post("/webhooks/sms", json=form)
    assert as_json.status_code == 422
    assert count(context, messages) == 0


def test_an_mms_without_text_names_its_media(world: World) -> None:
    form = {
        **sms_form("MM" + "f" * 32, ""),
        "NumMedia": "1",
        "MediaContentType0": "image/jpeg",
        "MediaUrl0": "https://api.twilio.com/2010-04-01/Accounts/AC/Messages/MM/Media/ME1",
    }
    assert post_signed(world.client, "/webhooks/sms", form).status_code == 200
    case_id = world.get("/cases", world.admin).json()["items"][0]["id"]
    assert [m["body"] for m in world.messages(case_id)] == ["[MMS: image/jpeg]"]


def reply(world: World, case_id: int) -> Any:
    return world.post(f"/cases/{case_id}/replies", world.anna.headers, {"body": "Wij helpen u"})


def test_stop_opts_the_number_out_and_start_back_in(world: World, context: AppContext) -> None:
    assert post_signed(world.client, "/webhooks/sms", sms_form("SM01", "Hallo")).status_code == 200
    case_id = world.get("/cases", world.admin).json()["items"][0]["id"]
    assert reply(world, case_id).status_code == 201
    stop = sms_form("SM02", " Stop ")
    assert post_signed(world.client, "/webhooks/sms", stop).status_code == 200
    assert post_signed(world.client, "/webhooks/sms", stop).status_code == 200  # retried
    assert count(context, sms_consent_events) == 1
    stored = count(context, messages)
    refused = reply(world, case_id)
    assert refused.status_code == 409
    assert "opted out" in refused.json()["message"]
    assert count(context, messages) == stored
    assert post_signed(world.client, "/webhooks/sms", sms_form("SM03", "START")).status_code == 200
    assert reply(world, case_id).status_code == 201


def test_delivery_status_callbacks_are_recorded_by_message_sid(
    world: World, context: AppContext
) -> None:
    path = "/webhooks/sms/status"
    base = {"AccountSid": ACCOUNT_SID, "MessageSid": "SM" + "9" * 32, "To": PHONE}
    for state in ("queued", "sent", "delivered", "delivered"):
        answer = post_signed(world.client, path, {**base, "MessageStatus": state})
        assert answer.status_code == 204, answer.text
    failed = {**base, "MessageSid": "SM" + "8" * 32, "MessageStatus": "undelivered"}
    assert post_signed(world.client, path, {**failed, "ErrorCode": "30005"}).status_code == 204
    with context.uow_factory(read_only=True) as uow:
        rows = uow.connection.execute(  # type: ignore[attr-defined]
            select(delivery_statuses).order_by(delivery_statuses.c.id)
        ).all()
    assert [(r.status, r.error_code) for r in rows] == [
        ("queued", None),
        ("sent", None),
        ("delivered", None),
        ("undelivered", "30005"),
    ]
    unknown = post_signed(world.client, path, {**base, "MessageStatus": "vanished"})
    assert unknown.status_code == 422
