"""The customer portal: server-rendered pages (Jinja2 + htmx) under ``/portal``.

    app.py        create_portal_app: the sub-application mounted at /portal
    config.py     what is built once from the settings: verifier, policy, demo bank
    session.py    the session and sign-in cookies, the CSRF check, SignInRequired
    pages.py      rendering: language, shared context, HTML responses
    sign_in.py    /portal/sign-in, /portal/sso (the bank's assertion), /portal/sign-out,
                  /portal/language
    demo_bank.py  /portal/demo-sign-in: a stand-in for the bank's online banking (demo only)
    cases.py      /portal/ (my cases), /portal/cases/{id}, replying
    questions.py  /portal/new: the web form that opens a case
    forms.py      a form as the page shows it: values, problems, its one-time id
    labels.py     what the customer sees things called (gettext msgids)
    errors.py     errors as pages

See docs/subsystems/portal.md.
"""
