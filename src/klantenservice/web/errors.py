"""Errors over HTTP: one body shape, one mapping, no tracebacks.

Every error answer is ``{"error": <code>, "message": <text for a person>}``:

    DomainError (domain/errors.py)    status from DOMAIN_STATUS below, code = error.code
    RequestValidationError            422 "invalid", message names the fields
        malformed JSON                400 "malformed_json"
        a body that is not JSON       415 "unsupported_media_type"
    HTTPException (404 route, 405)    its status, code from HTTP_CODES
    request body over the limit       413 "too_large"     (RequestSizeLimit, before parsing)
    Unavailable (services/ports.py)   503 "unavailable"   with Retry-After (the intake writer
                                                           process restarting)
    anything else                     500 "internal"      (UnexpectedErrors; logged without
                                                           message text, body or parameters)

The limit on the raw request (``MAX_REQUEST_BYTES``, 2 MB) is above the domain's 1 MB limit
on a message body, so a slightly too long message is refused with the domain's explanation
(422) and only absurd requests are cut off unread (413).
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from klantenservice.domain import errors as domain
from klantenservice.services.ports import Unavailable

logger = logging.getLogger("klantenservice.web")

MAX_REQUEST_BYTES = 2_000_000
MAX_LISTED_ERRORS = 5

DOMAIN_STATUS: tuple[tuple[type[domain.DomainError], int], ...] = (
    (domain.ValidationError, 422),
    (domain.NotFound, 404),
    (domain.PermissionDenied, 403),
    (domain.AuthenticationFailed, 401),
    (domain.InvalidTransition, 409),
    (domain.Conflict, 409),
    (domain.TooManyRequests, 429),
)
HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
}


def error_response(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status, headers=headers)


def status_of(error: domain.DomainError) -> int:
    return next((status for kind, status in DOMAIN_STATUS if isinstance(error, kind)), 400)


async def on_domain_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, domain.DomainError)
    status = status_of(error)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return error_response(status, error.code, error.message, headers)


async def on_request_validation(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    problems = error.errors()
    malformed = next((p for p in problems if p.get("type") == "json_invalid"), None)
    if malformed is not None:
        return error_response(400, "malformed_json", _malformed_message(malformed))
    body_problem = any(tuple(p.get("loc", ())) == ("body",) for p in problems)
    if body_problem and not _is_json(request.headers.get("content-type")):
        return error_response(415, "unsupported_media_type", NOT_JSON)
    return error_response(422, "invalid", describe_problems(problems))


NOT_JSON = "send the request body as JSON with the header Content-Type: application/json"


def _is_json(content_type: str | None) -> bool:
    media = (content_type or "").split(";")[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def _malformed_message(problem: dict[str, Any]) -> str:
    loc = problem.get("loc", ())
    position = loc[1] if len(loc) > 1 else "?"
    reason = problem.get("ctx", {}).get("error", "not valid JSON")
    return f"malformed JSON in the request body at character {position}: {reason}"


def describe_problems(problems: Sequence[Any]) -> str:
    """``body.channel: Input should be 'chat', 'email', ...; query.limit: ...``.

    Names the place and the rule only: the offending input is not echoed (it may be a
    message body or personal data).
    """
    parts = [
        f"{'.'.join(str(part) for part in p.get('loc', ())) or 'request'}: {p.get('msg')}"
        for p in problems[:MAX_LISTED_ERRORS]
    ]
    more = len(problems) - MAX_LISTED_ERRORS
    if more > 0:
        parts.append(f"and {more} more")
    return "; ".join(parts) or "the request is not valid"


async def on_unavailable(_request: Request, error: Exception) -> JSONResponse:
    """503: a retry soon is expected to work (the message says what was not running)."""
    return error_response(503, "unavailable", str(error), {"Retry-After": "1"})


async def on_http_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    code = HTTP_CODES.get(error.status_code, "http_error")
    message = error.detail if isinstance(error.detail, str) else code.replace("_", " ")
    if error.status_code == 404 and message == "Not Found":
        message = "no such endpoint; the API is described at /docs"
    return error_response(error.status_code, code, message, error.headers)


class RequestTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit} bytes")


class RequestSizeLimit:
    """Refuse request bodies over ``limit`` bytes: by Content-Length up front, else counted.

    A streamed (chunked) body is counted while the route reads it; passing the limit raises
    ``RequestTooLarge``, which FastAPI lets through body parsing to ``on_http_error``.
    """

    def __init__(self, app: ASGIApp, *, limit: int = MAX_REQUEST_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.limit:
            response = error_response(413, "too_large", RequestTooLarge(self.limit).detail)
            await response(scope, receive, send)
            return
        if declared is not None:
            await self.app(scope, receive, send)  # the server stops at Content-Length
            return
        await self.app(scope, self._counting(receive), send)

    def _counting(self, receive: Receive) -> Receive:
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise RequestTooLarge(self.limit)
            return message

        return counted


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class UnexpectedErrors:
    """Turn an unexpected exception into a bare 500 and log it without its message.

    Exception messages can carry data (a database error quotes its parameters: message
    bodies, e-mail addresses), so the log has the type, the request line and the stack
    frames only; the client gets no detail at all. ``answer`` makes the 500 response (JSON
    for the API; the desk passes its HTML page).
    """

    def __init__(self, app: ASGIApp, answer: Callable[[], Response] | None = None) -> None:
        self.app = app
        self.answer = answer or _internal_error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as error:  # the last line of defence: log, answer 500
            log_unexpected(scope, error)
            if started:
                raise RuntimeError("response failed after it started") from None
            await self.answer()(scope, receive, send)


def _internal_error() -> Response:
    return error_response(500, "internal", "an unexpected error occurred; it has been logged")


def log_unexpected(scope: Scope, error: BaseException) -> None:
    frames = "".join(traceback.format_tb(error.__traceback__))
    logger.error(
        "unexpected %s on %s %s\n%s",
        type(error).__qualname__,
        scope.get("method"),
        scope.get("path"),
        frames,
    )


def install(app: FastAPI, *, max_request_bytes: int = MAX_REQUEST_BYTES) -> None:
    """Register the handlers and the two middlewares (size limit outermost)."""
    app.add_exception_handler(domain.DomainError, on_domain_error)
    app.add_exception_handler(RequestValidationError, on_request_validation)
    app.add_exception_handler(HTTPException, on_http_error)
    app.add_exception_handler(Unavailable, on_unavailable)
    app.add_middleware(UnexpectedErrors)
    app.add_middleware(RequestSizeLimit, limit=max_request_bytes)
