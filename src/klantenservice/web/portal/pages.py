"""Rendering a portal page: the request's language, the shared context, the HTML response.

Every page gets ``locale`` and the switch to the other language, the bank's name, the signed-in
customer (``signed``) and the session's ``csrf_token`` or None, the ``labels`` of what the
customer sees, ``path``, ``now`` and ``htmx`` (whether htmx asked for a fragment). Routes add
what their page shows and call ``PortalPages.render``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from klantenservice.services import incidents
from klantenservice.web import i18n
from klantenservice.web.deps import Now
from klantenservice.web.desk.pages import LANGUAGE_NAMES, is_htmx, request_locale
from klantenservice.web.portal import labels
from klantenservice.web.templating import Templates


def language_switch(request: Request, locale: str) -> list[dict[str, str]]:
    back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return [
        {
            "code": code,
            "name": LANGUAGE_NAMES[code],
            "url": f"/portal/language?{urlencode({'to': code, 'next': back})}",
        }
        for code in i18n.LOCALES
        if code != locale
    ]


@dataclass(frozen=True, slots=True)
class PortalPages:
    request: Request
    templates: Templates
    locale: str
    context: Mapping[str, Any]

    def gettext(self, message: str) -> str:
        return self.templates.gettext(self.locale, message)

    def render(
        self,
        name: str,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        **values: Any,
    ) -> HTMLResponse:
        merged = {"signed": None, "csrf_token": None, "notice": None, **self.context, **values}
        body = self.templates.render(self.locale, name, merged)
        return HTMLResponse(body, status_code=status, headers=dict(headers or {}))


def portal_pages_for(request: Request, now: datetime | None = None) -> PortalPages:
    templates: Templates = request.app.state.templates
    locale = request_locale(request)
    context = {
        "labels": labels.ALL,
        "languages": language_switch(request, locale),
        "bank_name": request.app.state.context.settings.portal_bank_name,
        "htmx": is_htmx(request),
        "path": request.url.path,
        "now": now,
    }
    return PortalPages(request, templates, locale, context)


async def get_portal_pages(request: Request, now: Now) -> PortalPages:
    pages = portal_pages_for(request, now)
    uow_factory = request.app.state.context.uow_factory
    banners = await run_in_threadpool(incidents.notices, uow_factory)  # public: messages only
    return replace(pages, context={**pages.context, "incident_notices": banners})


Pages = Annotated[PortalPages, Depends(get_portal_pages)]
