"""Incident mode in a real browser: a supervisor declares an incident on the desk, and the
banner appears in the chat widget and the customer portal (in the page's language, in a
status region); axe-core finds no serious or critical violation on the three pages.

Runs on a server of its own (``run_server``): an active incident shows on every widget and
portal page, which must not change what the other browser tests see and photograph.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pytest
from playwright.sync_api import Browser, Page, expect
from tests.browser.conftest import ServerRunner
from tests.browser.seed import PASSWORD, system_now
from tests.browser.support import assert_accessible, screenshot, seeded_server, visitor_page

from klantenservice.adapters.credentials import Argon2Credentials
from klantenservice.adapters.db.engine import make_engine
from klantenservice.adapters.db.schema import upgrade_to_head
from klantenservice.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from klantenservice.adapters.security import fast_hasher
from klantenservice.demo.standard import seed_standard_configuration
from klantenservice.domain.vocabulary import Role
from klantenservice.services import auth
from klantenservice.services.ports import SYSTEM, UnitOfWorkFactory

SUPERVISOR = "sanne@bank.example"
NL = "Storing: inloggen in de app lukt nu niet. Wij werken aan een oplossing."
EN = "Outage: logging in to the app does not work right now. We are working on it."


def _seed(database_url: str) -> None:
    upgrade_to_head(database_url)
    engine = make_engine(database_url, sqlite_synchronous="OFF")
    try:
        uow = cast(UnitOfWorkFactory, SqlUnitOfWorkFactory(engine))
        now = system_now()
        seed_standard_configuration(uow, now=now, timezone="Europe/Amsterdam", holiday_country="NL")
        auth.create_staff_user(
            uow(), actor=SYSTEM, email=SUPERVISOR, name="Sanne Smit", password=PASSWORD,
            roles=frozenset({Role.SUPERVISOR}), now=now,
            credentials=Argon2Credentials(fast_hasher()),
        )  # fmt: skip
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def incident_server(
    run_server: ServerRunner, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    workdir = tmp_path_factory.mktemp("incident-server")
    with seeded_server(run_server, workdir, _seed) as url:
        yield url


@pytest.fixture
def visitor(browser: Browser, incident_server: str) -> Iterator[Page]:
    with visitor_page(browser, incident_server) as page:
        yield page


def declare_as_supervisor(page: Page) -> None:
    page.goto("/desk/login")
    page.get_by_label("E-mailadres").fill(SUPERVISOR)
    page.get_by_label("Wachtwoord", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_role("link", name="Incidenten").click()
    expect(page.get_by_role("heading", name="Incidenten", level=1)).to_be_visible()
    expect(page.get_by_text("Er is geen actief incident.")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Soort").select_option("outage")
    page.get_by_label("Bericht in het Nederlands").fill(NL)
    page.get_by_label("Bericht in het Engels").fill(EN)
    page.get_by_label("Chat", exact=True).check()
    page.get_by_role("button", name="Incident melden").click()
    expect(page.get_by_role("status")).to_contain_text("Het incident is gemeld")
    active = page.get_by_role("region", name="Actieve incidenten")
    expect(active).to_contain_text(NL)
    expect(active.get_by_role("button", name="Incident 1 beëindigen")).to_be_visible()
    assert_accessible(page)


def test_a_declared_incident_shows_in_the_widget_and_the_portal(visitor: Page) -> None:
    declare_as_supervisor(visitor)

    visitor.goto("/chat/?lang=en&open=1")
    banner = visitor.locator(".incident-banner")
    expect(banner).to_be_visible()
    expect(banner.get_by_role("heading", name="Service notice")).to_be_visible()
    expect(banner.get_by_role("status")).to_have_text(EN)
    assert_accessible(visitor)

    visitor.goto("/portal/sign-in")
    banner = visitor.locator(".incident-banner")
    expect(banner.get_by_role("heading", name="Mededeling")).to_be_visible()
    expect(banner.get_by_role("status")).to_have_text(NL)
    assert_accessible(visitor)
    path: Path = screenshot(visitor, "incident-banner")
    assert path.stat().st_size > 0
