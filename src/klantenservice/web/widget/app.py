"""The widget's two sub-applications: ``/chat`` (chat page, start, socket) and ``/demo``.

Sub-applications, like the desk, so their errors stay theirs (JSON for the start call) and
the hub (``hub.py``) lives on the chat app's state. Both share the API's ``AppContext``.
"""

from __future__ import annotations

from fastapi import FastAPI

from klantenservice.domain.chat import StartLimits
from klantenservice.web import errors, i18n
from klantenservice.web.deps import AppContext
from klantenservice.web.templating import Templates
from klantenservice.web.widget import pages, socket
from klantenservice.web.widget.hub import ChatHub


def _sub_app(context: AppContext, templates: Templates) -> FastAPI:
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.context = context
    app.state.templates = templates
    errors.install(app)
    return app


def mount_widget(app: FastAPI, context: AppContext) -> None:
    """Mount ``/chat`` and ``/demo`` on the main application."""
    templates = Templates(i18n.load_translations(), timezone=context.settings.timezone)
    chat = _sub_app(context, templates)
    chat.state.hub = ChatHub(context)
    settings = context.settings  # chat starts per client address:
    chat.state.start_limits = StartLimits(settings.chat_start_burst, settings.chat_starts_per_hour)
    chat.include_router(pages.router)
    chat.include_router(socket.router)
    demo = _sub_app(context, templates)
    demo.include_router(pages.demo_router)
    app.mount("/chat", chat, name="chat")
    app.mount("/demo", demo, name="demo")
