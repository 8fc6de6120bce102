"""``/webhooks/whatsapp``: Meta's verification handshake (GET) and its events (POST).

    GET  ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…  → the challenge, or 403
    POST signed body ─► signature (401, nothing read further) ─► parse (422 naming the fault)
         ─► messages through the intake ─► media, statuses ─► 200 {"received": …}

The 200 comes only after every message, its media record and every status is stored; Meta
retries anything else, and each step is idempotent (wamid, media id, (wamid, status)).
Logs carry counts only: no numbers, names or texts.
"""

from __future__ import annotations

import hmac
import logging
import re

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.concurrency import run_in_threadpool

from klantenservice.adapters.whatsapp import webhook
from klantenservice.domain.customers import ContactKind, ContactPoint
from klantenservice.domain.errors import AuthenticationFailed, PermissionDenied
from klantenservice.domain.vocabulary import Channel
from klantenservice.services import messaging
from klantenservice.services.inbound import InboundMessage
from klantenservice.web.deps import AppContext
from klantenservice.web.webhooks.intake import store_all

log = logging.getLogger(__name__)
router = APIRouter()
PATH = "/webhooks/whatsapp"
_CHALLENGE = re.compile(r"[A-Za-z0-9_.-]{1,128}")


@router.get(PATH, response_class=PlainTextResponse)
async def verify(request: Request) -> Response:
    """Meta subscribes the webhook: answer its challenge if the verify token is ours."""
    context: AppContext = request.app.state.context
    expected = context.settings.whatsapp_verify_token
    query = request.query_params
    token = query.get("hub.verify_token") or ""
    challenge = query.get("hub.challenge") or ""
    if query.get("hub.mode") != "subscribe" or not _CHALLENGE.fullmatch(challenge):
        return PlainTextResponse("expected hub.mode=subscribe and a hub.challenge", 400)
    if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        raise PermissionDenied("hub.verify_token does not match KS_WHATSAPP_VERIFY_TOKEN")
    return PlainTextResponse(challenge)


@router.post(PATH)
async def receive(request: Request) -> Response:
    """Messages and status events, signed with the app secret (X-Hub-Signature-256)."""
    context: AppContext = request.app.state.context
    secret = context.settings.whatsapp_app_secret
    body = await request.body()
    if not secret:
        raise AuthenticationFailed("WhatsApp is not configured here (KS_WHATSAPP_APP_SECRET)")
    if not webhook.signature_valid(body, request.headers.get(webhook.SIGNATURE_HEADER), secret):
        raise AuthenticationFailed(
            f"{webhook.SIGNATURE_HEADER} is missing or is not the HMAC-SHA256 of the body"
        )
    content = webhook.parse(body)
    inbound = [
        InboundMessage(
            channel=Channel.WHATSAPP,
            body=item.body,
            external_id=item.message_id,
            contact=ContactPoint.parse(ContactKind.WHATSAPP, item.wa_id),
            customer_name=item.name,
            sent_at=item.sent_at,
        )
        for item in content.messages
    ]
    actor = messaging.channel_actor(Channel.WHATSAPP)
    results = await store_all(context, actor, inbound)
    for item, result in zip(content.messages, results, strict=True):
        if item.media:
            await run_in_threadpool(
                messaging.record_media,
                context.uow_factory,
                message_id=result.message_id,
                channel=Channel.WHATSAPP,
                media=item.media,
            )
    if content.statuses:
        await run_in_threadpool(
            messaging.record_statuses,
            context.uow_factory,
            channel=Channel.WHATSAPP,
            updates=content.statuses,
        )
    duplicates = sum(result.duplicate for result in results)
    log.info(
        "whatsapp webhook: %d messages (%d repeated), %d statuses, %d skipped",
        len(results),
        duplicates,
        len(content.statuses),
        content.skipped,
    )
    return JSONResponse(
        {
            "received": len(results) - duplicates,
            "duplicates": duplicates,
            "statuses": len(content.statuses),
            "skipped": content.skipped,
        }
    )
