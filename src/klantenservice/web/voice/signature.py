"""Voice webhooks are checked before anything is read or stored (``web/twilio_signature.py``).

No auth token configured: 503, since no request can be trusted. A bad signature: 403. Then the
parameters are refused early when one is longer than any Twilio sends.
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import Request
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException

from klantenservice.domain.errors import PermissionDenied, ValidationError
from klantenservice.web.deps import AppContext
from klantenservice.web.twilio_signature import signature_valid, text_params

MAX_PARAMETER_CHARS = 2000  # Twilio's longest (SpeechResult) is far below; refuse junk early


async def signed_form(request: Request) -> Mapping[str, str]:
    """The POST parameters of a request Twilio signed; refuses anything else, stores nothing."""
    context: AppContext = request.app.state.context
    token = context.settings.twilio_auth_token
    if not token:  # no request can be trusted, so none is accepted
        raise HTTPException(503, "the phone channel is not configured (KS_TWILIO_AUTH_TOKEN)")
    form: FormData = await request.form()
    if not signature_valid(request, form, token):
        raise PermissionDenied("the X-Twilio-Signature of this request is not valid")
    params = text_params(form)
    if any(len(value) > MAX_PARAMETER_CHARS for value in params.values()):
        raise ValidationError(f"a parameter is over {MAX_PARAMETER_CHARS} characters")
    return params
