"""A demo bank: ``klantenservice demo`` builds it, tests use it, people click through it.

    standard.py   the standard configuration (also seeded by ``klantenservice init``)
    people.py     teams, agents, staff logins, generated customers
    intents.py    what customers ask about (nl/en templates); texts.py: shared wording
    plan.py       a case's history as timed steps; timeline.py: spread over customers
    scenarios.py  the PRODUCT.md scenarios as named customers and cases
    runner.py     executes the steps through the services, in time order
    data.py       ``build_demo_database``: all of the above into a fresh SQLite file

The demo sits beside web/ and workers/ in the layers (pyproject.toml): it uses services and
adapters, and nothing imports it but the CLI and its tests.
"""

from klantenservice.demo.data import DEFAULT_SEED, DemoResult, build_demo_database

__all__ = ["DEFAULT_SEED", "DemoResult", "build_demo_database"]
