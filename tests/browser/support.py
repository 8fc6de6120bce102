"""Helpers of the browser tests: the server handle, axe-core, screenshots, signing in."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

from axe_playwright_python.base import AXE_SCRIPT  # type: ignore[import-untyped]
from playwright.sync_api import Browser, Page, expect
from tests.browser.seed import PASSWORD, Seeded

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
SERIOUS = frozenset({"serious", "critical"})
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


@dataclass(frozen=True)
class Server:
    url: str
    seeded: Seeded
    log: Path
    password: str = PASSWORD


def assert_accessible(page: Page) -> None:
    """Run axe-core (4.12, shipped in axe-playwright-python) in the page.

    Fails on any serious or critical violation of WCAG 2.1 A/AA or axe's best practices.
    """
    page.evaluate(AXE_SCRIPT)
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    results = page.evaluate("options => axe.run(document, options)", options)
    serious = [v for v in results["violations"] if v.get("impact") in SERIOUS]
    assert serious == [], "\n".join(
        f"{v['impact']}: {v['id']} ({v['help']}) at "
        + ", ".join(str(node["target"]) for node in v["nodes"][:5])
        for v in serious
    )


def screenshot(page: Page, name: str) -> Path:
    """Save the whole page as ``docs/screenshots/<name>.png`` (shown in the README)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page: Page, server: Server, email: str, code: str | None = None) -> None:
    """Log in through the form (in Dutch, the default) and wait for the inbox."""
    page.goto("/desk/login")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord", exact=True).fill(server.password)
    if code is not None:
        page.get_by_label("Code uit je authenticator-app").fill(code)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", name="Inbox", level=1)).to_be_visible()


@contextmanager
def visitor_page(browser: Browser, base_url: str, width: int = 1100) -> Iterator[Page]:
    """A customer's browser on ``base_url``: fresh cookies, Dutch, Amsterdam time."""
    context = browser.new_context(
        base_url=base_url,
        locale="nl-NL",
        timezone_id="Europe/Amsterdam",
        viewport={"width": width, "height": 800},
    )
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


@contextmanager
def seeded_server(
    run_server: Callable[..., AbstractContextManager[tuple[str, Path]]],
    workdir: Path,
    seed: Callable[[str], object],
    **settings: str,
) -> Iterator[str]:
    """A server of one's own on a fresh SQLite database that ``seed(url)`` filled first."""
    database_url = f"sqlite:///{workdir / 'own.db'}"
    seed(database_url)
    with run_server(workdir, database_url, **settings) as (url, _log):
        yield url
