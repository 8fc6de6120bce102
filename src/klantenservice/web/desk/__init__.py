"""The agent desk: server-rendered pages (Jinja2 + htmx) under ``/desk``.

    app.py      create_desk_app: the sub-application mounted at /desk, its error pages
    session.py  the session cookie, the CSRF check, LoginRequired
    pages.py    rendering: language, shared context, HTML responses
    login.py    /desk/login, /desk/logout, /desk/language
    inbox.py    /desk/ (inbox with filters), /desk/next, /desk/presence
    filters.py  the inbox's query parameters
    case.py     /desk/cases/{id}
    labels.py   display names of domain values (gettext msgids)
    errors.py   errors as pages; security headers

See docs/subsystems/desk.md.
"""
