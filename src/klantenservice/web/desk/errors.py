"""Errors of the desk as pages a person can act on, and the desk's response headers.

    LoginRequired, AuthenticationFailed   303 to /desk/login?next=... (htmx: HX-Redirect)
    CsrfRejected                          403 "reload the page and try again"
    other DomainError                     its status (web/errors.DOMAIN_STATUS), a translated
                                          headline and the service's own explanation
    bad query/form (RequestValidation)    422, naming the fields
    404 / 405                             a translated page
    anything else                         500, logged without message (web/errors.py)

For htmx requests the body is the message as plain text: htmx does not swap error answers,
``static/desk.js`` shows the text in the page's alert region. Service messages are English
(they are the API's too); the headline above them is translated, and the detail is marked
``lang="en"`` so a screen reader pronounces it right.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from klantenservice.domain import errors as domain
from klantenservice.web import csrf
from klantenservice.web.desk.labels import N_
from klantenservice.web.desk.pages import is_htmx, pages_for
from klantenservice.web.desk.session import LoginRequired, clear_session_cookie, login_url
from klantenservice.web.errors import UnexpectedErrors, describe_problems, status_of

HEADLINES: dict[int, str] = {
    403: N_("You may not do this"),
    404: N_("Not found"),
    405: N_("This page cannot be used this way"),
    409: N_("This cannot be done now"),
    422: N_("Something in the request is not valid"),
}
DEFAULT_HEADLINE = N_("The request could not be handled")
CSRF_MESSAGE = N_(
    "This form has expired or was not sent from this site, so nothing was changed. "
    "Reload the page and try again."
)
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "cache-control": "no-store",  # pages show customer data: never kept by browser or proxy
}


def error_page(
    request: Request, status: int, detail: str | None, *, headline: str | None = None
) -> Response:
    pages = pages_for(request)
    title = pages.gettext(headline or HEADLINES.get(status, DEFAULT_HEADLINE))
    if is_htmx(request):
        text = title if detail is None else f"{title}: {detail}"
        return PlainTextResponse(text, status_code=status)
    return pages.render("desk/error.html", status, title=title, detail=detail)


async def on_login_required(request: Request, error: Exception) -> Response:
    expired = isinstance(error, domain.AuthenticationFailed) or (
        isinstance(error, LoginRequired) and error.expired
    )
    target = login_url(request, expired=expired)
    response: Response
    if request.headers.get("hx-request") == "true":
        response = Response(status_code=200, headers={"HX-Redirect": target})
    else:
        response = RedirectResponse(target, status_code=303)
    if expired:
        clear_session_cookie(response, request.app.state.context.settings)
    return response


async def on_domain_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, domain.DomainError)
    if isinstance(error, domain.AuthenticationFailed):
        return await on_login_required(request, error)
    if isinstance(error, csrf.CsrfRejected):
        return error_page(request, 403, None, headline=CSRF_MESSAGE)
    return error_page(request, status_of(error), error.message)


async def on_validation(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    return error_page(request, 422, describe_problems(error.errors()))


async def on_http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    return error_page(request, error.status_code, None)


class SecurityHeaders:
    """Adds ``SECURITY_HEADERS`` to every desk response that does not set them itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [
                    (name.encode(), value.encode())
                    for name, value in SECURITY_HEADERS.items()
                    if name.encode() not in present
                ]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)


# A bare bilingual 500 page for UnexpectedErrors (web/errors.py), which logs the error
# without its message.
UNEXPECTED_PAGE = (
    '<!doctype html><html lang="nl"><meta charset="utf-8"><title>500</title>'
    "<main><h1>Er ging iets mis</h1><p>De fout is vastgelegd. Probeer het opnieuw.</p>"
    '<h2 lang="en">Something went wrong</h2><p lang="en">The error has been logged. '
    "Please try again.</p></main></html>"
)


def unexpected_page() -> Response:
    return Response(UNEXPECTED_PAGE, status_code=500, media_type="text/html")


def install(app: FastAPI) -> None:
    app.add_exception_handler(LoginRequired, on_login_required)
    app.add_exception_handler(domain.DomainError, on_domain_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(HTTPException, on_http_error)
    app.add_middleware(UnexpectedErrors, answer=unexpected_page)
    app.add_middleware(SecurityHeaders)
