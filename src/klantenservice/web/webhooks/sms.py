"""``/webhooks/sms`` (inbound texts) and ``/webhooks/sms/status`` (delivery callbacks), Twilio.

    POST form-encoded, X-Twilio-Signature ─► RequestValidator over the *public* URL
         (KS_PUBLIC_BASE_URL + path + query: behind a proxy this process sees another one)
      inbound: MessageSid, From, To, Body[, NumMedia] ─► intake (idempotent on MessageSid)
               ─► STOP/START keyword recorded for From ─► 200 empty TwiML (no auto-reply)
      status:  MessageSid, MessageStatus[, ErrorCode] ─► recorded by MessageSid ─► 204

A bad signature is 401 and nothing is read further; a missing field is 422 naming it. The 2xx
comes only after everything is stored; Twilio retries otherwise, and every step is
idempotent. Logs carry no numbers or texts.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from fastapi import Request, Response
from fastapi.routing import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from twilio.request_validator import SIGNATURE_HEADER
from twilio.twiml.messaging_response import MessagingResponse

from klantenservice.domain import sms
from klantenservice.domain.customers import ContactKind, ContactPoint
from klantenservice.domain.errors import AuthenticationFailed, ValidationError
from klantenservice.domain.vocabulary import Channel
from klantenservice.services import messaging
from klantenservice.services.inbound import InboundMessage
from klantenservice.web.deps import AppContext
from klantenservice.web.twilio_signature import required, signature_valid, text_params
from klantenservice.web.webhooks.intake import store_all

log = logging.getLogger(__name__)
router = APIRouter()
PATH = "/webhooks/sms"
STATUS_PATH = "/webhooks/sms/status"
FORM_TYPE = "application/x-www-form-urlencoded"
MAX_MEDIA = 10  # Twilio's limit per MMS


async def signed_params(request: Request) -> Mapping[str, str]:
    """The form Twilio signed, or a 401 before anything is used."""
    context: AppContext = request.app.state.context
    token = context.settings.twilio_auth_token
    if not token:
        raise AuthenticationFailed("SMS is not configured here (KS_TWILIO_AUTH_TOKEN)")
    if request.headers.get("content-type", "").split(";")[0].strip() != FORM_TYPE:
        raise ValidationError(f"Twilio webhooks are {FORM_TYPE}")
    form: FormData = await request.form()
    if not signature_valid(request, form, token):
        raise AuthenticationFailed(
            f"{SIGNATURE_HEADER} is missing or does not sign this URL and these parameters"
        )
    return text_params(form)


@router.post(PATH)
async def receive(request: Request) -> Response:
    """An inbound SMS/MMS: stored through the intake; STOP/START recorded for the number."""
    context: AppContext = request.app.state.context
    params = await signed_params(request)
    sid = required(params, "MessageSid")
    phone = ContactPoint.parse(ContactKind.PHONE, required(params, "From"))
    body = params.get("Body", "").strip() or _media_label(params)
    inbound = InboundMessage(channel=Channel.SMS, body=body, external_id=sid, contact=phone)
    (result,) = await store_all(context, messaging.channel_actor(Channel.SMS), [inbound])
    change = sms.consent_change(body)
    if change is not None:
        await run_in_threadpool(
            messaging.record_consent,
            context.uow_factory,
            message_sid=sid,
            phone=phone.value,
            change=change,
            now=context.clock.now(),
        )
    log.info(
        "sms webhook: message %s%s%s",
        result.message_id,
        " (repeated)" if result.duplicate else "",
        f", consent {change.keyword}" if change else "",
    )
    return Response(str(MessagingResponse()), media_type="text/xml")


@router.post(STATUS_PATH, status_code=204)
async def status(request: Request) -> Response:
    """A delivery-status callback of a message we sent (StatusCallback of the send)."""
    context: AppContext = request.app.state.context
    params = await signed_params(request)
    sid = required(params, "MessageSid")
    state = required(params, "MessageStatus").lower()
    if state not in sms.STATUSES:
        raise ValidationError(f"MessageStatus {state!r} is not one of Twilio's statuses")
    update = messaging.StatusUpdate(
        provider_id=sid,
        status=state,
        at=context.clock.now(),  # Twilio's callback carries no time of its own
        error_code=params.get("ErrorCode") or None,
    )
    await run_in_threadpool(
        messaging.record_statuses, context.uow_factory, channel=Channel.SMS, updates=[update]
    )
    return Response(status_code=204)


def _media_label(params: Mapping[str, str]) -> str:
    """The body of a text without words: an MMS names its media (the URLs stay at Twilio)."""
    try:
        count = int(params.get("NumMedia", "0"))
    except ValueError:
        raise ValidationError("NumMedia must be a number") from None
    if not 0 < count <= MAX_MEDIA:
        raise ValidationError("the webhook has no Body and no media")
    kinds = [params.get(f"MediaContentType{index}", "media") for index in range(count)]
    return "[MMS: " + ", ".join(kinds) + "]"
