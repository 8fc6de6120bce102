"""The intake endpoint ``POST /api/v1/messages/inbound``: the hot path, served beside FastAPI.

Integrations (channel connectors, the bank's own systems) deliver every customer message here;
it is the one endpoint whose throughput matters (bench/intake.py). A request costs about
80 µs in FastAPI's machinery alone (its middleware stack, matching the path against every
route, solving dependencies, scope bookkeeping), more than the rest of the web work. So the
application (``web/app.py: KlantenserviceAPI``) answers this one method and path before
FastAPI's stack, through the same size limit and 500 handler as every other request:

    KlantenserviceAPI ─┬─ POST /api/v1/messages/inbound ─► RequestSizeLimit ─► UnexpectedErrors
                       │      ─► endpoint(): token, header, body ─► GroupCommitter.submit
                       └─ anything else ─► FastAPI (its middleware, routes, this module's route)

``handle`` is also what the FastAPI route below calls, so there is one implementation; the
route exists for the OpenAPI document (body, header, answers) and is what answers when the
fast path is not installed. Errors are answered by the same handlers as everywhere
(``web/errors.py``): a DomainError, a body that fails validation, a missing or revoked token
give the same JSON error with the same status as any other endpoint.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request, Response, status
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from klantenservice.domain.cases import format_reference
from klantenservice.domain.errors import DomainError, ValidationError
from klantenservice.services.inbound import IntakeRequest, IntakeResult
from klantenservice.services.ports import Unavailable
from klantenservice.web import errors, json_body
from klantenservice.web.deps import AppContext, token_of
from klantenservice.web.schemas.messages import InboundIn, IntakeOut

PATH = "/api/v1/messages/inbound"
_JSON_TYPE = json_body.JSON.encode()
IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_IDEMPOTENCY_KEY = 255

router = APIRouter(tags=["messages"])

# The route reads its body and header itself (web/json_body.py); this documents them.
INTAKE_OPENAPI: dict[str, Any] = {
    "security": [{"HTTPBearer": []}, {"APIKeyCookie": []}],
    "parameters": [
        {
            "name": IDEMPOTENCY_HEADER,
            "in": "header",
            "required": False,
            "schema": {"type": "string", "maxLength": MAX_IDEMPOTENCY_KEY},
            "description": "used as external_id when the body has none: a retry stores nothing new",
        }
    ],
    "requestBody": json_body.openapi_of(InboundIn),
}


async def handle(request: Request) -> tuple[int, bytes]:
    """Check the request, queue the message for the next group commit: status and JSON body."""
    token = await token_of(request)
    body = await json_body.parse(request, InboundIn)
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is not None and not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY:
        raise ValidationError(f"{IDEMPOTENCY_HEADER} must be 1 to {MAX_IDEMPOTENCY_KEY} characters")
    context: AppContext = request.app.state.context
    inbound = body.to_domain(idempotency_key=key)
    result = await context.intake_writer.submit(IntakeRequest(inbound, token=token))
    code = status.HTTP_200_OK if result.duplicate else status.HTTP_201_CREATED
    return code, _answer(result)


def _answer(result: IntakeResult) -> bytes:
    """``IntakeOut`` as JSON, written directly (the model documents it; a test compares)."""
    return orjson.dumps(
        {
            "message_id": result.message_id,
            "case_id": result.case_id,
            "case_reference": format_reference(result.case_id),
            "customer_id": result.customer_id,
            "duplicate": result.duplicate,
            "case_created": result.case_created,
            "reopened": result.reopened,
            "assigned_agent_id": result.assigned_agent_id,
            "routing": list(result.routing),
            "promise_due_at": result.promise_due_at,
        },
        option=orjson.OPT_UTC_Z,  # "…T13:00:00Z", as pydantic writes it
    )


@router.post(
    "/messages/inbound",
    status_code=status.HTTP_201_CREATED,
    response_model=IntakeOut,
    responses={200: {"model": IntakeOut, "description": "already received (duplicate)"}},
    openapi_extra=INTAKE_OPENAPI,
)
async def receive_inbound(request: Request) -> Response:
    """Store a customer's message, thread it into a case, route it and start its clocks.

    Idempotent on ``(channel, external_id)``: a repeat answers 200 with ``duplicate: true``
    and the ids of the first delivery.

    Concurrent requests are written together, one transaction per batch (group commit); the
    token is checked inside that transaction, so a revoked token is refused at once.
    """
    code, body = await handle(request)
    return Response(body, code, media_type=json_body.JSON)


def is_intake(scope: Scope) -> bool:
    return bool(scope["type"] == "http" and scope["path"] == PATH and scope["method"] == "POST")


async def endpoint(scope: Scope, receive: Receive, send: Send) -> None:
    """The intake as a bare ASGI app; errors answered by the app's own handlers."""
    request = Request(scope, receive)
    try:
        code, body = await handle(request)
    except DomainError as error:
        response = await errors.on_domain_error(request, error)
    except RequestValidationError as error:
        response = await errors.on_request_validation(request, error)
    except HTTPException as error:  # 413 from the size limit's counting receive
        response = await errors.on_http_error(request, error)
    except Unavailable as error:  # the intake writer process died: retry
        response = await errors.on_unavailable(request, error)
    else:  # what Response(body, code, media_type=JSON) sends, without building one
        headers = [(b"content-length", b"%d" % len(body)), (b"content-type", _JSON_TYPE)]
        await send({"type": "http.response.start", "status": code, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        return
    await response(scope, receive, send)


def fast_path(*, max_request_bytes: int = errors.MAX_REQUEST_BYTES) -> ASGIApp:
    """``endpoint`` behind the same size limit and 500 handler as the rest of the app."""
    return errors.RequestSizeLimit(errors.UnexpectedErrors(endpoint), limit=max_request_bytes)
