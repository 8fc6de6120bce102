"""The desk as a sub-application mounted at ``/desk``.

A separate application rather than a router of the API app, so that its errors are pages
(``desk/errors.py``) while the API's stay JSON (``web/errors.py``), without either handler
looking at the path. It shares the API's ``AppContext`` (database, clock, credentials,
settings) through ``app.state.context``, so ``web/deps.py`` works in both.
"""

from __future__ import annotations

from fastapi import FastAPI

from klantenservice.web import i18n
from klantenservice.web.deps import AppContext
from klantenservice.web.desk import (
    attachments,
    case,
    case_actions,
    case_handover,
    customer_matches,
    errors,
    inbox,
    incidents,
    login,
    supervisor,
)
from klantenservice.web.desk.case_render import TextRefused, on_text_refused
from klantenservice.web.templating import Templates


def create_desk_app(context: AppContext, templates: Templates | None = None) -> FastAPI:
    desk = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    desk.state.context = context
    desk.state.templates = templates or Templates(
        i18n.load_translations(), timezone=context.settings.timezone
    )
    errors.install(desk)
    desk.add_exception_handler(TextRefused, on_text_refused)
    for router in (login.router, inbox.router, case.router):
        desk.include_router(router)
    for router in (case_actions.router, case_handover.router):
        desk.include_router(router)
    desk.include_router(supervisor.router)
    desk.include_router(incidents.router)  # incident mode: declare, end, report
    desk.include_router(customer_matches.router)  # the case page's customer-match panel
    desk.include_router(attachments.router)  # opening what a customer attached
    return desk
