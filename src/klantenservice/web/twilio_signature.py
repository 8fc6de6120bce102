"""``X-Twilio-Signature``, shared by the SMS and the voice webhooks.

Twilio signs the exact URL it requested plus the sorted POST parameters with the account's
auth token (HMAC-SHA1, or HMAC-SHA256 when the ``X-Twilio-Webhooks-Signature-Settings`` header
says so). Behind a proxy the URL this process sees is not the one Twilio called, so the URL is
rebuilt from the configured ``KS_PUBLIC_BASE_URL`` and the request's path and query. The check
itself is the ``twilio`` package's ``RequestValidator``: the tests sign with the same code.
What a failed check answers is the caller's choice (``webhooks/sms.py``, ``voice/signature.py``).
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import Request
from starlette.datastructures import FormData
from twilio.request_validator import (
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    get_signature_algorithm,
)

from klantenservice.domain.errors import ValidationError
from klantenservice.web.deps import AppContext


def public_url(context: AppContext, request: Request) -> str:
    """The URL Twilio called: ``KS_PUBLIC_BASE_URL`` + this request's path and query."""
    query = request.url.query
    base = context.settings.public_base_url.rstrip("/")
    return f"{base}{request.url.path}" + (f"?{query}" if query else "")


def signature_valid(request: Request, form: FormData, token: str) -> bool:
    """Does the request's signature sign its public URL and ``form`` with ``token``?"""
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not signature:
        return False
    context: AppContext = request.app.state.context
    algorithm = get_signature_algorithm(request.headers.get(SIGNATURE_SETTINGS_HEADER))
    validator = RequestValidator(token)
    return bool(
        validator.validate(public_url(context, request), form, signature, algorithm=algorithm)
    )


def text_params(form: FormData) -> dict[str, str]:
    """The form's text fields (Twilio sends no files to these webhooks)."""
    return {key: value for key, value in form.items() if isinstance(value, str)}


def required(params: Mapping[str, str], name: str) -> str:
    value = params.get(name, "").strip()
    if not value:
        raise ValidationError(f"the webhook has no {name}")
    return value
