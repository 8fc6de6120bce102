"""``X-Twilio-Signature``: every voice webhook is checked before anything is read or stored.

Twilio signs the exact URL it requested plus the sorted POST parameters with the account's
auth token (HMAC-SHA1, or HMAC-SHA256 when the ``X-Twilio-Webhooks-Signature-Settings`` header
says so). Behind a proxy the URL this process sees is not the one Twilio called, so the URL is
rebuilt from the configured ``KS_PUBLIC_BASE_URL`` and the request's path and query. The check
itself is the ``twilio`` package's ``RequestValidator``: the tests sign with the same code.
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import Request
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from twilio.request_validator import (
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    get_signature_algorithm,
)

from klantenservice.domain.errors import PermissionDenied, ValidationError
from klantenservice.web.deps import AppContext

MAX_PARAMETER_CHARS = 2000  # Twilio's longest (SpeechResult) is far below; refuse junk early


def public_url(context: AppContext, request: Request) -> str:
    query = request.url.query
    base = context.settings.public_base_url.rstrip("/")
    return f"{base}{request.url.path}" + (f"?{query}" if query else "")


async def signed_form(request: Request) -> Mapping[str, str]:
    """The POST parameters of a request Twilio signed; refuses anything else, stores nothing."""
    context: AppContext = request.app.state.context
    token = context.settings.twilio_auth_token
    if not token:  # no request can be trusted, so none is accepted
        raise HTTPException(503, "the phone channel is not configured (KS_TWILIO_AUTH_TOKEN)")
    form: FormData = await request.form()
    signature = request.headers.get(SIGNATURE_HEADER, "")
    algorithm = get_signature_algorithm(request.headers.get(SIGNATURE_SETTINGS_HEADER))
    if not signature or not RequestValidator(token).validate(
        public_url(context, request), form, signature, algorithm=algorithm
    ):
        raise PermissionDenied("the X-Twilio-Signature of this request is not valid")
    params = {key: value for key, value in form.items() if isinstance(value, str)}
    if any(len(value) > MAX_PARAMETER_CHARS for value in params.values()):
        raise ValidationError(f"a parameter is over {MAX_PARAMETER_CHARS} characters")
    return params


def required(params: Mapping[str, str], name: str) -> str:
    value = params.get(name, "").strip()
    if not value:
        raise ValidationError(f"the webhook has no {name}")
    return value
