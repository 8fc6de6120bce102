"""The Cloud API's webhook: its signature, its verification handshake and its payload.

Meta signs every POST with ``X-Hub-Signature-256: sha256=<hex>``, the HMAC-SHA256 of the raw
body keyed with the app secret; the check compares in constant time and runs before the body
is parsed. The payload nests messages and statuses in ``entry[].changes[].value``:

    {"object": "whatsapp_business_account",
     "entry": [{"id": "<WABA id>", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"phone_number_id": ...},
        "contacts": [{"wa_id": "31612345678", "profile": {"name": "Anna"}}],
        "messages": [{"from": "31612345678", "id": "wamid...", "timestamp": "1795424400",
                      "type": "text", "text": {"body": "..."}}],
        "statuses": [{"id": "wamid...", "status": "delivered", "timestamp": "...",
                      "recipient_id": "...", "errors": [{"code": 131047, ...}]}]}}]}]}

Message types with a text for an agent (text, media with or without caption, location,
buttons) become ``InboundWhatsApp``; reactions and ``unsupported``/``system`` notices are
counted as ``skipped`` (acknowledged, not stored). A payload of another shape is a
``ValidationError`` naming what is wrong.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from klantenservice.domain import whatsapp
from klantenservice.domain.errors import ValidationError
from klantenservice.services.messaging import StatusUpdate
from klantenservice.services.messaging_ports import MediaInfo

SIGNATURE_HEADER = "X-Hub-Signature-256"
MEDIA_TYPES = ("image", "audio", "video", "document", "sticker")
SKIPPED_TYPES = frozenset({"reaction", "unsupported", "system", "request_welcome"})


def signature_valid(body: bytes, header: str | None, app_secret: str) -> bool:
    """Does ``header`` carry the HMAC-SHA256 of ``body`` under ``app_secret``?"""
    if not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256=").strip().lower())


def sign(body: bytes, app_secret: str) -> str:
    """The header value Meta sends for ``body`` (for tests and fakes)."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class InboundWhatsApp:
    message_id: str  # the wamid: the intake's external id
    wa_id: str
    name: str | None
    body: str
    sent_at: datetime
    media: tuple[MediaInfo, ...] = ()


@dataclass(slots=True)
class WebhookContent:
    messages: list[InboundWhatsApp] = field(default_factory=list)
    statuses: list[StatusUpdate] = field(default_factory=list)
    skipped: int = 0


def parse(body: bytes) -> WebhookContent:
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise ValidationError("the webhook body is not JSON") from None
    if not isinstance(document, dict) or document.get("object") != "whatsapp_business_account":
        raise ValidationError('the webhook body must have "object": "whatsapp_business_account"')
    content = WebhookContent()
    for entry in _list(document, "entry", "the body"):
        for item in _list(_dict(entry, "entry"), "changes", "an entry"):
            change = _dict(item, "change")
            if change.get("field") != "messages":
                content.skipped += 1
                continue
            _read_value(_dict(change.get("value"), "change.value"), content)
    return content


def _read_value(value: dict[str, Any], content: WebhookContent) -> None:
    names = {
        str(contact.get("wa_id")): _profile_name(contact)
        for contact in (_dict(item, "contact") for item in value.get("contacts") or [])
    }
    for item in value.get("messages") or []:
        message = _message(_dict(item, "message"), names)
        if message is None:
            content.skipped += 1
        else:
            content.messages.append(message)
    for item in value.get("statuses") or []:
        content.statuses.append(_status(_dict(item, "status")))


def _message(item: dict[str, Any], names: dict[str, str | None]) -> InboundWhatsApp | None:
    kind = _text(item, "type", "message")
    if kind in SKIPPED_TYPES:
        return None
    wamid = _text(item, "id", "message")
    sender = _text(item, "from", "message")
    media: tuple[MediaInfo, ...] = ()
    if kind == "text":
        body = _text(_dict(item.get("text"), "message.text"), "body", "message.text")
    elif kind in MEDIA_TYPES:
        part = _dict(item.get(kind), f"message.{kind}")
        info = MediaInfo(
            media_id=_text(part, "id", f"message.{kind}"),
            kind=kind,
            mime_type=part.get("mime_type"),
            sha256=part.get("sha256"),
            filename=part.get("filename"),
        )
        media = (info,)
        label = f"[{kind}: {info.filename}]" if info.filename else f"[{kind}]"
        body = str(part.get("caption") or "").strip() or label
    elif kind == "location":
        place = _dict(item.get("location"), "message.location")
        where = " ".join(str(place[key]) for key in ("name", "address") if place.get(key))
        body = f"[location {place.get('latitude')},{place.get('longitude')}] {where}".strip()
    elif kind == "button":
        body = _text(_dict(item.get("button"), "message.button"), "text", "message.button")
    elif kind == "interactive":
        body = _interactive(_dict(item.get("interactive"), "message.interactive"))
    else:
        raise ValidationError(f"message {wamid}: unsupported message type {kind!r}")
    return InboundWhatsApp(
        message_id=wamid,
        wa_id=sender,
        name=names.get(sender),
        body=body,
        sent_at=_timestamp(item, "message"),
        media=media,
    )


def _interactive(part: dict[str, Any]) -> str:
    reply = part.get("button_reply") or part.get("list_reply")
    if not isinstance(reply, dict) or not reply.get("title"):
        raise ValidationError("message.interactive needs a button_reply or list_reply title")
    return str(reply["title"])


def _status(item: dict[str, Any]) -> StatusUpdate:
    status = _text(item, "status", "status")
    if status not in whatsapp.STATUSES:
        raise ValidationError(f"status {status!r} is not one of {', '.join(whatsapp.STATUSES)}")
    errors = item.get("errors") or []
    code = str(errors[0].get("code")) if errors and isinstance(errors[0], dict) else None
    return StatusUpdate(
        provider_id=_text(item, "id", "status"),
        status=status,
        at=_timestamp(item, "status"),
        error_code=code,
    )


def _timestamp(item: dict[str, Any], what: str) -> datetime:
    raw = item.get("timestamp")
    try:
        return datetime.fromtimestamp(int(str(raw)), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        raise ValidationError(f"{what}.timestamp must be Unix seconds, not {raw!r}") from None


def _profile_name(contact: dict[str, Any]) -> str | None:
    profile = contact.get("profile")
    name = profile.get("name") if isinstance(profile, dict) else None
    return str(name)[:200] if name else None


def _dict(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValidationError(f"{what} must be a JSON object")
    return value


def _list(parent: dict[str, Any], key: str, what: str) -> list[Any]:
    value = parent.get(key)
    if not isinstance(value, list):
        raise ValidationError(f"{what} must have a list {key!r}")
    return value


def _text(parent: dict[str, Any], key: str, what: str) -> str:
    value = parent.get(key)
    if not isinstance(value, str) or not value:
        raise ValidationError(f"{what}.{key} must be a non-empty string")
    return value
