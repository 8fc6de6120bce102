"""Rendering a desk page: the request's language, the shared context, the HTML response.

Every page gets: ``locale`` and the switch to the other language, the signed-in session
(``session``, ``csrf_token``) or None, the agent's profile for the header, ``now``, the
``labels`` of domain values, and ``htmx``: whether htmx asked for a fragment. Routes add what
their page shows and call ``Pages.render``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from klantenservice.domain.permissions import Permission, has_permission
from klantenservice.domain.vocabulary import Role
from klantenservice.services.promises import PromiseStatus
from klantenservice.web import i18n
from klantenservice.web.deps import Now
from klantenservice.web.desk import labels
from klantenservice.web.templating import Templates

LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}  # each in its own language


@dataclass(frozen=True, slots=True)
class PromiseSummary:
    """What a list row shows of a case's promises: the worst state and its instant."""

    state: str | None
    due_at: datetime | None


def promise_summary(status: PromiseStatus) -> PromiseSummary:
    """The worst clock's state; its due instant (for a breach: when it was breached)."""
    state = status.worst_state
    instants = [c.due_at for c in status.clocks if c.state.value == state and c.due_at]
    return PromiseSummary(state, min(instants, default=status.next_due_at))


def may_supervise(roles: Iterable[Role | str]) -> bool:
    """Whether the header links the supervisor view (the service checks again)."""
    return has_permission(roles, Permission.QUEUE_SUPERVISE)


def request_locale(request: Request) -> str:
    return i18n.negotiate(
        request.cookies.get(i18n.LANGUAGE_COOKIE), request.headers.get("accept-language")
    )


def is_htmx(request: Request) -> bool:
    """An htmx request for a fragment (a history restore wants the whole page)."""
    headers = request.headers
    return (
        headers.get("hx-request") == "true" and headers.get("hx-history-restore-request") != "true"
    )


def language_switch(request: Request, locale: str) -> list[dict[str, str]]:
    back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return [
        {
            "code": code,
            "name": LANGUAGE_NAMES[code],
            "url": f"/desk/language?{urlencode({'to': code, 'next': back})}",
        }
        for code in i18n.LOCALES
        if code != locale
    ]


@dataclass(frozen=True, slots=True)
class Pages:
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
        merged = {
            "session": None,
            "csrf_token": None,
            "profile": None,
            "notice": None,
            **self.context,
            **values,
        }
        body = self.templates.render(self.locale, name, merged)
        return HTMLResponse(body, status_code=status, headers=dict(headers or {}))


def pages_for(request: Request, now: datetime | None = None) -> Pages:
    templates: Templates = request.app.state.templates
    locale = request_locale(request)
    context = {
        "labels": labels.ALL,
        "promise_summary": promise_summary,
        "languages": language_switch(request, locale),
        "htmx": is_htmx(request),
        "path": request.url.path,
        "now": now,
        "may_supervise": may_supervise,
    }
    return Pages(request, templates, locale, context)


async def get_pages(request: Request, now: Now) -> Pages:
    return pages_for(request, now)


PageRenderer = Annotated[Pages, Depends(get_pages)]
