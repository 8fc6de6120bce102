"""The agent desk: server-rendered pages (Jinja2 + htmx) under ``/desk``.

    app.py      create_desk_app: the sub-application mounted at /desk, its error pages
    session.py  the session cookie, the CSRF check, LoginRequired
    pages.py    rendering: language, shared context, HTML responses
    login.py    /desk/login, /desk/logout, /desk/language
    inbox.py    /desk/ (inbox with filters), /desk/next, /desk/presence
    filters.py  the inbox's query parameters
    case.py           /desk/cases/{id}: the page, its live parts, older messages
    case_actions.py   reply, internal note, take, status, priority, tags
    case_handover.py  transfer to a queue or agent, merge with confirmation
    case_render.py    the case page's parts (htmx out-of-band swaps), typed-text limits
    case_text.py      the case page's sentences: activities, why a promise stands where it does
    labels.py   display names of domain values (gettext msgids)
    errors.py   errors as pages; security headers

See docs/subsystems/desk.md.
"""
