"""The portal as a sub-application mounted at ``/portal``.

Like the desk (``web/desk/app.py``) a separate application, so its errors are pages in the
customer's language; it shares the ``AppContext`` (database, clock, credentials, settings, the
intake options). What only the portal needs is built once, from the settings
(``config.py``): the verifier of the bank's assertions, the sign-in policy and, in demos, the
demo bank.
"""

from __future__ import annotations

from fastapi import FastAPI

from klantenservice.web import i18n
from klantenservice.web.deps import AppContext
from klantenservice.web.portal import cases, errors, questions, sign_in, sos
from klantenservice.web.portal.config import portal_config
from klantenservice.web.templating import Templates


def create_portal_app(context: AppContext, templates: Templates | None = None) -> FastAPI:
    portal = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    portal.state.context = context
    portal.state.templates = templates or Templates(
        i18n.load_translations(), timezone=context.settings.timezone
    )
    portal.state.portal = portal_config(context.settings)
    errors.install(portal)
    for router in (sign_in.router, cases.router, questions.router, sos.router):
        portal.include_router(router)
    if portal.state.portal.demo is not None:
        from klantenservice.web.portal import demo_bank  # noqa: PLC0415 - demo only

        portal.include_router(demo_bank.router)
    return portal
