"""Errors of the portal as pages a customer can act on, in their language.

    SignInRequired                 303 to /portal/sign-in?next=... (htmx: HX-Redirect); an
                                   expired session adds a notice and clears the cookie
    CsrfRejected                   403 "this form has expired ... nothing was changed"
    CaseNotYours                   403 "you can only see your own cases" (nothing of that case)
    NotFound / 404 / 405           a translated page
    other DomainError              its status with a translated headline (the English detail,
                                   marked lang="en", only where a customer cannot cause it)
    bad path or query              422, naming the fields
    anything else                  500, logged without message (web/errors.py)

For htmx requests the body is the message as plain text, which ``static/portal.js`` shows in
the page's alert region (htmx does not swap error answers).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from klantenservice.domain import errors as domain
from klantenservice.services.portal import CaseNotYours
from klantenservice.web import csrf
from klantenservice.web.desk.errors import (
    CSRF_MESSAGE,
    DEFAULT_HEADLINE,
    HEADLINES,
    SecurityHeaders,
    unexpected_page,
)
from klantenservice.web.desk.labels import N_
from klantenservice.web.desk.pages import is_htmx
from klantenservice.web.errors import UnexpectedErrors, describe_problems, status_of
from klantenservice.web.portal.pages import portal_pages_for
from klantenservice.web.portal.session import (
    SignInRequired,
    clear_session_cookie,
    sign_in_url,
)

NOT_YOURS = N_("This case is not yours")
NOT_YOURS_TEXT = N_(
    "You can only see your own cases. Check the link, or choose a case from your list."
)
NOT_FOUND_TEXT = N_("There is no case or page at this address. Choose a case from your list.")


def error_page(
    request: Request,
    status: int,
    *,
    headline: str,
    text: str | None = None,
    detail: str | None = None,
) -> Response:
    pages = portal_pages_for(request)
    title = pages.gettext(headline)
    explanation = None if text is None else pages.gettext(text)
    if is_htmx(request):
        return PlainTextResponse(
            " ".join(part for part in (title, explanation) if part), status_code=status
        )
    return pages.render("portal/error.html", status, title=title, text=explanation, detail=detail)


async def on_sign_in_required(request: Request, error: Exception) -> Response:
    expired = isinstance(error, SignInRequired) and error.expired
    target = sign_in_url(request, expired=expired)
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
    if isinstance(error, csrf.CsrfRejected):
        return error_page(request, 403, headline=CSRF_MESSAGE)
    if isinstance(error, CaseNotYours):
        return error_page(request, 403, headline=NOT_YOURS, text=NOT_YOURS_TEXT)
    if isinstance(error, domain.NotFound):
        return error_page(request, 404, headline=HEADLINES[404], text=NOT_FOUND_TEXT)
    status = status_of(error)
    return error_page(
        request, status, headline=HEADLINES.get(status, DEFAULT_HEADLINE), detail=error.message
    )


async def on_validation(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    return error_page(
        request, 422, headline=HEADLINES[422], detail=describe_problems(error.errors())
    )


async def on_http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    if error.status_code == 404:
        return error_page(request, 404, headline=HEADLINES[404], text=NOT_FOUND_TEXT)
    return error_page(
        request, error.status_code, headline=HEADLINES.get(error.status_code, DEFAULT_HEADLINE)
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(SignInRequired, on_sign_in_required)
    app.add_exception_handler(domain.DomainError, on_domain_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(HTTPException, on_http_error)
    app.add_middleware(UnexpectedErrors, answer=unexpected_page)
    app.add_middleware(SecurityHeaders)
