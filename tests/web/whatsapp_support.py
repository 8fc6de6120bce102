"""Building and signing WhatsApp Cloud API webhooks exactly as Meta sends them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from klantenservice.adapters.whatsapp.webhook import SIGNATURE_HEADER, sign

APP_SECRET = "meta-app-secret-for-tests"
VERIFY_TOKEN = "verify-me-please"
PHONE_NUMBER_ID = "106540352242922"
WA_ID = "31612345678"
TEMPLATES = {
    "pas_geblokkeerd": {
        "nl": "Beste {{1}}, uw pas eindigend op {{2}} is geblokkeerd. Antwoord om verder te gaan.",
        "en": "Dear {{1}}, your card ending in {{2}} is blocked. Reply to continue.",
    }
}


def envelope(value: dict[str, Any]) -> dict[str, Any]:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "31201234567", "phone_number_id": PHONE_NUMBER_ID},
        **value,
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"value": value, "field": "messages"}]}],
    }


def text_message(
    wamid: str, body: str, at: datetime, *, wa_id: str = WA_ID, name: str = "Jan Jansen"
) -> dict[str, Any]:
    return envelope(
        {
            "contacts": [{"profile": {"name": name}, "wa_id": wa_id}],
            "messages": [
                {
                    "from": wa_id,
                    "id": wamid,
                    "timestamp": str(int(at.timestamp())),
                    "type": "text",
                    "text": {"body": body},
                }
            ],
        }
    )


def status_event(wamid: str, status: str, at: datetime, **extra: Any) -> dict[str, Any]:
    item = {
        "id": wamid,
        "status": status,
        "timestamp": str(int(at.timestamp())),
        "recipient_id": WA_ID,
        **extra,
    }
    return envelope({"statuses": [item]})


def signed(payload: dict[str, Any], secret: str = APP_SECRET) -> tuple[bytes, dict[str, str]]:
    body = orjson.dumps(payload)
    return body, {SIGNATURE_HEADER: sign(body, secret), "Content-Type": "application/json"}
