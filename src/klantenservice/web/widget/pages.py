"""The widget's pages: the chat page inside the iframe, starting a chat, the demo bank.

    GET  /chat/?lang=nl      the chat page the embed script puts in its iframe
    POST /chat/api/start     {name?, email?, language} -> {token, reference}; same origin only
    GET  /demo/bank          "Polderbank", a fictional bank's page that embeds the widget

The chat page sets no cookie and reads none: the chat's token lives in the iframe's
``sessionStorage`` (one browser tab), so nothing of ours lands in the bank's cookies and a
third-party-cookie block changes nothing. Its Content-Security-Policy allows only our own
scripts and connections, and framing only by the sites in ``KS_CHAT_EMBED_ORIGINS``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from klantenservice.domain.chat import MAX_CHAT_MESSAGE_CHARS, MAX_NAME_CHARS, StartLimits
from klantenservice.domain.errors import PermissionDenied, TooManyRequests
from klantenservice.domain.vocabulary import Language
from klantenservice.services import chat as chat_service
from klantenservice.services import incidents
from klantenservice.web import i18n
from klantenservice.web.deps import AppContext
from klantenservice.web.templating import Templates
from klantenservice.web.widget.socket import same_origin

router = APIRouter()
demo_router = APIRouter()

LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}
BASE_POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "form-action 'self'"
)
PRIVATE = {"cache-control": "no-store", "x-content-type-options": "nosniff"}


def page_locale(request: Request, lang: str | None) -> str:
    """``?lang=`` (the embed script passes the page's or browser's language), else the
    browser's Accept-Language, else Dutch."""
    return i18n.supported(lang) or i18n.negotiate(None, request.headers.get("accept-language"))


def render(
    request: Request, locale: str, name: str, frame_ancestors: str, **values: Any
) -> HTMLResponse:
    templates: Templates = request.app.state.templates
    body = templates.render(locale, name, values)
    headers = {
        **PRIVATE,
        "content-security-policy": f"{BASE_POLICY}; frame-ancestors {frame_ancestors}",
        "referrer-policy": "same-origin",
    }
    return HTMLResponse(body, headers=headers)


LangQuery = Annotated[str | None, Query(max_length=20)]


@router.get("/")
def chat_page(request: Request, lang: LangQuery = None) -> HTMLResponse:
    context: AppContext = request.app.state.context
    locale = page_locale(request, lang)
    ancestors = " ".join(["'self'", *context.settings.chat_embed_origins])
    other = [code for code in i18n.LOCALES if code != locale]
    return render(
        request,
        locale,
        "widget/chat.html",
        ancestors,
        languages=[{"code": code, "name": LANGUAGE_NAMES[code]} for code in other],
        max_chars=MAX_CHAT_MESSAGE_CHARS,
        max_name=MAX_NAME_CHARS,
        transcripts=bool(context.settings.smtp_host),
        incident_notices=incidents.notices(context.uow_factory),  # the banner: public
    )


class StartIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="", max_length=MAX_NAME_CHARS)
    email: str | None = Field(default=None, max_length=320)
    language: Language = Language.NL


@router.post("/api/start", status_code=201)
async def start(request: Request, body: StartIn) -> JSONResponse:
    """A new chat; only our own chat page may ask (``Origin``), and it gets the token once."""
    if not same_origin(request):
        raise PermissionDenied("chats are started from the chat page of this server")
    context: AppContext = request.app.state.context
    limits: StartLimits = request.app.state.start_limits
    address = request.client.host if request.client else "unknown"
    if not limits.allow(address, context.clock.now()):
        raise TooManyRequests("too many chats started from this address; try again later")
    started = await run_in_threadpool(
        chat_service.start_chat,
        context.uow_factory(),
        start=chat_service.ChatStart(
            name=body.name, email=(body.email or "").strip() or None, language=body.language
        ),
        now=context.clock.now(),
        credentials=context.credentials,
        lifetime=timedelta(hours=context.settings.chat_token_hours),
        queue_name=context.settings.chat_queue,
    )
    return JSONResponse(
        {"token": started.token, "reference": started.reference}, status_code=201, headers=PRIVATE
    )


@demo_router.get("/bank")
def demo_bank(request: Request, lang: LangQuery = None) -> HTMLResponse:
    locale = page_locale(request, lang)
    other = [code for code in i18n.LOCALES if code != locale]
    return render(
        request,
        locale,
        "widget/bank.html",
        "'none'",
        languages=[{"code": code, "name": LANGUAGE_NAMES[code]} for code in other],
    )
